"""A cycle's phases on the calendar: the planned dates of each (shown to residents as a timeline), which planned
date officials have let pass, and closing voting by itself once its last day is over. Days are the residents'
(MINYI_TIMEZONE): voting that ends on 3 May ends at midnight in the county, whatever the server's clock says."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from budgeting.cycles import advance_phase
from budgeting.models import PHASES, BudgetCycle, Phase
from core.db import db, local_zone, utcnow


@dataclass(frozen=True)
class Step:
    """One phase of a cycle on the calendar."""
    phase: Phase
    #: First and last planned day (None where the phase has no planned end: counting and the results).
    starts: date | None
    ends: date | None
    #: "done", "now" or "later"; "cancelled" for every step of a cancelled cycle.
    state: str


def local_today() -> date:
    """Today where the residents live."""
    return utcnow().astimezone(local_zone()).date()


def timeline(cycle: BudgetCycle) -> list[Step]:
    """The five phases with their planned days and where the cycle stands."""
    opened = min(cycle.created_at.astimezone(local_zone()).date(), cycle.collecting_until)
    bounds = {Phase.COLLECTING: (opened, cycle.collecting_until),
              Phase.REVIEWING: (cycle.collecting_until + timedelta(days=1), cycle.reviewing_until),
              Phase.VOTING: (cycle.reviewing_until + timedelta(days=1), cycle.voting_until),
              Phase.COUNTING: (cycle.voting_until + timedelta(days=1), None),
              Phase.FINISHED: (None, None)}
    reached = PHASES.index(Phase(cycle.phase)) if cycle.phase in PHASES else None
    steps = []
    for index, phase in enumerate(PHASES):
        if reached is None:  # cancelled: nothing is happening any more
            state = "cancelled"
        else:
            state = "done" if index < reached else "now" if index == reached else "later"
        steps.append(Step(phase, *bounds[phase], state))
    return steps


def overdue(cycle: BudgetCycle, today: date | None = None) -> date | None:
    """The planned last day of the phase officials still have to end by hand (collecting or reviewing), when it
    has passed; None otherwise."""
    planned = {Phase.COLLECTING: cycle.collecting_until, Phase.REVIEWING: cycle.reviewing_until}.get(cycle.phase)
    return planned if planned is not None and planned < (today or local_today()) else None


def voting_due() -> list[int]:
    """The cycles still voting after their last day of voting."""
    return list(db.session.scalars(select(BudgetCycle.id).where(
        BudgetCycle.phase == Phase.VOTING, BudgetCycle.voting_until < local_today()).order_by(BudgetCycle.id)))


def close_due_voting() -> list[int]:
    """Close voting in every cycle whose last day of voting is over, as the system (the audit log shows no
    official); returns the cycles closed. Running it twice closes nothing more."""
    closed = []
    for cycle_id in voting_due():
        cycle = db.session.scalar(select(BudgetCycle).where(BudgetCycle.id == cycle_id).with_for_update()
                                   .execution_options(populate_existing=True))
        if cycle.phase == Phase.VOTING:  # an official may have closed it meanwhile
            advance_phase(cycle, actor=None)
            closed.append(cycle_id)
    return closed
