"""Counting a cycle once voting has closed: a job (`count_cycle`, run by `minyi worker` or `minyi tick`) counts
each part by the cycle's rule and by greedy counting beside it, keeps each part's result as it goes (so the
cycle's page shows how many parts are counted), and moves the cycle to finished when every part is counted.

Counting is deterministic (budgeting.counting breaks ties the same way every time), so an official's recount
gives the same results. A count that fails keeps what it said on the cycle for officials to see."""

from fractions import Fraction

from sqlalchemy import delete, select

from accounts.users import User
from budgeting.ballots import election_of
from budgeting.counting import Result, count
from budgeting.cycle_errors import NotManager, WrongPhase
from budgeting.cycles import check_writable, may_manage, queue_count
from budgeting.models import BudgetCycle, BudgetPart, BudgetResult, Phase
from core.audit import AuditEntry, audited
from core.db import db, utcnow

#: One unit of the currency in the amounts counted (fen): Add1 raises each voter's share one yuan at a time.
YUAN = 100


def as_plain(result: Result) -> dict:
    """A counted result as JSON: exact amounts that are not whole fen as "n/d" text, projects by id."""
    projects = {}
    for p in result.projects:
        facts = {"cost": _plain(p.cost), "votes": p.votes, "won": p.won, "outcome": str(p.outcome)}
        for name in ("round", "price_per_voter", "supporters_money", "money_left"):
            if getattr(p, name) is not None:
                facts[name] = _plain(getattr(p, name))
        projects[p.id] = facts
    return {"rule": result.rule, "budget": _plain(result.budget), "voters": result.voters,
            "winners": list(result.winners), "spent": _plain(result.spent),
            "endowment": _plain(result.endowment) if result.endowment is not None else None,
            "raises": result.raises, "projects": projects,
            "ties": [{"round": t.round, "projects": list(t.projects), "chosen": t.chosen, "decided_by": t.decided_by}
                     for t in result.ties]}


def _plain(amount):
    amount = Fraction(amount)
    return int(amount) if amount.denominator == 1 else str(amount)


def amount_of(value) -> Fraction:
    """An amount stored by `as_plain`, exact again."""
    return Fraction(value)


def count_part(part: BudgetPart) -> BudgetResult:
    """Count one part by its cycle's rule and greedily, replacing any earlier result of it."""
    election = election_of(part)
    rule = part.cycle.rule
    outcome = count(election, rule, increment=YUAN)
    greedy = outcome if rule == "greedy" else count(election, "greedy")
    db.session.execute(delete(BudgetResult).where(BudgetResult.part_id == part.id))
    result = BudgetResult(part=part, rule=rule, outcome=as_plain(outcome), greedy=as_plain(greedy),
                          counted_at=utcnow())
    db.session.add(result)
    db.session.flush()
    return result


def count_cycle(cycle_id: int) -> str:
    """The job: count every part of a counting cycle not counted yet, committing each, then finish the cycle.
    A failure is kept on the cycle for officials and raised again, so the job is tried again later."""
    cycle = db.session.get(BudgetCycle, cycle_id)
    if cycle is None or cycle.phase != Phase.COUNTING:
        return f"budget cycle {cycle_id}: nothing to count"
    if not counting_may_begin(cycle):  # the sweep asks again once the kiosks' late ballots are in
        return f"budget cycle {cycle_id}: waiting for kiosk ballots until {cycle.late_ballots_until.isoformat()}"
    counted = set(db.session.scalars(select(BudgetResult.part_id).join(BudgetPart)
                                     .where(BudgetPart.cycle_id == cycle.id)))
    for part in cycle.parts:
        if part.id in counted:
            continue
        try:
            count_part(part)
            cycle.count_error = None
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            cycle = db.session.get(BudgetCycle, cycle_id)
            cycle.count_error = f"{type(error).__name__}: {error}"[:2000]
            db.session.commit()
            raise
    with audited(None, "budget.counted", cycle, ("phase",)):
        cycle.phase = Phase.FINISHED
    db.session.commit()
    return f"budget cycle {cycle_id}: {len(cycle.parts)} part(s) counted"


def recount(cycle: BudgetCycle, *, actor: User) -> BudgetCycle:
    """An official counts a counted (or failed) cycle again: its results are set aside and the job counts every
    part afresh; the cycle shows its progress until it is finished again."""
    if not may_manage(actor, cycle.region):
        raise NotManager()
    check_writable(cycle)
    if cycle.phase not in (Phase.COUNTING, Phase.FINISHED):
        raise WrongPhase()
    db.session.execute(delete(BudgetResult).where(BudgetResult.part_id.in_([p.id for p in cycle.parts])))
    db.session.add(AuditEntry(actor_id=actor.id, action="budget.recount", subject_type="budget_cycle",
                              subject_id=cycle.id, before={"phase": cycle.phase}, after={"phase": Phase.COUNTING}))
    cycle.phase = Phase.COUNTING
    queue_count(cycle)
    db.session.flush()
    return cycle


def counting_may_begin(cycle: BudgetCycle) -> bool:
    """Counting waits until ballots kiosks took before voting closed can no longer arrive (a recount does not:
    its ballots are all in)."""
    return cycle.voting_closed_at is None or utcnow() >= cycle.late_ballots_until


def counting_cycles() -> list[int]:
    """The cycles waiting to be counted whose late ballots are in (for the worker's sweep)."""
    return [cycle.id for cycle in db.session.scalars(select(BudgetCycle).where(BudgetCycle.phase == Phase.COUNTING)
                                                     .order_by(BudgetCycle.id)) if counting_may_begin(cycle)]
