"""WebM/Opus, as most browsers record it (MediaRecorder: Chromium records no Ogg), rewritten as Ogg/Opus without
decoding: the same Opus packets in Ogg pages. libsndfile reads Ogg but no WebM, so after this an official's
recording is checked and kept exactly like a kiosk's (``appeals.audio``). Standard library only."""

import struct

#: How a WebM (EBML) file begins.
EBML_MAGIC = b"\x1a\x45\xdf\xa3"

_TRACK_ENTRY = 0xAE
#: Elements whose contents are read (segment, cluster, tracks, a track, its audio, a block group); the rest is
#: skipped by its size.
_MASTERS = {0x18538067, 0x1F43B675, 0x1654AE6B, _TRACK_ENTRY, 0xE1, 0xA0}
_TRACK_NUMBER, _CODEC_ID, _CODEC_PRIVATE, _CHANNELS, _SIMPLE_BLOCK, _BLOCK = 0xD7, 0x86, 0x63A2, 0x9F, 0xA3, 0xA1
#: Samples (at 48 kHz) of one Opus frame, by the frame's configuration number (RFC 6716, 3.1).
_FRAME_SAMPLES = [480, 960, 1920, 2880] * 3 + [480, 960] * 2 + [120, 240, 480, 960] * 4


class NotWebmOpus(ValueError):
    """The bytes are not a WebM file with an Opus track that can be rewritten."""


def is_webm(data: bytes) -> bool:
    return data[:4] == EBML_MAGIC


def _vint(data: bytes, at: int, keep_marker: bool) -> tuple[int | None, int]:
    """An EBML variable-length integer at ``at``: (value, where the next thing starts); value None for the
    all-ones "unknown size" of an element a live recorder had not finished when it wrote the header."""
    if at >= len(data) or data[at] == 0:
        raise NotWebmOpus("bad EBML number")
    length = 8 - data[at].bit_length() + 1
    if at + length > len(data):
        raise NotWebmOpus("cut EBML number")
    raw = int.from_bytes(data[at:at + length], "big")
    if keep_marker:
        return raw, at + length
    value = raw & ((1 << (7 * length)) - 1)
    return (None if value == (1 << (7 * length)) - 1 else value), at + length


def _elements(data: bytes):
    """(id, contents) of every element, masters' children flattened in file order."""
    at = 0
    while at < len(data):
        element, at = _vint(data, at, keep_marker=True)
        size, at = _vint(data, at, keep_marker=False)
        if element in _MASTERS:  # its children follow in file order (and its size may be unknown)
            yield element, b""
            continue
        if size is None or at + size > len(data):
            raise NotWebmOpus("cut element")
        yield element, data[at:at + size]
        at += size


def _packet_samples(packet: bytes) -> int:
    """How many 48 kHz samples an Opus packet holds (RFC 6716, 3.1: the TOC byte and frame count)."""
    if not packet:
        return 0
    frames = packet[0] & 3
    count = 1 if frames == 0 else 2 if frames in (1, 2) else (packet[1] & 0x3F if len(packet) > 1 else 0)
    return _FRAME_SAMPLES[packet[0] >> 3] * count


def webm_to_ogg(data: bytes) -> bytes:
    """The Opus track of a WebM file as an Ogg/Opus file; ``NotWebmOpus`` when there is none."""
    tracks: list[dict] = []
    track, head, packets, current = None, None, [], {}
    for element, contents in _elements(data):
        if element == _TRACK_ENTRY:
            current = {}
            tracks.append(current)
        elif element == _TRACK_NUMBER:
            current["number"] = int.from_bytes(contents, "big")
        elif element == _CODEC_ID:
            current["codec"] = contents.rstrip(b"\0").decode("ascii", "replace")
        elif element == _CODEC_PRIVATE:
            current["private"] = contents
        elif element == _CHANNELS:
            current["channels"] = int.from_bytes(contents, "big")
        elif element in (_SIMPLE_BLOCK, _BLOCK):
            if track is None:
                track = next((t for t in tracks if t.get("codec") == "A_OPUS"), None)
                if track is None:
                    raise NotWebmOpus("no Opus track")
                head = track.get("private") or b""
                if not head.startswith(b"OpusHead"):
                    head = b"OpusHead" + struct.pack("<BBHIhB", 1, track.get("channels", 1), 312, 48000, 0, 0)
            number, at = _vint(contents, 0, keep_marker=False)
            if number != track["number"]:
                continue
            if at + 3 > len(contents) or contents[at + 2] & 0x06:
                raise NotWebmOpus("laced or cut block")  # (browsers write one frame a block)
            packets.append(contents[at + 3:])
    if track is None or not packets:
        raise NotWebmOpus("no Opus audio")
    return _ogg(head, packets)


def _ogg(head: bytes, packets: list[bytes]) -> bytes:
    """Ogg pages (RFC 7845): the head, the tags, then the audio, about a second a page."""
    serial, out, sequence = 0x4D696E79, bytearray(), 0

    def page(chunk: list[bytes], granule: int, flags: int):
        nonlocal sequence
        lacing = bytearray()
        for packet in chunk:
            lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
        header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing)) + lacing
        body = b"".join(chunk)
        checksum = _crc(header + body)
        out.extend(header[:22] + struct.pack("<I", checksum) + header[26:] + body)
        sequence += 1

    page([head], 0, 0x02)
    vendor = b"minyi"
    page([b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)], 0, 0)
    pre_skip = struct.unpack("<H", head[10:12])[0] if len(head) >= 12 else 0
    granule, chunk, segments = pre_skip, [], 0
    for packet in packets:
        needed = len(packet) // 255 + 1
        if chunk and (segments + needed > 255 or segments >= 50):
            page(chunk, granule, 0)
            chunk, segments = [], 0
        if needed > 255:
            raise NotWebmOpus("an Opus packet too large for one page")
        chunk.append(packet)
        segments += needed
        granule += _packet_samples(packet)
    page(chunk, granule, 0x04)
    return bytes(out)


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        value = byte << 24
        for _ in range(8):
            value = ((value << 1) ^ 0x04C11DB7) if value & 0x80000000 else value << 1
        table.append(value & 0xFFFFFFFF)
    return table


_TABLE = _crc_table()


def _crc(data: bytes) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, starting at 0)."""
    value = 0
    for byte in data:
        value = ((value << 8) & 0xFFFFFFFF) ^ _TABLE[((value >> 24) ^ byte) & 0xFF]
    return value
