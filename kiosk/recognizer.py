"""Offline speech recognition with Vosk: one model loaded at start, a fresh recognizer for every appeal (a
long-lived one keeps growing in memory). Words keep their confidences; non-word tokens such as ``[unk]`` are
dropped; a long recording is the concatenation of Vosk's segment results."""

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile

BLOCK_FRAMES = 4000  # a quarter of a second at 16 kHz per AcceptWaveform call


class ModelMissing(Exception):
    """There is no usable Vosk model where the configuration says."""


@dataclass
class Result:
    words: list[dict] = field(default_factory=list)  # [{"word": "...", "conf": 0.93}, ...]

    @property
    def text(self) -> str:
        return join_words([w["word"] for w in self.words])


def _ideographic(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY"))


def join_words(words: list[str]) -> str:
    """Words as one text: Chinese words are written together, other words with a space between."""
    text = ""
    for word in words:
        if text and not (_ideographic(text[-1]) and _ideographic(word[0])):
            text += " "
        text += word
    return text


def _is_word(token: str) -> bool:
    return bool(token) and not (token.startswith("[") or token.startswith("<")) and any(ch.isalnum() for ch in token)


class Recognizer:
    """A loaded Vosk model."""

    def __init__(self, model_dir: str | Path):
        path = Path(model_dir) if model_dir else None
        if path is None or not (path / "am").is_dir() and not (path / "final.mdl").exists():
            raise ModelMissing(f"No speech model in {path or '(model_dir is not set)'}: install one with "
                               "minyi-kiosk model install, or set model_dir in config.toml.")
        import vosk

        vosk.SetLogLevel(-1)
        self.path = path
        self.model = vosk.Model(str(path))

    @property
    def name(self) -> str:
        return self.path.resolve().name

    def session(self, rate: int) -> "Session":
        return Session(self.model, rate)

    def transcribe_file(self, path: str | Path) -> Result:
        """Recognize a recording file (WAV, Ogg/Opus or Vorbis, FLAC; any rate; mixed down to mono)."""
        with soundfile.SoundFile(str(path)) as sound:
            session = self.session(sound.samplerate)
            for block in sound.blocks(blocksize=BLOCK_FRAMES, dtype="int16", always_2d=True):
                session.accept(_mono(block).tobytes())
        return session.finish()


def _mono(block: np.ndarray) -> np.ndarray:
    return block[:, 0] if block.shape[1] == 1 else block.mean(axis=1).astype(np.int16)


class Session:
    """One appeal's recognition: feed 16-bit mono PCM at the rate given; read partial text while it is spoken."""

    def __init__(self, model, rate: int):
        import vosk

        self.recognizer = vosk.KaldiRecognizer(model, float(rate))
        self.recognizer.SetWords(True)
        self.segments: list[list[dict]] = []
        self.partial = ""

    def accept(self, pcm: bytes) -> str:
        """Feed audio; returns everything recognized so far (final segments and the current partial result)."""
        if self.recognizer.AcceptWaveform(pcm):
            self._keep(json.loads(self.recognizer.Result()))
            self.partial = ""
        else:
            self.partial = json.loads(self.recognizer.PartialResult()).get("partial", "")
        heard = [w for segment in self.segments for w in segment]
        return join_words([w["word"] for w in heard] + [t for t in self.partial.split() if _is_word(t)])

    def _keep(self, result: dict) -> None:
        words = [{"word": w["word"], "conf": round(float(w.get("conf", 1.0)), 3)}
                 for w in result.get("result", []) if _is_word(w.get("word", ""))]
        if words:
            self.segments.append(words)

    def finish(self) -> Result:
        self._keep(json.loads(self.recognizer.FinalResult()))
        return Result([w for segment in self.segments for w in segment])
