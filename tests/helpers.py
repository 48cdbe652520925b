"""What tests share that is not a fixture: clients, waiting for something to happen, real speech, a mail inbox, the
kiosk's command and API, files to upload, browser steps. Fixtures live in tests/fixtures/; test modules import only
from here (never from each other, never from a conftest)."""

import contextvars
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from pathlib import Path

import numpy as np
import soundfile
from flask import has_app_context
from flask.testing import FlaskClient

from core.db import db
from kiosk.microphone import resample

TESTS = Path(__file__).resolve().parent

#: Rate limits too high to reach: for tests of something else (the limits are tested in
#: tests/server/web/test_limits.py).
NO_LIMITS = {name: "1000000 per hour" for name in (
    "MINYI_LOGIN_LIMIT", "MINYI_ACCOUNT_LOGIN_LIMIT", "MINYI_POSTING_LIMIT", "MINYI_POSTING_ADDRESS_LIMIT",
    "MINYI_BACKING_LIMIT", "MINYI_RECEIPT_LIMIT", "MINYI_KIOSK_UPLOAD_LIMIT",
    "MINYI_RESET_LIMIT", "MINYI_ACCOUNT_RESET_LIMIT")}

PASSWORD = "correct horse battery"


# --- Waiting ---------------------------------------------------------------------------------------------------------

def wait_until(condition, timeout=30.0, message=None, interval=0.05):
    """Call ``condition()`` until it returns something true, and return that; fail the test with ``message`` (a
    text, or a callable giving one, such as a log read then) when ``timeout`` seconds pass first. For what another
    thread or process does, which takes a moment: never a fixed sleep that hopes it was long enough."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            if callable(message):
                message = message()
            raise AssertionError(message or f"{getattr(condition, '__name__', 'condition')} was not met "
                                            f"within {timeout} s")
        time.sleep(interval)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def closed_port_url() -> str:
    """The address of a server that is not there."""
    return f"http://127.0.0.1:{free_port()}"


# --- The app and its clients -----------------------------------------------------------------------------------------

def app_without_data():
    """An app on an empty in-memory database, for what a test module reads once at import (its routes, its
    OpenAPI document)."""
    from unittest import mock

    from server import create_app

    with tempfile.TemporaryDirectory() as instance, mock.patch.dict(os.environ, {"MINYI_INSTANCE_PATH": instance}):
        return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40})


def empty_all_tables(engine):
    """Delete every row of every table (the schema stays)."""
    tables = db.metadata.sorted_tables
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            # Self-referencing rows (regions, users) cannot be deleted in order; the pragma
            # only takes effect outside a transaction, hence before the first DELETE.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in reversed(tables):
                conn.execute(table.delete())
            conn.commit()
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The test keeps an app context for its factories and queries; without this, requests
    would share its ``g`` and database session and hide a missing commit. The test's
    session is committed before a request (so the request sees its data) and after it
    (so the test then reads what the request committed, and nothing else)."""

    def open(self, *args, **kwargs):
        outer = has_app_context()
        if outer:
            db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if outer:
            db.session.commit()
            db.session.expire_all()  # read what the request wrote, not what this session remembers
        return response


class WebClient:
    """A test client that fills in the CSRF token the way a browser form would."""

    _token = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

    def __init__(self, client, language="en"):
        # Assertions read English by default; i18n tests ask for Chinese explicitly.
        self.raw = client
        if language:
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language

    def csrf_token(self, page="/login"):
        html = self.raw.get(page).get_data(as_text=True)
        match = self._token.search(html)
        assert match, f"no CSRF token on {page}"
        return match.group(1) or match.group(2)

    def get(self, url, **kwargs):
        return self.raw.get(url, **kwargs)

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self.raw.post(url, data=data, **kwargs)

    def login(self, user, password=PASSWORD):
        response = self.post("/login", {"identifier": user.login_name, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def logout(self):
        return self.post("/logout")


def at_once(app, task, arguments) -> list:
    """``task(argument)`` for each argument, each in its own thread and app context (a request of its own), all
    let go together; returns what each returned, or the exception it raised (its transaction rolled back)."""
    start, outcomes = threading.Barrier(len(arguments)), [None] * len(arguments)

    def run(index, argument):
        start.wait()
        with app.app_context():
            try:
                outcomes[index] = task(argument)
            except Exception as error:  # noqa: BLE001  (returned to the test, which says what it expects)
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def url_of(rule: str, ids: dict) -> str:
    """The address of a route in the little world of tests/server/conftest.py (the first choice of an ``any(...)``)."""
    def value(match):
        converter, name = match.group(1), match.group(2)
        if converter and converter.startswith("any("):
            return converter[4:-1].split(",")[0].strip()
        return str(ids[name])

    return re.sub(r"<(?:([^:<>]+):)?([^<>]+)>", value, rule)


# --- Files people upload ---------------------------------------------------------------------------------------------

def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A JPEG photo that gives away where it was taken and with which phone."""
    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {2: (25.0, 2.0, 30.0)}  # GPSInfo: where the photographer stood
    exif[0x0110] = "Secret Phone 12"       # camera model
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


#: The least a Vosk model archive must hold to be taken for one.
MODEL_LAYOUT = {"m/am/final.mdl": b"x", "m/conf/model.conf": b"x"}


def tiny_archive(path: Path, members: dict, symlink: str | None = None) -> Path:
    """A zip file of ``members`` (name → bytes), with a link named ``symlink`` if given."""
    import stat

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


# --- Speech ----------------------------------------------------------------------------------------------------------

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


def speak_into(microphone, text, tmp_path, pause=0.3):
    """Play espeak-ng's ``text`` into the virtual microphone, as a resident speaking (real time)."""
    speech = tmp_path / f"speech-{abs(hash(text))}.wav"
    speech.write_bytes(encoded(say(text, pause=pause), kind="wav"))
    subprocess.run(["paplay", f"--device={microphone}", str(speech)], check=True, timeout=60)


# --- Mail ------------------------------------------------------------------------------------------------------------

class Inbox:
    """An aiosmtpd handler that keeps every mail: ``messages`` is a list of (recipients, email.message)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        from email import message_from_bytes, policy

        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


# --- The kiosk: its command, its API, what reached the server --------------------------------------------------------

def kiosk_cli(env, *args, check=True):
    """Run ``minyi-kiosk *args`` in its own process with ``env`` (see the ``kiosk_env`` fixture)."""
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", *args], env=env, capture_output=True, text=True,
                            timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def enroll(api, code):
    """Enrol a kiosk with its one-time ``code`` through the kiosk API: (its request headers, the answer's body)."""
    response = api.post("/api/v1/kiosk/enroll", json={"code": code, "version": "0.1.0"},
                        headers={"Accept-Language": "en"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return {"Authorization": f"Bearer {body['token']}", "Accept-Language": "en"}, body


def send(api, headers, recording, **fields):
    """Deliver a spoken appeal through the kiosk API."""
    form = {"uuid": str(uuid.uuid4()), "transcript": "물이 안 나와요", **fields}
    return api.post("/api/v1/kiosk/appeals", headers=headers, content_type="multipart/form-data",
                    data={**form, "audio": (io.BytesIO(recording), "appeal.ogg")})


def server_appeals():
    """Every appeal on the server, as another process committed them."""
    from sqlalchemy import select

    from appeals.models import Appeal

    db.session.rollback()  # see what the server process committed
    db.session.expire_all()
    return db.session.scalars(select(Appeal).order_by(Appeal.id)).all()


# --- The browser -----------------------------------------------------------------------------------------------------

AXE = TESTS / "browser" / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page):
    """What axe-core finds wrong (WCAG 2.2 AA) on the page, one line each."""
    # A page whose stylesheet is still loading has unstyled, crowded links; audit what people see.
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]


def log_in(page, live_server, user):
    """Log ``user`` in with the English form, as a person would."""
    from playwright.sync_api import expect

    page.goto(live_server.url + "/login")
    page.get_by_label("Phone number or email", exact=True).fill(user.login_name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
