"""Who may change a project: the officials of its responsible department (and admins)."""

from datetime import date

from flask_babel import lazy_gettext as _l

from accounts.permissions import has_role
from accounts.users import Role, User
from core.db import db, local_zone, utcnow
from core.errors import NotAllowed
from projects.models import Project


def may_edit(user: User | None, project: Project) -> bool:
    """The officials of the responsible department, and admins."""
    if has_role(user, Role.ADMIN):
        return True
    return has_role(user, Role.OFFICIAL) and user.department_id == project.department_id


def check_editor(actor, project):
    if not may_edit(actor, project):
        raise NotAllowed(_l("Only the officials of the responsible department can change this project."))


def hold(model, ident) -> None:
    """Hold this row until the transaction ends, so a check of what is left and the change that uses it are one
    step. A no-op UPDATE does it on PostgreSQL (a row lock) and on SQLite (the write lock) alike."""
    table = model.__table__
    db.session.execute(table.update().where(table.c.id == ident).values(id=table.c.id))


def today() -> date:
    return utcnow().astimezone(local_zone()).date()
