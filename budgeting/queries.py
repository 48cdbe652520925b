"""Who may read what of budget cycles: cycles and projects are public; a ballot is read by its voter only, and
totals are public once voting has closed. No query returns who voted for what."""

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from accounts.regions import region_tree
from accounts.users import User
from budgeting.ballots import ballot_projects
from budgeting.models import (
    Ballot,
    BallotChoice,
    BudgetCycle,
    BudgetPart,
    BudgetProject,
    BudgetResult,
    Phase,
    WinnerProject,
)
from core.db import db, utcnow
from projects.models import Project, ProjectStatus
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


def parts_with_areas(cycle: BudgetCycle) -> list[BudgetPart]:
    """The cycle's parts with their areas, in one query (a page lists them all)."""
    return list(db.session.scalars(select(BudgetPart).where(BudgetPart.cycle_id == cycle.id)
                                   .options(joinedload(BudgetPart.region)).order_by(BudgetPart.id)))


def projects_by_part(cycle: BudgetCycle) -> dict[int, list[BudgetProject]]:
    """``projects_of`` for every part of ``cycle`` at once: part id → its projects."""
    found: dict[int, list[BudgetProject]] = {part.id: [] for part in cycle.parts}
    for project in db.session.scalars(select(BudgetProject).join(BudgetPart).where(BudgetPart.cycle_id == cycle.id)
                                      .order_by(BudgetProject.id)):
        found[project.part_id].append(project)
    return found


def totals_by_part(cycle: BudgetCycle) -> dict[int, dict[int, int] | None]:
    """``totals`` for every part of ``cycle`` at once, in one query: part id → votes per project, or None."""
    if cycle.phase not in TOTALS_PUBLIC:
        return {part.id: None for part in cycle.parts}
    found: dict[int, dict[int, int] | None] = {part.id: {} for part in cycle.parts}
    # Counted from the choices by their project (indexed), which names the part: the ballots themselves are not
    # read, so 100,000 of them cost one pass over the index of their choices.
    for part_id, project_id, votes in db.session.execute(
            select(BudgetProject.part_id, BallotChoice.project_id, func.count())
            .join(BudgetProject, BudgetProject.id == BallotChoice.project_id)
            .join(BudgetPart, BudgetPart.id == BudgetProject.part_id).where(BudgetPart.cycle_id == cycle.id)
            .group_by(BudgetProject.part_id, BallotChoice.project_id)):
        found[part_id][project_id] = votes
    return found


def own_ballot(user: User | None, part: BudgetPart) -> Ballot | None:
    """``user``'s own ballot in ``part`` (with how and when it was cast), or None."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(Ballot).where(Ballot.part_id == part.id, Ballot.voter_id == user.id))


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


def count_progress(cycle: BudgetCycle) -> tuple[int, int, datetime | None]:
    """(parts counted, parts, when counting begins if it waits still for kiosks' late ballots) of a cycle while
    its votes are counted."""
    counted = db.session.scalar(select(func.count()).select_from(BudgetResult).join(BudgetPart)
                                .where(BudgetPart.cycle_id == cycle.id))
    begins = cycle.late_ballots_until
    return counted, len(cycle.parts), begins if begins is not None and begins > utcnow() and not counted else None


def results_of(cycle: BudgetCycle) -> dict[int, BudgetResult]:
    """Each part's counted result by part id: public once every part is counted (the cycle is finished)."""
    if cycle.phase != Phase.FINISHED:
        return {}
    return {r.part_id: r for r in db.session.scalars(select(BudgetResult).join(BudgetPart)
                                                      .where(BudgetPart.cycle_id == cycle.id))}


def counted_projects(cycle: BudgetCycle) -> dict[int, list[BudgetProject]]:
    """The projects of each part of a counted cycle, by part id, with the projects winners became and their
    milestones (for their progress) loaded in the same few queries."""
    found: dict[int, list[BudgetProject]] = {p.id: [] for p in cycle.parts}
    for project in db.session.scalars(select(BudgetProject).join(BudgetPart).where(BudgetPart.cycle_id == cycle.id)
                                      .options(selectinload(BudgetProject.project).selectinload(Project.milestones))
                                      .order_by(BudgetProject.id)):
        found[project.part_id].append(project)
    return found


def budget_origin(project: Project) -> BudgetProject | None:
    """The winning budget project ``project`` was made of, if residents chose it in a cycle."""
    return db.session.scalar(select(BudgetProject).join(WinnerProject).where(WinnerProject.project_id == project.id))


def delivered() -> list[tuple[BudgetCycle, int, int, int]]:
    """For each cycle whose winners became projects, newest first: (cycle, projects started, projects finished,
    their public budget in minor units)."""
    finished = func.sum(case((Project.status == ProjectStatus.COMPLETED, 1), else_=0))
    rows = db.session.execute(
        select(BudgetPart.cycle_id, func.count(Project.id), finished, func.sum(Project.budget_public_minor))
        .select_from(WinnerProject).join(BudgetProject).join(BudgetPart)
        .join(Project, Project.id == WinnerProject.project_id)
        .group_by(BudgetPart.cycle_id)).all()
    found = {cycle.id: cycle for cycle in db.session.scalars(
        select(BudgetCycle).where(BudgetCycle.id.in_([row[0] for row in rows])))}
    return sorted(((found[c], int(n), int(done or 0), int(money or 0)) for c, n, done, money in rows),
                  key=lambda row: (row[0].created_at, row[0].id), reverse=True)


def ballots_at(region_id: int) -> list[tuple[BudgetCycle, list[tuple[BudgetPart, list[BudgetProject]]]]]:
    """The ballots a kiosk in ``region_id`` offers: each cycle in voting with its parts covering the place, and
    their projects in ballot order (the same the web ballot shows)."""
    tree = region_tree()
    found = []
    for cycle in db.session.scalars(select(BudgetCycle).where(BudgetCycle.phase == Phase.VOTING)
                                    .order_by(BudgetCycle.id)):
        parts = [p for p in cycle.parts if tree.contains(p.region_id, region_id)]
        if parts:
            found.append((cycle, [(p, ballot_projects(p)) for p in parts]))
    return found
