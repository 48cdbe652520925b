"""Residents judge a finished project: stars and a comment, or a follow-up appeal when it did not solve the
problem."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    func,
    select,
)

from accounts.permissions import has_role
from accounts.regions import region_tree
from accounts.users import Role, User
from appeals.models import Appeal
from appeals.services import submit_appeal
from core.db import db, utcnow
from core.errors import InvalidInput, NotAllowed
from core.fields import text_field
from projects.models import Project, ProjectRating, ProjectStatus
from proposals.errors import NotOpen
from voting.models import Pledge, PledgeStatus


def may_rate(user: User | None, project: Project) -> bool:
    """Residents of the project's area and everyone who backed it, once it is finished."""

    if user is None or not getattr(user, "is_authenticated", False) or project.status != ProjectStatus.COMPLETED:
        return False
    if has_role(user, Role.RESIDENT) and user.is_verified and region_tree().contains(project.region_id, user.region_id):
        return True

    return db.session.scalar(select(Pledge.id).where(
        Pledge.project_id == project.id, Pledge.backer_id == user.id,
        Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED))).limit(1)) is not None


def rate_project(project: Project, *, actor: User, score: int, comment: str | None = None) -> ProjectRating:
    if project.status != ProjectStatus.COMPLETED:
        raise NotOpen(_l("A project can be rated when it is finished."))
    if not may_rate(actor, project):
        raise NotAllowed(_l("Residents of the project's area and its backers can rate it."))
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput(_l("Choose from 1 to 5 stars."), field="score")
    rating = db.session.scalar(select(ProjectRating).where(ProjectRating.project_id == project.id,
                                                           ProjectRating.user_id == actor.id))
    if rating is None:
        rating = ProjectRating(project_id=project.id, user_id=actor.id, score=score)
        db.session.add(rating)
    rating.score, rating.comment = score, text_field(comment, "comment", 2000, required=False, multiline=True)
    rating.created_at = utcnow()
    db.session.flush()
    return rating


def rating_of(project: Project) -> tuple[float | None, int]:
    """(average stars, how many rated)."""
    average, count = db.session.execute(select(func.avg(ProjectRating.score), func.count()).where(
        ProjectRating.project_id == project.id)).one()
    return (round(float(average), 1) if average is not None else None), count


def report_not_done(project: Project, *, actor: User, body: str) -> Appeal:
    """A resident says the finished project did not solve the problem: a follow-up appeal to the responsible
    department, linked to the project (and counted like any appeal)."""

    if project.status != ProjectStatus.COMPLETED:
        raise NotOpen(_l("The project is not finished yet; its officials still answer for it."))
    if not may_rate(actor, project) or not has_role(actor, Role.RESIDENT):
        raise NotAllowed(_l("Residents of the project's area and its backers can report it."))
    source = project.sources[0]
    category = source.proposal.category if source.proposal_id else source.appeal.category
    appeal = submit_appeal(actor=actor, body=body, category=category, village=actor.region,
                           department=project.department)
    appeal.follow_up_project_id = project.id
    db.session.flush()
    return appeal
