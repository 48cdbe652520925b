"""Ballots: one per resident and part, changed until voting closes, within the cycle's limits."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from budgeting import ballots, cycles, queries
from budgeting.counting import count
from budgeting.cycle_errors import NotVerified, OutsideArea, OverLimit, TooManyChoices, VotingClosed
from budgeting.models import Ballot
from core.db import db


def _part(cycle, region):
    return cycles.part_for(cycle, region.id)


def _ids(part):
    return [p.id for p in ballots.ballot_projects(part)]


def test_a_whole_cycle_from_opening_to_voting_closed(budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000, 2_500_000], "county": [3_000_000, 2_000_000]})
    east, wide = _part(cycle, place.east), cycles.part_for(cycle, place.county.id)
    assert [p.id for p in queries.parts_of(place.east_resident, cycle)] == sorted([east.id, wide.id])
    ballots.cast_ballot(east, actor=place.east_resident, project_ids=_ids(east)[:1])
    ballots.cast_ballot(wide, actor=place.east_resident, project_ids=_ids(wide))
    ballots.cast_ballot(wide, actor=place.west_resident, project_ids=_ids(wide)[:1])
    db.session.commit()
    assert queries.totals(wide) is None  # nobody sees totals while voting runs
    cycles.advance_phase(cycle, actor=place.official)
    db.session.commit()
    assert queries.totals(wide) == {_ids(wide)[0]: 2, _ids(wide)[1]: 1}
    with pytest.raises(VotingClosed):
        ballots.cast_ballot(east, actor=place.east_resident, project_ids=[])
    result = count(ballots.election_of(wide), "greedy")
    assert result.winners == (str(_ids(wide)[0]), str(_ids(wide)[1]))


def test_changing_a_ballot_replaces_it(budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000, 1_500_000]})
    east = _part(cycle, place.east)
    first, second = _ids(east)
    ballots.cast_ballot(east, actor=place.east_resident, project_ids=[first])
    db.session.commit()
    ballots.cast_ballot(east, actor=place.east_resident, project_ids=[first, second])
    db.session.commit()
    assert queries.own_choices(place.east_resident, east) == {first, second}
    ballots.cast_ballot(east, actor=place.east_resident, project_ids=[second])
    db.session.commit()
    assert queries.own_choices(place.east_resident, east) == {second}
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_a_ballot_over_the_limit_is_refused_and_the_old_one_kept(budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [2_000_000, 1_500_000]})
    east = _part(cycle, place.east)
    ballots.cast_ballot(east, actor=place.east_resident, project_ids=_ids(east)[:1])
    db.session.commit()
    with pytest.raises(OverLimit) as refused:
        ballots.cast_ballot(east, actor=place.east_resident, project_ids=_ids(east))
    assert "cost more than this part's budget" in str(refused.value.message)
    db.session.rollback()
    assert queries.own_choices(place.east_resident, east) == set(_ids(east)[:1])
    assert ballots.tally(east, _ids(east)).left_minor == 3_000_000 - 3_500_000


def test_more_than_k_projects_is_refused(budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [100, 200, 300]}, ballot_style="both", max_choices=2)
    east = _part(cycle, place.east)
    with pytest.raises(TooManyChoices):
        ballots.cast_ballot(east, actor=place.east_resident, project_ids=_ids(east))
    assert ballots.cast_ballot(east, actor=place.east_resident, project_ids=_ids(east)[:2])


def test_voting_outside_ones_area_is_refused(budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [100]})
    with pytest.raises(OutsideArea):
        ballots.cast_ballot(_part(cycle, place.east), actor=place.west_resident, project_ids=[])


def test_only_verified_residents_vote(budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [100]})
    for person in (place.unverified, place.official, place.admin):
        with pytest.raises(NotVerified):
            ballots.cast_ballot(_part(cycle, place.east), actor=person, project_ids=[])


def test_voting_is_not_open_before_the_voting_phase(budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("reviewing")
    with pytest.raises(VotingClosed):
        ballots.cast_ballot(_part(cycle, place.east), actor=place.east_resident, project_ids=[])


def test_the_database_keeps_one_ballot_per_resident_and_part(budget_county, make_cycle):
    place = budget_county
    east = _part(make_cycle("voting"), place.east)
    ballots.cast_ballot(east, actor=place.east_resident, project_ids=[])
    db.session.commit()
    db.session.add(Ballot(part_id=east.id, voter_id=place.east_resident.id, channel="paper"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_casting_twice_at_the_same_moment_makes_one_ballot(app, budget_county, make_cycle):
    from accounts.users import User
    from budgeting.models import BudgetPart
    from tests.helpers import at_once

    place = budget_county
    cycle = make_cycle("voting", projects={"east": [100, 200]})
    part_id, voter_id = _part(cycle, place.east).id, place.east_resident.id
    choices = [[p.id] for p in ballots.ballot_projects(_part(cycle, place.east))]
    db.session.remove()

    def cast(project_ids):
        ballot = ballots.cast_ballot(db.session.get(BudgetPart, part_id), actor=db.session.get(User, voter_id),
                                     project_ids=project_ids)
        db.session.commit()
        return ballot.id

    outcomes = at_once(app, cast, choices)
    assert [type(o) for o in outcomes] == [int, int] and outcomes[0] == outcomes[1], outcomes
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    assert len(queries.own_choices(place.east_resident, db.session.get(BudgetPart, part_id))) == 1
