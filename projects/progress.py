"""How a project moves: weighted milestones, progress reports with photos, and completion."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    select,
)

from accounts.users import User
from core.db import db, utcnow
from core.errors import InvalidInput
from core.fields import text_field
from core.photos import decode, store_photo
from core.rules import rule
from projects.models import (
    MILESTONES_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Milestone,
    Project,
    ProjectPhoto,
    ProjectStatus,
    ProjectUpdate,
)
from projects.permissions import check_editor, today
from proposals.errors import NotOpen


def new_milestone(title, target_on, weight) -> Milestone:
    if target_on is None:
        raise InvalidInput(_l("Give the milestone's target date."), field="milestones")
    if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
        raise InvalidInput(_l("A milestone's weight is a whole number from 1 to 100."), field="milestones")
    return Milestone(title=text_field(title, "milestones", TITLE_MAX), target_on=target_on, weight=weight)


def add_milestone(project: Project, *, actor: User, title: str, target_on: date | None, weight: int = 1) -> Milestone:
    check_editor(actor, project)
    if len(project.milestones) >= MILESTONES_MAX:
        raise InvalidInput(_l("A project has at most %(n)d milestones.", n=MILESTONES_MAX), field="title")
    milestone = new_milestone(title, target_on, weight)
    project.milestones.append(milestone)
    db.session.flush()
    return milestone


def complete_milestone(milestone: Milestone, *, actor: User, done_on: date | None = None) -> Milestone:
    project = milestone.project
    check_editor(actor, project)
    if project.status == ProjectStatus.COMPLETED:
        raise NotOpen(_l("The project is finished."))
    if milestone.done_on is not None:  # the public record keeps the day it was really done
        raise NotOpen(_l("This milestone was already done on %(date)s.", date=milestone.done_on.isoformat()))
    milestone.done_on = done_on or today()
    if project.status == ProjectStatus.PLANNED:
        project.status = ProjectStatus.IN_PROGRESS
    db.session.flush()
    return milestone


def percent_done(project: Project) -> int:
    """Per cent done: the weight of the milestones done over the weight of all (never typed by hand)."""
    total = sum(m.weight for m in project.milestones)
    if not total:
        return 100 if project.status == ProjectStatus.COMPLETED else 0
    return round(100 * sum(m.weight for m in project.milestones if m.done_on is not None) / total)


def late_milestones(project: Project, on: date | None = None) -> list[Milestone]:
    on = on or today()
    return [m for m in project.milestones if m.late(on)]


def post_update(project: Project, *, actor: User, body: str, photos: list[bytes] = (), storage=None,
                caption: str | None = None) -> ProjectUpdate:
    """A progress report, with photos of the work (checked and re-encoded; one bad file refuses them all)."""
    check_editor(actor, project)
    most = int(rule("MINYI_IMAGES_PER_PROPOSAL"))
    if len(photos) > most:
        raise InvalidInput(_l("Send at most %(n)d photos.", n=most), field="photos")
    update = ProjectUpdate(project_id=project.id, author_id=actor.id,
                           body=text_field(body, "body", TEXT_MAX, multiline=True))
    db.session.add(update)
    if project.status == ProjectStatus.PLANNED:
        project.status = ProjectStatus.IN_PROGRESS
    db.session.flush()
    keep_photos(project, photos, storage, update_id=update.id,
                 alt_text=text_field(caption, "caption", 200, required=False) or "")
    return update


def keep_photos(project, photos, storage, alt_text="", **owner):

    for data in photos:  # all are checked before any is written
        try:
            decode(data)
        except InvalidInput as error:
            raise InvalidInput(error.message, field="photos" if "update_id" in owner else "receipt") from None
    for data in photos:
        db.session.add(ProjectPhoto(project_id=project.id, alt_text=alt_text, **owner, **store_photo(data, storage)))
    db.session.flush()


def photos_of(project: Project) -> dict:
    """(update id or expenditure id) → its photos, for the project page."""
    found = {}
    for photo in db.session.scalars(select(ProjectPhoto).where(ProjectPhoto.project_id == project.id)
                                    .order_by(ProjectPhoto.id)):
        key = ("update", photo.update_id) if photo.update_id else ("expenditure", photo.expenditure_id)
        found.setdefault(key, []).append(photo)
    return found


def complete_project(project: Project, *, actor: User) -> Project:
    """Finished: every milestone done. Residents may now rate it."""
    check_editor(actor, project)
    if any(m.done_on is None for m in project.milestones):
        raise InvalidInput(_l("Some milestones are not done yet."), field="milestones")
    project.status, project.completed_at = ProjectStatus.COMPLETED, utcnow()
    db.session.flush()
    return project
