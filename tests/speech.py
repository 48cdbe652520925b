"""Real speech for the tests: espeak-ng says a sentence; it comes back as samples, WAV or Ogg/Opus bytes."""

import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from kiosk.microphone import resample


def say(text: str, voice: str = "ko", rate: int = 16000, pause: float = 0.0) -> np.ndarray:
    """``text`` spoken by espeak-ng, as mono 16-bit samples at ``rate`` Hz, followed by ``pause`` s of silence."""
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(wav), text], check=True)
        samples, native = soundfile.read(wav, dtype="int16")
    samples = np.concatenate([resample(samples, native, rate), np.zeros(int(pause * rate), dtype=np.int16)])
    # A quiet room, not digital silence: what a real microphone hears between words (fixed seed: repeatable).
    noisy = samples / 32767 + np.random.default_rng(len(samples)).normal(0, 0.002, len(samples))
    return (np.clip(noisy, -1, 1) * 32767).astype(np.int16)


def encoded(samples: np.ndarray, rate: int = 16000, kind: str = "ogg") -> bytes:
    """The samples as an Ogg/Opus file (``kind="ogg"``) or a 16-bit WAV file (``"wav"``)."""
    buffer = io.BytesIO()
    if kind == "ogg":
        soundfile.write(buffer, samples, rate, format="OGG", subtype="OPUS")
    else:
        soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()
