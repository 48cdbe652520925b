"""Who may read what of budget cycles: cycles and projects are public; a ballot is read by its voter only, and
totals are public once voting has closed. No query returns who voted for what."""

from sqlalchemy import func, select

from accounts.regions import region_tree
from accounts.users import User
from budgeting.models import Ballot, BallotChoice, BudgetCycle, BudgetPart, BudgetProject, Phase
from core.db import db
from proposals.models import Proposal, ProposalStatus

#: Phases in which the totals of votes are public.
TOTALS_PUBLIC = (Phase.COUNTING, Phase.FINISHED)


def cycles():
    """Every cycle, newest first (cycles are public from the day they open)."""
    return db.session.scalars(select(BudgetCycle).order_by(BudgetCycle.created_at.desc(), BudgetCycle.id.desc()))


def public_cycles(*, region_id: int | None = None, phase: str | None = None):
    """The query of every cycle (public from the day it opens), of ``region_id`` and the places inside it, in
    ``phase``; the caller orders it."""
    query = select(BudgetCycle)
    if region_id is not None:
        query = query.where(BudgetCycle.region_id.in_(region_tree().subtree(region_id)))
    if phase is not None:
        query = query.where(BudgetCycle.phase == phase)
    return query


def parts_of(user: User | None, cycle: BudgetCycle) -> list[BudgetPart]:
    """The parts of ``cycle`` whose area contains where ``user`` lives (the region-wide part and their own)."""
    if user is None or not user.is_authenticated or user.region_id is None:
        return []
    tree = region_tree()
    return [p for p in cycle.parts if tree.contains(p.region_id, user.region_id)]


def projects_of(part: BudgetPart) -> list[BudgetProject]:
    """All the part's projects with their review (public: reasons for changes and rejections included)."""
    return list(db.session.scalars(select(BudgetProject).where(BudgetProject.part_id == part.id)
                                   .order_by(BudgetProject.id)))


def own_choices(user: User | None, part: BudgetPart) -> set[int] | None:
    """The projects ``user``'s own ballot in ``part`` approves, or None when they have none."""
    if user is None or not user.is_authenticated:
        return None
    ballot = db.session.scalar(select(Ballot).where(Ballot.part_id == part.id, Ballot.voter_id == user.id))
    return None if ballot is None else {c.project_id for c in ballot.choices}


def totals(part: BudgetPart) -> dict[int, int] | None:
    """Votes per project of ``part`` once voting has closed; None before (nobody sees them while voting runs)."""
    if part.cycle.phase not in TOTALS_PUBLIC:
        return None
    return dict(db.session.execute(
        select(BallotChoice.project_id, func.count()).join(Ballot).where(Ballot.part_id == part.id)
        .group_by(BallotChoice.project_id)).all())


def enterable_proposals(cycle: BudgetCycle) -> list[Proposal]:
    """Qualified, visible proposals of the cycle's region that are not yet projects of the cycle."""
    entered = select(BudgetProject.proposal_id).join(BudgetPart).where(BudgetPart.cycle_id == cycle.id,
                                                                       BudgetProject.proposal_id.is_not(None))
    return list(db.session.scalars(select(Proposal).where(
        Proposal.status == ProposalStatus.QUALIFIED, Proposal.hidden_at.is_(None),
        Proposal.region_id.in_(region_tree().subtree(cycle.region_id)), Proposal.id.not_in(entered))
        .order_by(Proposal.supports_count.desc(), Proposal.id).limit(200)))
