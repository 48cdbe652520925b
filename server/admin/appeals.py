"""Admin: answer templates for officials, and the audit log of every official step."""

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from accounts.regions import Category
from appeals import answer_templates
from appeals.models import AnswerTemplate
from core.audit import AuditEntry
from core.db import db
from server.admin import bp
from server.forms.accounts import coerce_id
from server.web.helpers import category_choices, get_or_404, submit
from server.web.pagination import keyset


class TemplateForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("This field is required.")), Length(max=120)])
    category = SelectField(_l("Category"), coerce=coerce_id, validators=[Optional()])
    body = TextAreaField(_l("Answer"), validators=[DataRequired(message=_l("This field is required.")),
                                                   Length(max=5000)])


@bp.route("/answer-templates", methods=["GET", "POST"])
def answer_templates_page():
    form = TemplateForm()
    form.category.choices = [("", _("All categories"))] + category_choices()
    if submit(form, lambda: answer_templates.create_template(
            actor=current_user, title=form.title.data, body=form.body.data,
            category=db.session.get(Category, form.category.data or 0)), message=_("Saved.")):
        return redirect(url_for("admin.answer_templates_page"))
    rows = db.session.scalars(select(AnswerTemplate).order_by(AnswerTemplate.title)).all()
    categories = {c.id: c.name for c in db.session.scalars(select(Category))}
    return render_template("admin/answer_templates.html", form=form, templates=rows, categories=categories), \
        422 if form.errors else 200


@bp.route("/answer-templates/<int:template_id>/delete", methods=["POST"])
def delete_answer_template(template_id):
    template = get_or_404(AnswerTemplate, template_id)
    form = FlaskForm()
    submit(form, lambda: answer_templates.delete_template(template, actor=current_user), message=_("Deleted."))
    return redirect(url_for("admin.answer_templates_page"))


@bp.route("/audit")
def audit_log():
    """Every official step, newest first; filter by what was done."""
    query = select(AuditEntry).options(selectinload(AuditEntry.actor))
    if request.args.get("action"):
        query = query.where(AuditEntry.action == request.args["action"][:40])
    rows, following, args = keyset(query, [AuditEntry.id])
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    return render_template("admin/audit.html", entries=rows, following=following, args=args, actions=actions)
