"""Answer templates: reusable first drafts of answers, per category or for all, kept by admins."""

from flask_babel import lazy_gettext as _l

from accounts.permissions import has_role
from accounts.users import Role
from appeals.models import AnswerTemplate
from core.db import db
from core.errors import NotAllowed
from core.fields import text_field


def _require_admin(actor):
    if not has_role(actor, Role.ADMIN):
        raise NotAllowed(_l("Only administrators can change answer templates."))


def create_template(*, actor, title: str, body: str, category=None) -> AnswerTemplate:
    _require_admin(actor)
    template = AnswerTemplate(title=text_field(title, "title", 120), category_id=category.id if category else None,
                              body=text_field(body, "body", 5000, multiline=True))
    db.session.add(template)
    db.session.flush()
    return template


def delete_template(template: AnswerTemplate, *, actor) -> None:
    _require_admin(actor)
    db.session.delete(template)
    db.session.flush()
