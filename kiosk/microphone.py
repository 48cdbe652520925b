"""Recording one spoken appeal: the microphone's callback only queues bytes; a worker thread feeds Vosk (the
live transcript) and the voice-activity detector (webrtcvad), and decides when the recording ends: after
``silence_seconds`` of silence once the resident has spoken, when ``stop()`` is called (a second press), or at
``max_seconds`` (with a warning ``warn_seconds`` before). Time is counted in audio, not on the wall clock."""

import io
import queue
import threading
from dataclasses import dataclass

import numpy as np
import soundfile

#: Rates webrtcvad understands; the microphone is opened at the first it supports.
VAD_RATES = (16000, 48000, 32000, 8000)
FRAME_SECONDS = 0.03  # webrtcvad frames of 30 ms
NO_SOUND_SECONDS = 3.0  # a microphone that delivers nothing for this long is gone
#: Opus needs one of these rates; anything else is resampled to 16 kHz for keeping.
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
#: libsndfile's Opus setting (0: largest, 1: smallest): 0.95 gives about 17 kbit/s, clear speech at some 130 KB a
#: minute (libsndfile's default is 200 KB, WAV 1.9 MB; bench/kiosk_bench.py measures it).
OPUS_COMPRESSION = 0.95


def resample(samples: np.ndarray, rate: int, to: int) -> np.ndarray:
    """16-bit samples at ``rate`` Hz as 16-bit samples at ``to`` Hz (linear interpolation: enough for speech)."""
    if rate == to:
        return samples
    positions = np.arange(0, len(samples) * to / rate) * rate / to
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.int16)


class MicrophoneMissing(Exception):
    """No microphone answers (unplugged, or none configured)."""


@dataclass
class Recorded:
    pcm: bytes  # 16-bit mono
    rate: int
    words: list
    text: str
    reason: str  # "silence", "pressed", "limit" or "nothing" (no speech at all)
    #: Whether the voice detector heard speech, words recognized or not (a dialect the model does not know).
    spoke: bool = True

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.rate

    def ogg_opus(self) -> bytes:
        """The recording compressed for a slow uplink (Ogg/Opus, about 1/10 of the WAV)."""
        samples, rate = np.frombuffer(self.pcm, dtype=np.int16), self.rate
        if rate not in OPUS_RATES:
            samples, rate = resample(samples, rate, 16000), 16000
        buffer = io.BytesIO()
        soundfile.write(buffer, samples, rate, format="OGG", subtype="OPUS", compression_level=OPUS_COMPRESSION)
        return buffer.getvalue()


def microphone_rate(device=None) -> int:
    """The first rate both the microphone and the voice detector support (else the microphone's own)."""
    import sounddevice

    try:
        info = sounddevice.query_devices(device, "input")
    except (ValueError, sounddevice.PortAudioError) as error:
        raise MicrophoneMissing(str(error)) from None
    for rate in VAD_RATES:
        try:
            sounddevice.check_input_settings(device=device, samplerate=rate, channels=1, dtype="int16")
            return rate
        except (ValueError, sounddevice.PortAudioError):
            continue
    return int(info["default_samplerate"])


class Recording:
    def __init__(self, recognizer, *, device=None, silence_seconds=3.0, max_seconds=180.0, warn_seconds=20.0,
                 quiet_start_seconds=None, on_partial=None, on_warning=None, vad_level=2):
        import webrtcvad

        self.recognizer, self.device = recognizer, device or None
        self.silence_seconds, self.max_seconds, self.warn_seconds = silence_seconds, max_seconds, warn_seconds
        # Nobody spoke at all: give up after this long (the screen then offers to try again).
        self.quiet_start_seconds = quiet_start_seconds or max(10.0, 3 * silence_seconds)
        self.on_partial, self.on_warning = on_partial or (lambda text: None), on_warning or (lambda: None)
        self.vad = webrtcvad.Vad(vad_level)
        self.chunks: queue.Queue = queue.Queue()
        self.muted_for = 0.0  # seconds of audio to leave out (the kiosk's own voice, e.g. the time warning)
        self.done = threading.Event()
        self.reason = None
        self.result: Recorded | None = None
        self.error: Exception | None = None

    def start(self) -> "Recording":
        import sounddevice

        self.rate = microphone_rate(self.device)
        self.session = self.recognizer.session(self.rate)
        try:
            self.stream = sounddevice.RawInputStream(samplerate=self.rate, channels=1, dtype="int16",
                                                     device=self.device, blocksize=int(self.rate * FRAME_SECONDS),
                                                     callback=self._callback)
        except (sounddevice.PortAudioError, ValueError) as error:
            raise MicrophoneMissing(str(error)) from None
        try:
            self.stream.start()
        except sounddevice.PortAudioError as error:
            self.stream.close()
            raise MicrophoneMissing(str(error)) from None
        self.worker = threading.Thread(target=self._work, name="recognition", daemon=True)
        self.worker.start()
        return self

    def _callback(self, data, _frames, _time, _status):
        self.chunks.put(bytes(data))  # nothing else here: the audio thread must never wait

    def mute(self, seconds: float) -> None:
        """Leave the next ``seconds`` of audio out: the kiosk itself is speaking into the room."""
        self.muted_for = max(self.muted_for, seconds)

    def stop(self, reason: str = "pressed") -> None:
        """End the recording now (the second press)."""
        if self.reason is None:
            self.reason = reason
        self.chunks.put(None)

    def wait(self, timeout=None) -> Recorded | None:
        self.done.wait(timeout)
        if self.error is not None:
            raise self.error
        return self.result

    def _is_speech(self, frame: bytes) -> bool:
        rate = self.rate if self.rate in VAD_RATES else 16000
        if rate != self.rate:
            frame = resample(np.frombuffer(frame, dtype=np.int16), self.rate, rate).tobytes()
        length = int(rate * FRAME_SECONDS) * 2
        return len(frame) >= length and self.vad.is_speech(frame[:length], rate)

    def _work(self):
        pcm, pending, frame_bytes = bytearray(), b"", int(self.rate * FRAME_SECONDS) * 2
        heard_until = spoke_at = None  # seconds of audio
        warned, shown = False, ""
        try:
            while True:
                try:
                    chunk = self.chunks.get(timeout=NO_SOUND_SECONDS)
                except queue.Empty:  # the microphone was pulled out (or hangs): end, and say so
                    raise MicrophoneMissing("no sound came from the microphone") from None
                if chunk is None:
                    break
                if self.muted_for > 0:
                    self.muted_for -= len(chunk) / 2 / self.rate
                    heard_until = len(pcm) / 2 / self.rate if heard_until is not None else None
                    continue
                pcm += chunk
                text = self.session.accept(chunk)
                if text and text != shown:
                    shown = text
                    self.on_partial(text)
                pending += chunk
                while len(pending) >= frame_bytes:
                    frame, pending = pending[:frame_bytes], pending[frame_bytes:]
                    if self._is_speech(frame):
                        heard_until = len(pcm) / 2 / self.rate
                        spoke_at = spoke_at if spoke_at is not None else heard_until
                now = len(pcm) / 2 / self.rate
                if not warned and now >= self.max_seconds - self.warn_seconds:
                    warned = True
                    self.on_warning()
                if now >= self.max_seconds:
                    self.reason = self.reason or "limit"
                    break
                if heard_until is not None and now - heard_until >= self.silence_seconds:
                    self.reason = self.reason or "silence"
                    break
                if heard_until is None and now >= self.quiet_start_seconds:
                    self.reason = self.reason or "nothing"
                    break
        except Exception as error:  # noqa: BLE001  (handed to whoever waits; the stream is closed below)
            self.error = error
        finally:
            try:
                self.stream.stop()
                self.stream.close()
            except Exception:  # noqa: BLE001  (a microphone pulled out mid-recording)
                pass
        if self.error is None:
            heard = self.session.finish()
            reason = self.reason if heard.words or self.reason == "pressed" else "nothing"
            self.result = Recorded(bytes(pcm), self.rate, heard.words, heard.text, reason, spoke_at is not None)
        self.done.set()
