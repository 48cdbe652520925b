"""Running a budget cycle: opening it, moving its phases, entering and reviewing projects. Every official step
is written to the audit log."""

from datetime import date

from sqlalchemy import select

from accounts.permissions import oversees
from accounts.regions import Region, region_tree
from accounts.users import Role, User
from budgeting.cycle_errors import (
    BadCycle,
    ImportedCycle,
    NotManager,
    NotVerified,
    OutsideArea,
    ReasonNeeded,
    WrongPhase,
)
from budgeting.models import PHASES, BallotStyle, BudgetCycle, BudgetPart, BudgetProject, Phase, ProjectStatus
from core.audit import AuditEntry, audited
from core.db import db
from proposals.models import Proposal, ProposalStatus


def may_manage(user: User | None, cycle_region: Region | None) -> bool:
    """Admins, and officials whose jurisdiction covers the cycle's region, run cycles there."""
    return bool(user is not None and user.is_authenticated and user.role in (Role.ADMIN, Role.OFFICIAL)
                and oversees(user, cycle_region))


def _check_manager(actor, region) -> None:
    if not may_manage(actor, region):
        raise NotManager()


def _check_writable(cycle: BudgetCycle) -> None:
    """A cycle loaded from a published file is a record: nothing in it changes."""
    if cycle.imported:
        raise ImportedCycle()


def open_cycle(region: Region, *, actor: User, title: str, total_minor: int, collecting_until: date,
               reviewing_until: date, voting_until: date, ballot_style: str = BallotStyle.SPENDING_LIMIT,
               max_choices: int | None = None, parts: dict[Region, int] | None = None) -> BudgetCycle:
    """Open a cycle for ``region`` with ``total_minor``; ``parts`` gives amounts for areas inside it, and what is
    left of the total becomes the region-wide part."""
    _check_manager(actor, region)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise BadCycle(field="title")
    if total_minor <= 0:
        raise BadCycle(field="total")
    if not collecting_until <= reviewing_until <= voting_until:
        raise BadCycle(field="voting_until")
    if ballot_style not in tuple(BallotStyle):
        raise BadCycle(field="ballot_style")
    if ballot_style == BallotStyle.SPENDING_LIMIT:
        max_choices = None
    elif not max_choices or max_choices < 1:
        raise BadCycle(field="max_choices")
    parts = dict(parts or {})
    tree = region_tree()
    for area, amount in parts.items():
        if area.id == region.id or not tree.contains(region.id, area.id) or amount <= 0:
            raise BadCycle(field="parts")
    wide = total_minor - sum(parts.values())
    if wide < 0:
        raise BadCycle(field="parts")
    cycle = BudgetCycle(region=region, title=title, total_minor=total_minor, phase=Phase.COLLECTING,
                        ballot_style=ballot_style, max_choices=max_choices, collecting_until=collecting_until,
                        reviewing_until=reviewing_until, voting_until=voting_until, opened_by_id=actor.id)
    if wide:
        cycle.parts.append(BudgetPart(region=region, amount_minor=wide))
    for area, amount in sorted(parts.items(), key=lambda item: item[0].code):
        cycle.parts.append(BudgetPart(region=area, amount_minor=amount))
    db.session.add(cycle)
    db.session.flush()
    db.session.add(AuditEntry(actor_id=actor.id, action="budget.open", subject_type="budget_cycle",
                              subject_id=cycle.id, before={},
                              after={"title": title, "total_minor": total_minor, "ballot_style": ballot_style,
                                     "parts": {str(p.region_id): p.amount_minor for p in cycle.parts}}))
    return cycle


def advance_phase(cycle: BudgetCycle, *, actor: User) -> BudgetCycle:
    """Move the cycle to its next phase (closing voting is the step into counting)."""
    _check_manager(actor, cycle.region)
    _check_writable(cycle)
    index = PHASES.index(Phase(cycle.phase))
    if index + 1 >= len(PHASES):
        raise WrongPhase()
    with audited(actor, "budget.phase", cycle, ("phase",)):
        cycle.phase = PHASES[index + 1]
    db.session.flush()
    return cycle


def part_for(cycle: BudgetCycle, region_id: int | None) -> BudgetPart | None:
    """The most local part whose area contains ``region_id``."""
    tree = region_tree()
    covering = [p for p in cycle.parts if tree.contains(p.region_id, region_id)]
    return max(covering, key=lambda p: len(tree.path(p.region_id)), default=None)


def enter_proposal(cycle: BudgetCycle, proposal: Proposal, *, actor: User, cost_minor: int) -> BudgetProject:
    """An official enters a qualified proposal of the area, with its cost, while projects are collected."""
    _check_manager(actor, cycle.region)
    _check_writable(cycle)
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
    _check_writable(cycle)
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
    _check_writable(cycle)
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
