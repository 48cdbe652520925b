"""Budget ballots kept on the kiosk while offline: delivered when the link is back, counted when cast before
voting closed even if they arrive after; one cast after voting closed is refused and kept with the reason."""

import logging

from sqlalchemy import select

from budgeting import ballots, cycles, in_person
from budgeting.models import Ballot
from core.db import db
from kiosk.client import Client
from kiosk.outbox import Outbox
from kiosk.sync import deliver_due
from kiosk_fleet import kiosks
from tests.helpers import closed_port_url


def test_offline_ballots_arrive_after_close_and_late_ones_are_refused(live_server, make_kiosk, budget_county,
                                                                     make_cycle, tmp_path, caplog):
    place = budget_county
    live_server.app.config["MINYI_LATE_BALLOT_HOURS"] = 24  # the default: a day for kiosks to come back online
    cycle = make_cycle("voting", projects={"east": [1_000_000]})
    part = cycles.part_for(cycle, place.east.id)
    chosen = [{"part_id": part.id, "projects": [ballots.ballot_projects(part)[0].id]}]
    kiosk, enrolment = make_kiosk(village=place.east_village)
    token = kiosks.enroll(enrolment)[1]
    _row, early = in_person.issue_code(cycle, place.east_resident, actor=place.official)
    _row, late = in_person.issue_code(cycle, place.west_resident, actor=place.official)
    db.session.commit()
    outbox = Outbox(tmp_path / "kiosk", kiosk.receipt_prefix)
    outbox.ballots.add(cycle_id=cycle.id, code=early, parts=chosen)

    report = deliver_due(outbox, Client(closed_port_url(), token, "en"), first=0.01, longest=0.05)
    assert report.failed == 1 and outbox.ballots.counts()["queued"] == 1  # the link is down: kept

    cycles.advance_phase(cycle, actor=place.official)  # voting closes meanwhile
    db.session.commit()
    outbox.clock = lambda: 4_102_444_800.0  # the next one is cast after that (2100-01-01)
    outbox.ballots.clock = outbox.clock
    outbox.ballots.add(cycle_id=cycle.id, code=late, parts=chosen)
    with caplog.at_level(logging.ERROR, logger="kiosk.sync"):
        deliver_due(outbox, Client(live_server.url, token, "en"), first=0.0, longest=0.0)
    assert outbox.ballots.counts() == {"queued": 0, "sent": 1, "refused": 1}
    assert "expired when voting closed" in caplog.text  # the reason the kiosk logs
    db.session.expire_all()
    assert [b.voter_id for b in db.session.scalars(select(Ballot))] == [place.east_resident.id]
