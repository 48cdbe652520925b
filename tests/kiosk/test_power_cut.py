"""Power can go at any moment: the kiosk process is killed (SIGKILL) at random points while it keeps and
delivers appeals, many times over. No confirmed appeal may be lost and none may arrive twice."""

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import select

from appeals.models import Appeal
from core.db import db
from core.storage import uploads
from kiosk.client import Client
from kiosk.outbox import Outbox
from kiosk.sync import deliver_due
from kiosk_fleet import kiosks
from tests.helpers import encoded, say, wait_until

KILLS = 25
ROOT = Path(__file__).resolve().parents[2]


def test_killing_the_kiosk_anywhere_loses_and_doubles_nothing(live_server, make_kiosk, tmp_path):
    kiosk, code = make_kiosk()
    token = kiosks.enroll(code)[1]
    db.session.commit()
    recording = tmp_path / "appeal.ogg"
    recording.write_bytes(encoded(say("네", pause=0.2)))
    data = tmp_path / "kiosk"
    rng, confirmed = random.Random(20261127), []

    for _ in range(KILLS):
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.kiosk.busy_kiosk", str(data), live_server.url, token, kiosk.receipt_prefix,
             str(recording)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        lines = []
        reader = threading.Thread(target=lambda p=process, out=lines: out.extend(p.stdout), daemon=True)
        reader.start()
        # Let it get going (the first import takes a while), then pull the plug at a random point.
        wait_until(lambda p=process, out=lines: out or p.poll() is not None, timeout=60, interval=0.01,
                   message="the busy kiosk never confirmed an appeal")
        time.sleep(rng.uniform(0.0, 0.4))  # a random moment of real work is the behaviour: where the power goes
        process.send_signal(signal.SIGKILL)
        process.wait()
        reader.join()
        confirmed += [line.strip() for line in lines if line.strip()]

    # The power is back for good: what waits is delivered.
    outbox = Outbox(data, kiosk.receipt_prefix)
    while outbox.counts()["queued"]:
        deliver_due(outbox, Client(live_server.url, token, "en"), first=0.01, longest=0.05)
    kept = outbox.db.execute("SELECT uuid, receipt_code FROM appeals").fetchall()

    db.session.rollback()
    db.session.expire_all()
    delivered = db.session.execute(select(Appeal.client_uuid, Appeal.receipt_code)).all()
    assert len(confirmed) >= KILLS  # the test did interrupt real work
    assert set(confirmed) <= {code for _uuid, code in delivered}  # no confirmed appeal lost
    assert sorted(delivered) == sorted(kept)  # each kept appeal arrived exactly once
    assert outbox.counts() == {"queued": 0, "sent": len(kept), "refused": 0}
    for _uuid, code in kept:  # each arrived with its recording, and the kiosk's copy made room on the SD card
        assert not outbox.by_receipt(code).audio_path.exists()
    for audio_file in db.session.scalars(select(Appeal.audio_file)):
        assert uploads().area("audio").exists(audio_file)
