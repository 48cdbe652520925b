"""Running a budget cycle: opening it, moving its phases, entering and reviewing projects. Every official step
is written to the audit log."""

from datetime import date

from sqlalchemy import select

from accounts.permissions import oversees
from accounts.regions import Region, region_tree
from accounts.users import Role, User
from budgeting.cycle_errors import (
    BadCycle,
    ChoicesNeeded,
    DatesOutOfOrder,
    ImportedCycle,
    NotManager,
    NotVerified,
    OutsideArea,
    ReasonNeeded,
    WrongPhase,
)
from budgeting.models import PHASES, BallotStyle, BudgetCycle, BudgetPart, BudgetProject, Phase, ProjectStatus, Rule
from core import jobs
from core.audit import AuditEntry, audited
from core.db import db, utcnow
from proposals.models import Proposal, ProposalStatus

#: The counting job (budgeting.results.count_cycle, run by server/worker/tasks.py); its key is the cycle's id.
COUNT_JOB = "count_budget"


def may_manage(user: User | None, cycle_region: Region | None) -> bool:
    """Admins, and officials whose jurisdiction covers the cycle's region, run cycles there."""
    return bool(user is not None and user.is_authenticated and user.role in (Role.ADMIN, Role.OFFICIAL)
                and oversees(user, cycle_region))


def _check_manager(actor, region) -> None:
    if not may_manage(actor, region):
        raise NotManager()


def check_writable(cycle: BudgetCycle) -> None:
    """A cycle loaded from a published file is a record: nothing in it changes."""
    if cycle.imported:
        raise ImportedCycle()


def checked_settings(title: str, collecting_until: date, reviewing_until: date, voting_until: date,
                     ballot_style: str, max_choices: int | None) -> tuple[str, int | None]:
    """The cycle's title and k as they are to be kept, or the refusal of the first setting that is wrong."""
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise BadCycle(field="title")
    if not collecting_until <= reviewing_until <= voting_until:
        raise DatesOutOfOrder()
    if ballot_style not in tuple(BallotStyle):
        raise BadCycle(field="ballot_style")
    if ballot_style == BallotStyle.SPENDING_LIMIT:
        return title, None
    if not max_choices or max_choices < 1:
        raise ChoicesNeeded()
    return title, max_choices


def open_cycle(region: Region, *, actor: User, title: str, total_minor: int, collecting_until: date,
               reviewing_until: date, voting_until: date, ballot_style: str = BallotStyle.SPENDING_LIMIT,
               max_choices: int | None = None, parts: dict[Region, int] | None = None,
               rule: str = Rule.EQUAL_SHARES) -> BudgetCycle:
    """Open a cycle for ``region`` with ``total_minor``; ``parts`` gives amounts for areas inside it, and what is
    left of the total becomes the region-wide part."""
    _check_manager(actor, region)
    title, max_choices = checked_settings(title, collecting_until, reviewing_until, voting_until, ballot_style,
                                          max_choices)
    if total_minor <= 0:
        raise BadCycle(field="total")
    if rule not in tuple(Rule):
        raise BadCycle(field="rule")
    parts = dict(parts or {})
    tree = region_tree()
    for area, amount in parts.items():
        if area.id == region.id or not tree.contains(region.id, area.id) or amount <= 0:
            raise BadCycle(field="parts")
    wide = total_minor - sum(parts.values())
    if wide < 0:
        raise BadCycle(field="parts")
    cycle = BudgetCycle(region=region, title=title, total_minor=total_minor, phase=Phase.COLLECTING,
                        ballot_style=ballot_style, rule=rule, max_choices=max_choices, collecting_until=collecting_until,
                        reviewing_until=reviewing_until, voting_until=voting_until, opened_by_id=actor.id)
    if wide:
        cycle.parts.append(BudgetPart(region=region, amount_minor=wide))
    for area, amount in sorted(parts.items(), key=lambda item: item[0].code):
        cycle.parts.append(BudgetPart(region=area, amount_minor=amount))
    db.session.add(cycle)
    db.session.flush()
    db.session.add(AuditEntry(actor_id=actor.id, action="budget.open", subject_type="budget_cycle",
                              subject_id=cycle.id, before={},
                              after={"title": title, "total_minor": total_minor, "ballot_style": ballot_style, "rule": rule,
                                     "parts": {str(p.region_id): p.amount_minor for p in cycle.parts}}))
    return cycle


def advance_phase(cycle: BudgetCycle, *, actor: User | None) -> BudgetCycle:
    """Move the cycle to its next phase. Closing voting is the step into counting, and queues the count; the
    count itself moves the cycle on to finished once every part is counted. ``actor`` None is the system, which
    only closes voting once its last day is over (budgeting.schedule); the other steps are officials'."""
    if actor is not None or cycle.phase != Phase.VOTING:
        _check_manager(actor, cycle.region)
    check_writable(cycle)
    if cycle.phase not in PHASES[:-2]:  # not from counting (the count's step), finished or cancelled
        raise WrongPhase()
    index = PHASES.index(Phase(cycle.phase))
    with audited(actor, "budget.phase", cycle, ("phase", "voting_closed_at")):
        if cycle.phase == Phase.VOTING:
            cycle.voting_closed_at = utcnow()
        cycle.phase = PHASES[index + 1]
    if cycle.phase == Phase.COUNTING:
        queue_count(cycle)
    db.session.flush()
    return cycle


def queue_count(cycle: BudgetCycle) -> None:
    """Ask the worker to count ``cycle`` once the current transaction commits."""
    cycle.count_error = None
    jobs.enqueue(COUNT_JOB, cycle.id)


def part_for(cycle: BudgetCycle, region_id: int | None) -> BudgetPart | None:
    """The most local part whose area contains ``region_id``."""
    tree = region_tree()
    covering = [p for p in cycle.parts if tree.contains(p.region_id, region_id)]
    return max(covering, key=lambda p: len(tree.path(p.region_id)), default=None)


def enter_proposal(cycle: BudgetCycle, proposal: Proposal, *, actor: User, cost_minor: int) -> BudgetProject:
    """An official enters a qualified proposal of the area, with its cost, while projects are collected."""
    _check_manager(actor, cycle.region)
    check_writable(cycle)
    if cycle.phase != Phase.COLLECTING:
        raise WrongPhase()
    if proposal.status != ProposalStatus.QUALIFIED:
        raise BadCycle(field="proposal")
    part = part_for(cycle, proposal.region_id)
    if part is None:
        raise BadCycle(field="proposal")
    if db.session.scalar(select(BudgetProject.id).where(BudgetProject.part_id == part.id,
                                                        BudgetProject.proposal_id == proposal.id)):
        raise BadCycle(field="proposal")
    project = _new_project(part, actor, proposal.title, proposal.body or "", cost_minor, proposal=proposal)
    db.session.add(AuditEntry(actor_id=actor.id, action="budget.enter", subject_type="budget_project",
                              subject_id=project.id, before={},
                              after={"proposal_id": proposal.id, "cost_minor": cost_minor}))
    return project


def submit_project(cycle: BudgetCycle, *, actor: User, title: str, description: str,
                   cost_minor: int) -> BudgetProject:
    """A verified resident of the area submits a costed project while projects are collected."""
    check_writable(cycle)
    if cycle.phase != Phase.COLLECTING:
        raise WrongPhase()
    if actor is None or actor.role != Role.RESIDENT or not actor.is_verified:
        raise NotVerified()
    part = part_for(cycle, actor.region_id)
    if part is None:
        raise OutsideArea()
    return _new_project(part, actor, title, description, cost_minor)


def _new_project(part, actor, title, description, cost_minor, proposal=None) -> BudgetProject:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise BadCycle(field="title")
    if cost_minor <= 0:
        raise BadCycle(field="cost")
    project = BudgetProject(part=part, proposal=proposal, submitted_by_id=actor.id, title=title,
                            description=(description or "").strip(), cost_minor=cost_minor)
    db.session.add(project)
    db.session.flush()
    return project


def review_project(project: BudgetProject, *, actor: User, feasible: bool, cost_minor: int,
                   reason: str = "") -> BudgetProject:
    """Officials judge a project while reviewing: feasible (at a cost) or rejected; a changed cost or a
    rejection needs a public reason."""
    cycle = project.part.cycle
    _check_manager(actor, cycle.region)
    check_writable(cycle)
    if cycle.phase != Phase.REVIEWING:
        raise WrongPhase()
    if cost_minor <= 0:
        raise BadCycle(field="cost")
    reason = (reason or "").strip()
    if (not feasible or cost_minor != project.cost_minor) and not reason:
        raise ReasonNeeded()
    with audited(actor, "budget.review", project, ("status", "cost_minor", "review_reason")):
        project.status = ProjectStatus.FEASIBLE if feasible else ProjectStatus.REJECTED
        project.cost_minor = cost_minor
        project.review_reason = reason or None
    db.session.flush()
    return project
