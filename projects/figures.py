"""The figures of all projects together, for the home page and the dashboard."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    func,
    select,
)

from core.db import db, local_zone
from projects.models import Expenditure, Milestone, Project, ProjectRating, ProjectStatus
from projects.permissions import today
from voting.models import Collection, Pledge


@dataclass
class Figures:
    """Every project at a glance, for the public dashboard."""

    by_status: dict
    finished_on_time: int
    finished_late: int
    running_behind: int
    budget: int          # public funds and residents' money collected
    spent: int
    average_score: float | None
    ratings: int


def figures(on: date | None = None) -> Figures:
    on = on or today()
    counts = dict(db.session.execute(select(Project.status, func.count()).group_by(Project.status)).all())
    finished = db.session.execute(select(Project.completed_at, Project.target_on).where(
        Project.status == ProjectStatus.COMPLETED)).all()
    zone = local_zone()
    on_time = sum(1 for completed, target in finished if completed.astimezone(zone).date() <= target)
    behind = db.session.scalar(select(func.count(func.distinct(Milestone.project_id))).join(Project).where(
        Project.status != ProjectStatus.COMPLETED, Milestone.done_on.is_(None), Milestone.target_on < on))

    budget = db.session.scalar(select(func.coalesce(func.sum(Project.budget_public_minor), 0)))
    collected = db.session.scalar(select(func.coalesce(func.sum(Collection.amount_minor), 0)).select_from(Collection)
                                  .join(Pledge, Collection.pledge_id == Pledge.id).where(Pledge.project_id.is_not(None)))
    spent = db.session.scalar(select(func.coalesce(func.sum(Expenditure.amount_minor), 0)))
    average, ratings = db.session.execute(select(func.avg(ProjectRating.score), func.count(ProjectRating.id))).one()
    return Figures(by_status={s: counts.get(s, 0) for s in ProjectStatus}, finished_on_time=on_time,
                   finished_late=len(finished) - on_time, running_behind=behind, budget=int(budget + collected),
                   spent=int(spent), average_score=round(float(average), 1) if average is not None else None,
                   ratings=ratings)
