"""Changing a budget cycle after it opened: its settings while nobody has voted yet, and cancelling it before it
finishes. Both are officials' steps, audited with what was before and after."""

from datetime import date

from accounts.users import User
from budgeting.cycle_errors import BadPartAmount, CancelReasonNeeded, CannotCancel, NotEditable, NotManager
from budgeting.cycles import checked_settings, may_manage
from budgeting.models import EDITABLE, PHASES, BudgetCycle, BudgetPart, Phase
from core.audit import audited
from core.db import db, utcnow

#: What an edit may change, as the audit log records it.
SETTINGS = ("title", "total_minor", "ballot_style", "max_choices", "collecting_until", "reviewing_until",
            "voting_until", "amounts")


def edit_cycle(cycle: BudgetCycle, *, actor: User, title: str, collecting_until: date, reviewing_until: date,
               voting_until: date, ballot_style: str, max_choices: int | None,
               amounts: dict[BudgetPart, int]) -> BudgetCycle:
    """Change a cycle's name, dates, ballot style and the amounts of its parts while projects are collected or
    reviewed; once voting has begun the ballot people saw must stay the ballot that is counted."""
    if not may_manage(actor, cycle.region):
        raise NotManager()
    if cycle.phase not in EDITABLE:
        raise NotEditable()
    title, max_choices = checked_settings(title, collecting_until, reviewing_until, voting_until, ballot_style,
                                          max_choices)
    for part in cycle.parts:
        if amounts.get(part, 0) <= 0:
            raise BadPartAmount(field=f"part_{part.id}")
    with audited(actor, "budget.edit", cycle, SETTINGS):
        cycle.title, cycle.ballot_style, cycle.max_choices = title, ballot_style, max_choices
        cycle.collecting_until, cycle.reviewing_until, cycle.voting_until = (collecting_until, reviewing_until,
                                                                             voting_until)
        for part in cycle.parts:
            part.amount_minor = amounts[part]
        cycle.total_minor = sum(part.amount_minor for part in cycle.parts)
    db.session.flush()
    return cycle


def cancel_cycle(cycle: BudgetCycle, *, actor: User, reason: str) -> BudgetCycle:
    """Stop a cycle at any phase before its votes are counted, with a reason residents read; ballots cast are kept
    (the record of who took part) and never counted. Once counting has begun the count decides, not a cancel."""
    if not may_manage(actor, cycle.region):
        raise NotManager()
    if cycle.phase not in PHASES[:-2]:
        raise CannotCancel()
    reason = (reason or "").strip()
    if not reason:
        raise CancelReasonNeeded()
    with audited(actor, "budget.cancel", cycle, ("phase", "cancelled_at", "cancel_reason")):
        cycle.phase, cycle.cancelled_at, cycle.cancel_reason = Phase.CANCELLED, utcnow(), reason
    db.session.flush()
    return cycle
