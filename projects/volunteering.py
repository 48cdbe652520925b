"""Volunteer tasks of a project (residents sign up for shifts), and confirming what pledgers delivered."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import selectinload

from accounts.users import User
from core.db import db, utcnow
from core.errors import InvalidInput, NotAllowed
from core.fields import text_field
from projects.models import TITLE_MAX, Project, ProjectStatus, ProjectTask, TaskSignup
from projects.permissions import check_editor, hold, today
from proposals.errors import NotOpen
from voting.models import Pledge, PledgeKind, PledgeStatus


def confirm_delivery(pledge, *, actor: User, hours: int | None = None, quantity=None):
    """An official confirms the hours a volunteer worked or the materials received against a pledge."""
    from decimal import Decimal, InvalidOperation

    project = db.session.get(Project, pledge.project_id) if pledge.project_id else None
    if project is None:
        raise NotOpen(_l("This pledge is not part of a project."))
    check_editor(actor, project)
    if pledge.status not in (PledgeStatus.PLEDGED, PledgeStatus.COMMITTED):
        raise NotOpen(_l("This pledge was released or cancelled."))
    if pledge.kind == PledgeKind.HOURS:
        if isinstance(hours, bool) or not isinstance(hours, int) or not 0 < hours <= 10_000:
            raise InvalidInput(_l("Give the hours worked, a whole number above zero."), field="hours")
        pledge.delivered_hours = hours
    elif pledge.kind == PledgeKind.MATERIALS:
        try:
            amount = Decimal(str(quantity))
        except (InvalidOperation, ValueError):
            amount = Decimal(0)
        if not amount.is_finite() or not 0 < amount < Decimal("1e9"):
            raise InvalidInput(_l("Give the quantity received, a number above zero."), field="quantity")
        pledge.delivered_quantity = amount.quantize(Decimal("0.01"))
    else:
        raise InvalidInput(_l("Money is recorded in the ledger, not here."), field="kind")
    pledge.delivered_at, pledge.delivered_by_id = utcnow(), actor.id
    db.session.flush()
    return pledge


def add_task(project: Project, *, actor: User, title: str, on: date | None, hours: int, places: int) -> ProjectTask:
    check_editor(actor, project)
    if on is None or on < today():
        raise InvalidInput(_l("Give the day of the work (today or later)."), field="on")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 24:
        raise InvalidInput(_l("A shift lasts from 1 to 24 hours."), field="hours")
    if isinstance(places, bool) or not isinstance(places, int) or not 1 <= places <= 500:
        raise InvalidInput(_l("Ask for 1 to 500 volunteers."), field="places")
    task = ProjectTask(project_id=project.id, title=text_field(title, "title", TITLE_MAX), on=on, hours=hours,
                       places=places)
    db.session.add(task)
    db.session.flush()
    return task


def may_volunteer(user: User | None, project: Project) -> bool:
    """Backers who pledged hours to the project (and have not cancelled)."""

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(Pledge.id).where(
        Pledge.project_id == project.id, Pledge.backer_id == user.id, Pledge.kind == PledgeKind.HOURS,
        Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED))).limit(1)) is not None


def sign_up(task: ProjectTask, *, actor: User) -> TaskSignup:
    """A volunteer takes a place on a shift (once; while places are left and the day has not passed)."""
    if not may_volunteer(actor, task.project):
        raise NotAllowed(_l("Volunteers who pledged hours to this project can sign up."))
    if task.on < today() or task.project.status == ProjectStatus.COMPLETED:
        raise NotOpen(_l("This shift is over."))
    hold(ProjectTask, task.id)  # one sign-up at a time
    if db.session.get(TaskSignup, (task.id, actor.id)) is not None:
        raise InvalidInput(_l("You are already signed up for this shift."), field="task")
    taken = db.session.scalar(select(func.count()).select_from(TaskSignup).where(TaskSignup.task_id == task.id))
    if taken >= task.places:
        raise InvalidInput(_l("This shift is full."), field="task")
    signup = TaskSignup(task_id=task.id, user_id=actor.id)
    db.session.add(signup)
    db.session.flush()
    return signup


def withdraw_signup(task: ProjectTask, *, actor: User) -> None:
    if task.on < today():
        raise NotOpen(_l("This shift is over."))  # the record of who worked stays
    signup = db.session.get(TaskSignup, (task.id, actor.id)) if actor is not None else None
    if signup is None:
        raise InvalidInput(_l("You are not signed up for this shift."), field="task")
    db.session.delete(signup)
    db.session.flush()


def my_shifts(user: User, *, since: date | None = None) -> list[ProjectTask]:
    """The shifts a volunteer signed up for, from ``since`` (today) on, soonest first."""
    return db.session.scalars(select(ProjectTask).join(TaskSignup).where(
        TaskSignup.user_id == user.id, ProjectTask.on >= (since or today())).order_by(ProjectTask.on, ProjectTask.id)
        .options(selectinload(ProjectTask.project))).all()
