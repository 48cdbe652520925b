"""Recordings: sent with kiosk appeals, and officials' spoken answers; checked by decoding them whole, never by
their name or headers."""

import io
import uuid

import soundfile
from flask_babel import lazy_gettext as _l

from appeals.webm import NotWebmOpus, is_webm, webm_to_ogg
from core.errors import InvalidInput
from core.rules import rule

#: What we accept: (libsndfile format, subtypes) → (content type, file extension).
FORMATS = {("OGG", "OPUS"): ("audio/ogg", ".ogg"), ("OGG", "VORBIS"): ("audio/ogg", ".ogg"),
           ("WAV", "PCM_16"): ("audio/wav", ".wav")}
CONTENT_TYPES = {ext: content_type for content_type, ext in FORMATS.values()}
#: The sample rates a microphone records at, lowest and highest (telephone quality to studio).
SAMPLE_RATES = (8000, 192000)


def check_recording(data: bytes, limits: str = "KIOSK") -> tuple[str, float]:
    """(file extension, seconds) of a valid Ogg (Opus or Vorbis) or 16-bit WAV recording within the limits
    (the rules MINYI_<limits>_AUDIO_MAX_BYTES and _SECONDS); anything else is refused with a message saying why."""
    if not data:
        raise InvalidInput(_l("The recording is empty."), field="audio")
    if len(data) > int(rule(f"MINYI_{limits}_AUDIO_MAX_BYTES")):
        raise InvalidInput(_l("The recording is too large."), field="audio")
    try:
        with soundfile.SoundFile(io.BytesIO(data)) as sound:
            kind = FORMATS.get((sound.format, sound.subtype))
            if kind is None:
                raise InvalidInput(_l("Send the recording as Ogg/Opus or WAV."), field="audio")
            frames, rate = 0, sound.samplerate
            if not SAMPLE_RATES[0] <= rate <= SAMPLE_RATES[1]:  # a header that lies (a WAV may say anything)
                raise InvalidInput(_l("The recording is not a sound file that can be played."), field="audio")
            for block in sound.blocks(blocksize=65536, dtype="int16"):  # decode it all: a cut file fails
                frames += len(block)
    except (RuntimeError, soundfile.LibsndfileError, ValueError):
        raise InvalidInput(_l("The recording is not a sound file that can be played."), field="audio") from None
    seconds = frames / rate if rate else 0.0
    if seconds <= 0:
        raise InvalidInput(_l("The recording is empty."), field="audio")
    if seconds > float(rule(f"MINYI_{limits}_AUDIO_MAX_SECONDS")):
        raise InvalidInput(_l("The recording is too long."), field="audio")
    return kind[1], seconds


#: The sample rates an Opus stream can have.
OPUS_RATES = frozenset({8000, 12000, 16000, 24000, 48000})


def to_ogg(data: bytes) -> bytes:
    """A WAV recording as Ogg/Opus, about a tenth of its size (as Ogg/Vorbis when its sample rate is not one
    Opus takes, such as 44.1 kHz)."""
    with soundfile.SoundFile(io.BytesIO(data)) as sound:
        samples, rate = sound.read(dtype="int16"), sound.samplerate
    out = io.BytesIO()
    soundfile.write(out, samples, rate, format="OGG", subtype="OPUS" if rate in OPUS_RATES else "VORBIS")
    return out.getvalue()


def spoken_answer(data: bytes) -> tuple[str, bytes, float]:
    """(file name, Ogg bytes, seconds) of an official's spoken answer: recorded in the browser (Ogg/Opus, or WebM/Opus,
    rewritten as Ogg/Opus) or an uploaded Ogg or WAV file (made Ogg/Opus); refused with a message like a kiosk's."""
    if data and is_webm(data) and len(data) <= int(rule("MINYI_ANSWER_AUDIO_MAX_BYTES")):
        try:
            data = webm_to_ogg(data)
        except NotWebmOpus:
            raise InvalidInput(_l("The recording is not a sound file that can be played."), field="audio") from None
    extension, seconds = check_recording(data, limits="ANSWER")
    if extension == ".wav":
        data = to_ogg(data)
    return f"answer-{uuid.uuid4()}.ogg", data, seconds
