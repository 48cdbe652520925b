"""Voting in person: ballot codes for the kiosk (given, used once, expiring when voting closes, cancelled) and
paper ballots entered by officials, all against the same one-ballot-per-part row as the web."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from budgeting import ballots, cycles, in_person, queries
from budgeting.cycle_errors import (
    AlreadyVoted,
    CastOnPaper,
    CodeCancelled,
    CodeExpired,
    CodeUsed,
    NotVoterHere,
    WrongCode,
)
from budgeting.models import Ballot, BallotCode
from core.audit import AuditEntry
from core.db import db, utcnow


@pytest.fixture(autouse=True)
def late_window(app, monkeypatch):
    """Kiosk ballots cast before voting closed are taken for a day after it (the default), not at once."""
    monkeypatch.setitem(app.config, "MINYI_LATE_BALLOT_HOURS", 24)



def _parts(cycle, place):
    return cycles.part_for(cycle, place.east.id), cycles.part_for(cycle, place.county.id)


def _first(part):
    return [ballots.ballot_projects(part)[0].id]


@pytest.fixture
def voting(budget_county, make_cycle):
    return make_cycle("voting", projects={"east": [1_000_000, 2_500_000], "county": [3_000_000]})


def _kiosk_cast(cycle, code, place, uuid="u-1", at=None):
    east, wide = _parts(cycle, place)
    return in_person.cast_at_kiosk(cycle, kiosk=None, code=code, uuid=uuid, cast_at=at or utcnow(),
                                   choices={east.id: _first(east), wide.id: _first(wide)})


def test_a_code_is_digits_kept_only_as_a_digest_and_audited(budget_county, voting):
    place = budget_county
    row, code = in_person.issue_code(voting, place.east_resident, actor=place.official)
    db.session.commit()
    assert len(code) == in_person.CODE_DIGITS and code.isdigit()
    assert code not in row.digest
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "budget.code.issue"))
    assert (entry.actor_id, entry.subject_id) == (place.official.id, place.east_resident.id)


def test_a_code_casts_a_kiosk_ballot_in_each_part_once(budget_county, voting):
    place = budget_county
    _row, code = in_person.issue_code(voting, place.east_resident, actor=place.official)
    db.session.commit()
    _used, new = _kiosk_cast(voting, in_person.format_code(code), place)
    db.session.commit()
    assert new
    rows = db.session.scalars(select(Ballot).where(Ballot.voter_id == place.east_resident.id)).all()
    assert sorted(b.channel for b in rows) == ["kiosk", "kiosk"]
    again, new = _kiosk_cast(voting, code, place)  # the kiosk did not hear the answer: the same ballot
    assert not new
    with pytest.raises(CodeUsed):
        _kiosk_cast(voting, code, place, uuid="u-2")
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 2


@pytest.mark.parametrize("typed", ["", "1234", "abcdefgh", "１２３４５６７８", "00000000"])
def test_an_unknown_code_is_refused(budget_county, voting, typed):
    with pytest.raises(WrongCode):
        _kiosk_cast(voting, typed, budget_county)


def test_a_cancelled_code_no_longer_works_and_a_new_one_cancels_the_old(budget_county, voting):
    place = budget_county
    row, code = in_person.issue_code(voting, place.east_resident, actor=place.official)
    _second, newer = in_person.issue_code(voting, place.east_resident, actor=place.official)
    db.session.commit()
    with pytest.raises(CodeCancelled):
        _kiosk_cast(voting, code, place)
    in_person.cancel_code(_second, actor=place.official)
    db.session.commit()
    with pytest.raises(CodeCancelled):
        _kiosk_cast(voting, newer, place)
    assert row.cancelled_at is not None


def test_a_ballot_cast_before_voting_closed_counts_when_it_arrives_after(budget_county, voting):
    place = budget_county
    _row, code = in_person.issue_code(voting, place.east_resident, actor=place.official)
    db.session.commit()
    cast_at = utcnow()
    cycles.advance_phase(voting, actor=place.official)  # voting closes while the kiosk is offline
    db.session.commit()
    assert voting.voting_closed_at is not None
    _kiosk_cast(voting, code, place, at=cast_at)
    db.session.commit()
    east, _wide = _parts(voting, place)
    assert queries.totals(east) == {_first(east)[0]: 1}


def test_a_ballot_cast_after_voting_closed_is_refused(budget_county, voting):
    place = budget_county
    _row, code = in_person.issue_code(voting, place.east_resident, actor=place.official)
    cycles.advance_phase(voting, actor=place.official)
    db.session.commit()
    with pytest.raises(CodeExpired):
        _kiosk_cast(voting, code, place, at=utcnow() + timedelta(minutes=1))
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_only_officials_of_the_cycle_or_the_village_give_codes(budget_county, voting, make_user, make_region):
    place = budget_county
    west_official = make_user("official", region=place.west)
    with pytest.raises(NotVoterHere):
        in_person.issue_code(voting, place.east_resident, actor=west_official)
    with pytest.raises(NotVoterHere):
        in_person.issue_code(voting, place.east_resident, actor=place.west_resident)
    east_official = make_user("official", region=place.east_village)
    assert in_person.issue_code(voting, place.east_resident, actor=east_official)[0].id


def test_a_paper_ballot_is_refused_when_the_resident_voted_on_the_web(budget_county, voting):
    place = budget_county
    east, _wide = _parts(voting, place)
    ballots.cast_ballot(east, actor=place.east_resident, project_ids=_first(east))
    db.session.commit()
    with pytest.raises(AlreadyVoted) as refused:
        in_person.cast_paper(east, place.east_resident, actor=place.official, project_ids=[])
    assert place.east_resident.display_name in str(refused.value) and "on the web" in str(refused.value)


def test_a_paper_ballot_is_final_and_refuses_a_second_by_any_route(budget_county, voting):
    place = budget_county
    east, _wide = _parts(voting, place)
    in_person.cast_paper(east, place.east_resident, actor=place.official, project_ids=_first(east))
    db.session.commit()
    with pytest.raises(CastOnPaper):
        ballots.cast_ballot(east, actor=place.east_resident, project_ids=[])
    db.session.rollback()
    with pytest.raises(AlreadyVoted, match="on paper"):
        in_person.cast_paper(east, place.east_resident, actor=place.official, project_ids=[])
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "budget.paper"))
    assert entry.after == {"part_id": east.id}  # who and where, never what
    assert queries.own_choices(place.east_resident, east) == set(_first(east))
    assert db.session.scalar(select(func.count()).select_from(BallotCode)) == 0


def test_a_kiosk_ballot_leaves_a_part_voted_on_paper_as_it_is(budget_county, voting):
    place = budget_county
    east, wide = _parts(voting, place)
    in_person.cast_paper(east, place.east_resident, actor=place.official, project_ids=[])
    _row, code = in_person.issue_code(voting, place.east_resident, actor=place.official)
    db.session.commit()
    _kiosk_cast(voting, code, place)
    db.session.commit()
    assert queries.own_choices(place.east_resident, east) == set()  # the paper ballot stands
    assert queries.own_choices(place.east_resident, wide) == set(_first(wide))
