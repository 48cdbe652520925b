"""Budget ballots through the kiosk API: the ballots in the kiosk's content, a ballot delivered with a one-time
code recorded once (a retry answers the same), refusals with a reason the kiosk can log."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from budgeting import ballots, cycles, in_person
from budgeting.models import Ballot
from core.db import db, utcnow
from tests.helpers import enroll


@pytest.fixture(autouse=True)
def late_window(app, monkeypatch):
    """Kiosk ballots cast before voting closed are taken for a day after it (the default), not at once."""
    monkeypatch.setitem(app.config, "MINYI_LATE_BALLOT_HOURS", 24)



def _setup(api, budget_county, make_cycle, make_kiosk):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000, 2_500_000], "county": [3_000_000]})
    _kiosk, enrolment = make_kiosk(village=place.east_village)
    headers, _body = enroll(api, enrolment)
    _row, code = in_person.issue_code(cycle, place.east_resident, actor=place.official)
    db.session.commit()
    return place, cycle, headers, code


def _body(cycle, place, code, uuid="0b7c6d1e-0000-4000-8000-000000000001", at=None):
    east = cycles.part_for(cycle, place.east.id)
    first = ballots.ballot_projects(east)[0].id
    return {"uuid": uuid, "cycle_id": cycle.id, "code": code, "cast_at": (at or utcnow()).isoformat(),
            "parts": [{"part_id": east.id, "projects": [first]}]}


def test_the_kiosk_content_carries_the_ballots_open_in_its_village(api, budget_county, make_cycle, make_kiosk):
    place, cycle, headers, _code = _setup(api, budget_county, make_cycle, make_kiosk)
    budgets = api.get("/api/v1/kiosk/content", headers=headers).get_json()["budgets"]
    assert [b["cycle_id"] for b in budgets] == [cycle.id]
    parts = budgets[0]["parts"]
    assert len(parts) == 2 and budgets[0]["limits_money"] is True
    assert sorted(p["cost_minor"] for part in parts for p in part["projects"]) == [1_000_000, 2_500_000, 3_000_000]


def test_a_kiosk_ballot_is_recorded_once_whatever_the_retries(api, budget_county, make_cycle, make_kiosk):
    place, cycle, headers, code = _setup(api, budget_county, make_cycle, make_kiosk)
    first = api.post("/api/v1/kiosk/ballots", json=_body(cycle, place, code), headers=headers)
    assert first.status_code == 201, first.get_json()
    again = api.post("/api/v1/kiosk/ballots", json=_body(cycle, place, code), headers=headers)
    assert again.status_code == 200
    other = api.post("/api/v1/kiosk/ballots", json=_body(cycle, place, code, uuid="another"), headers=headers)
    assert other.status_code == 409 and "used already" in other.get_json()["error"]["message"]
    rows = db.session.scalars(select(Ballot).where(Ballot.voter_id == place.east_resident.id)).all()
    assert [b.channel for b in rows] == ["kiosk"]


def test_an_unknown_code_is_refused_with_a_reason(api, budget_county, make_cycle, make_kiosk):
    place, cycle, headers, code = _setup(api, budget_county, make_cycle, make_kiosk)
    wrong = "00000000" if code != "00000000" else "11111111"
    refused = api.post("/api/v1/kiosk/ballots", json=_body(cycle, place, wrong), headers=headers)
    assert refused.status_code == 404 and refused.get_json()["error"]["field"] == "code"
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_cast_before_close_is_taken_after_it_and_cast_after_is_refused(api, budget_county, make_cycle, make_kiosk):
    place, cycle, headers, code = _setup(api, budget_county, make_cycle, make_kiosk)
    _row, late_code = in_person.issue_code(cycle, place.west_resident, actor=place.official)
    before = utcnow()
    cycles.advance_phase(cycle, actor=place.official)
    db.session.commit()
    taken = api.post("/api/v1/kiosk/ballots", json=_body(cycle, place, code, at=before), headers=headers)
    assert taken.status_code == 201, taken.get_json()
    late = _body(cycle, place, late_code, uuid="late", at=utcnow() + timedelta(seconds=5))
    refused = api.post("/api/v1/kiosk/ballots", json=late, headers=headers)
    assert refused.status_code == 409 and "voting closed" in refused.get_json()["error"]["message"]


def test_a_ballot_without_a_device_token_is_refused(api, budget_county, make_cycle):
    cycle = make_cycle("voting")
    response = api.post("/api/v1/kiosk/ballots", json={"uuid": "x", "cycle_id": cycle.id, "code": "12345678",
                                                       "cast_at": utcnow().isoformat(), "parts": []})
    assert response.status_code == 401
