"""Power can go at any moment while a kiosk keeps and delivers budget ballots: the kiosk process is killed
(SIGKILL) at random points, many times over, and restarted. Every confirmed ballot is recorded, once."""

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from budgeting import ballots, cycles, in_person
from budgeting.models import Ballot, BallotCode
from core.db import db
from kiosk.client import Client
from kiosk.outbox import Outbox
from kiosk.sync import deliver_due
from kiosk_fleet import kiosks
from tests.helpers import wait_until

KILLS = 8
VOTERS = 24
ROOT = Path(__file__).resolve().parents[2]


def test_killing_the_kiosk_mid_delivery_records_each_ballot_once(live_server, make_kiosk, make_user, budget_county,
                                                                   make_cycle, tmp_path):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000]})
    part = cycles.part_for(cycle, place.east.id)
    project = ballots.ballot_projects(part)[0]
    kiosk, enrolment = make_kiosk(village=place.east_village)
    token = kiosks.enroll(enrolment)[1]
    codes = [in_person.issue_code(cycle, make_user("resident", region=place.east_village, verified=True),
                                  actor=place.official)[1] for _ in range(VOTERS)]
    db.session.commit()
    data, rng, confirmed = tmp_path / "kiosk", random.Random(20261208), []
    arguments = [str(data), live_server.url, token, kiosk.receipt_prefix, str(cycle.id), str(part.id), str(project.id)]

    for _ in range(KILLS):
        process = subprocess.Popen([sys.executable, "-m", "tests.kiosk.busy_ballot_kiosk", *arguments, *codes],
                                   stdout=subprocess.PIPE, text=True, cwd=ROOT)
        lines = []
        reader = threading.Thread(target=lambda p=process, out=lines: out.extend(p.stdout), daemon=True)
        reader.start()
        wait_until(lambda p=process, out=lines: out or p.poll() is not None, timeout=60, interval=0.01,
                   message="the busy kiosk never confirmed a ballot")
        time.sleep(rng.uniform(0.0, 0.3))  # a random moment of real work: where the power goes
        process.send_signal(signal.SIGKILL)
        process.wait()
        reader.join()
        confirmed += [line.strip() for line in lines if line.strip() and line.strip() != "done"]

    # The power is back for good: the kiosk starts once more and finishes.
    finished = subprocess.run([sys.executable, "-m", "tests.kiosk.busy_ballot_kiosk", *arguments, *codes],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert finished.stdout.strip().endswith("done"), finished.stderr
    outbox = Outbox(data, kiosk.receipt_prefix)
    deliver_due(outbox, Client(live_server.url, token, "en"))
    db.session.rollback()
    db.session.expire_all()
    assert len(set(confirmed)) >= KILLS  # the test did interrupt real work
    assert outbox.ballots.counts() == {"queued": 0, "sent": VOTERS, "refused": 0}
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.part_id == part.id)) == VOTERS
    assert db.session.scalar(select(func.count()).select_from(BallotCode).where(BallotCode.used_at.is_not(None))) \
        == VOTERS
