"""Editing a cycle before voting, cancelling it before it finishes, and the audit log of both."""

from datetime import date

import pytest
from sqlalchemy import select

from budgeting import ballots, cycles, queries
from budgeting.cycle_errors import (
    BadPartAmount,
    CancelReasonNeeded,
    CannotCancel,
    ChoicesNeeded,
    DatesOutOfOrder,
    NotEditable,
    NotManager,
    VotingClosed,
    WrongPhase,
)
from budgeting.editing import cancel_cycle, edit_cycle
from budgeting.models import Ballot, Phase
from core.audit import AuditEntry
from core.db import db


def _settings(cycle, **changes):
    return {"title": cycle.title, "collecting_until": cycle.collecting_until,
            "reviewing_until": cycle.reviewing_until, "voting_until": cycle.voting_until,
            "ballot_style": cycle.ballot_style, "max_choices": cycle.max_choices,
            "amounts": {p: p.amount_minor for p in cycle.parts}} | changes


@pytest.mark.parametrize("phase", ["collecting", "reviewing"])
def test_an_official_edits_a_cycle_before_voting_and_the_log_keeps_before_and_after(budget_county, make_cycle,
                                                                                    phase):
    place, cycle = budget_county, make_cycle(phase)
    east = next(p for p in cycle.parts if p.region_id == place.east.id)
    amounts = {p: p.amount_minor for p in cycle.parts} | {east: 4_000_000}
    edit_cycle(cycle, actor=place.official, **_settings(cycle, title="2027 budget, revised",
                                                        voting_until=date(2027, 6, 1), ballot_style="both",
                                                        max_choices=3, amounts=amounts))
    db.session.commit()
    assert (cycle.title, cycle.voting_until, cycle.max_choices) == ("2027 budget, revised", date(2027, 6, 1), 3)
    assert cycle.total_minor == 11_000_000
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "budget.edit"))
    assert entry.actor_id == place.official.id
    assert entry.before["voting_until"] == "2027-05-01" and entry.after["voting_until"] == "2027-06-01"
    assert entry.before["amounts"][str(place.east.id)] == 3_000_000
    assert entry.after["amounts"][str(place.east.id)] == 4_000_000
    assert entry.after["total_minor"] == 11_000_000 and "reviewing_until" not in entry.after


@pytest.mark.parametrize("phase", ["voting", "counting", "finished"])
def test_once_voting_has_begun_the_settings_stay(budget_county, make_cycle, phase):
    place, cycle = budget_county, make_cycle(phase)
    with pytest.raises(NotEditable) as refused:
        edit_cycle(cycle, actor=place.admin, **_settings(cycle, title="Changed"))
    assert "Voting has begun" in str(refused.value)


@pytest.mark.parametrize("change, error", [
    ({"voting_until": date(2027, 1, 1)}, DatesOutOfOrder), ({"ballot_style": "up_to_k"}, ChoicesNeeded),
    ({"amounts": {}}, BadPartAmount)])
def test_an_edit_that_does_not_add_up_is_refused_and_changes_nothing(budget_county, make_cycle, change, error):
    place, cycle = budget_county, make_cycle()
    with pytest.raises(error):
        edit_cycle(cycle, actor=place.admin, **_settings(cycle, title="Changed", **change))
    db.session.rollback()
    assert db.session.get(type(cycle), cycle.id).title == "2027 county budget"


def test_only_who_runs_the_cycle_may_edit_or_cancel_it(budget_county, make_cycle, make_user, make_region):
    place, cycle = budget_county, make_cycle()
    for stranger in (make_user("official", region=make_region("county")), place.east_resident):
        with pytest.raises(NotManager):
            edit_cycle(cycle, actor=stranger, **_settings(cycle))
        with pytest.raises(NotManager):
            cancel_cycle(cycle, actor=stranger, reason="No")


def test_a_cancelled_cycle_keeps_its_ballots_but_takes_no_more_and_never_counts(budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000]})
    part = cycles.part_for(cycle, place.east_village.id)
    ballots.cast_ballot(part, actor=place.east_resident, project_ids=[ballots.ballot_projects(part)[0].id])
    cancel_cycle(cycle, actor=place.official, reason="  The county's budget was cut.  ")
    db.session.commit()
    assert cycle.phase == Phase.CANCELLED and cycle.cancel_reason == "The county's budget was cut."
    assert db.session.scalar(select(Ballot.id).where(Ballot.part_id == part.id))  # kept
    assert queries.totals(part) is None  # never public: never counted
    with pytest.raises(VotingClosed):
        ballots.cast_ballot(part, actor=place.west_resident, project_ids=[])
    with pytest.raises(WrongPhase):
        cycles.advance_phase(cycle, actor=place.admin)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "budget.cancel"))
    assert entry.before["phase"] == "voting" and entry.after["phase"] == "cancelled"
    assert entry.after["cancel_reason"] == "The county's budget was cut."


def test_a_cycle_is_cancelled_only_with_a_reason_and_only_once(budget_county, make_cycle):
    place, cycle = budget_county, make_cycle("reviewing")
    with pytest.raises(CancelReasonNeeded):
        cancel_cycle(cycle, actor=place.admin, reason="   ")
    cancel_cycle(cycle, actor=place.admin, reason="Merged into next year's")
    with pytest.raises(CannotCancel):
        cancel_cycle(cycle, actor=place.admin, reason="Again")
    with pytest.raises(NotEditable):
        edit_cycle(cycle, actor=place.admin, **_settings(cycle))


@pytest.mark.parametrize("phase", ["counting", "finished"])
def test_a_cycle_being_counted_or_finished_cannot_be_cancelled(budget_county, make_cycle, phase):
    """Once voting has closed the count decides: a cancel could not stop a count already running."""
    with pytest.raises(CannotCancel):
        cancel_cycle(make_cycle(phase), actor=budget_county.admin, reason="Too late")
