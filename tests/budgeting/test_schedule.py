"""The phases on the calendar: the timeline residents read, the planned dates officials let pass, and voting
closing by itself at the end of its last day where the residents live."""

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from budgeting import cycles, schedule
from budgeting.editing import cancel_cycle
from budgeting.models import Phase
from core.audit import AuditEntry
from core.db import clock_at, db


def test_the_timeline_gives_each_phase_its_days_and_where_the_cycle_stands(make_cycle):
    steps = schedule.timeline(make_cycle("reviewing"))
    assert [s.phase for s in steps] == ["collecting", "reviewing", "voting", "counting", "finished"]
    assert [s.state for s in steps] == ["done", "now", "later", "later", "later"]
    assert (steps[1].starts, steps[1].ends) == (date(2027, 3, 2), date(2027, 4, 1))
    assert (steps[2].starts, steps[2].ends) == (date(2027, 4, 2), date(2027, 5, 1))
    assert steps[3].starts == date(2027, 5, 2) and steps[3].ends is None


def test_a_cancelled_cycle_has_no_step_going_on(budget_county, make_cycle):
    cycle = make_cycle("voting")
    cancel_cycle(cycle, actor=budget_county.admin, reason="Cut")
    assert {s.state for s in schedule.timeline(cycle)} == {"cancelled"}


def test_officials_are_told_when_a_planned_date_has_passed(make_cycle):
    cycle = make_cycle()
    assert schedule.overdue(cycle, today=date(2027, 3, 1)) is None
    assert schedule.overdue(cycle, today=date(2027, 3, 2)) == date(2027, 3, 1)



@pytest.mark.parametrize("moment, closes", [
    (datetime(2027, 5, 1, 15, 59, tzinfo=timezone.utc), False),   # 23:59 on 1 May in Beijing: the last minute
    (datetime(2027, 5, 1, 16, 0, tzinfo=timezone.utc), True),     # 00:00 on 2 May in Beijing
    (datetime(2027, 4, 30, 23, 0, tzinfo=timezone.utc), False)])
def test_voting_closes_by_itself_after_its_last_day_in_the_residents_time_zone(app, make_cycle, moment, closes):
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Shanghai"
    cycle = make_cycle("voting")  # voting until 1 May 2027
    with clock_at(moment):
        assert schedule.close_due_voting() == ([cycle.id] if closes else [])
    db.session.commit()
    assert cycle.phase == (Phase.COUNTING if closes else Phase.VOTING)


def test_the_system_closing_voting_is_in_the_audit_log_with_no_official(make_cycle):
    cycle = make_cycle("voting")
    with clock_at(datetime(2027, 5, 3, tzinfo=timezone.utc)):
        schedule.close_due_voting()
        assert schedule.close_due_voting() == []  # twice closes nothing more
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "budget.phase",
                                                       AuditEntry.subject_id == cycle.id)
                              .order_by(AuditEntry.id.desc()))
    assert entry.actor_id is None
    assert entry.after == {"phase": "counting", "voting_closed_at": "2027-05-03T00:00:00+00:00"}


def test_only_closing_voting_is_the_systems_step(make_cycle):
    with pytest.raises(cycles.NotManager):
        cycles.advance_phase(make_cycle("reviewing"), actor=None)
