"""Officials' steps for many appeals at once: the bulk form (on the inbox, and once for each group of similar
appeals), the groups themselves, and project candidates made of a group. A refused form comes back on the list
it was sent from, at the page it was on, with what was typed and the appeals ticked."""

from functools import partial

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.regions import Department
from accounts.users import Role
from appeals import workflow
from appeals.candidates import ProjectCandidate
from appeals.candidates import propose_candidate as propose
from appeals.models import Appeal
from appeals.queries import WRITTEN
from appeals.similarity import group_similar
from core.db import db
from core.errors import DomainError, InvalidInput
from server.forms.appeals import BulkForm, CandidateForm
from server.forms.items import item_form
from server.officials import bp
from server.officials.appeals import INBOX_ARGS, bulk_context, department_options, inbox_page, inbox_query
from server.web.helpers import parse_id, safe_next, submit, ticked_ids

#: The groups are made of at most this many waiting appeals, the newest.
GROUPED_MAX = 1000


@bp.route("/appeals/groups")
def appeal_groups():
    """Waiting appeals that read alike, in the same village: the same problem, answered at once."""
    return _groups_page()


def _groups_page(status=200, ticked=()):
    """The groups, a page at a time (``?page=``: a refused form's address keeps it); ``ticked`` the appeals ticked
    in a group whose form was refused."""
    recent = db.session.execute(inbox_query({"status": "waiting"}).where(WRITTEN).with_only_columns(
        Appeal.id, Appeal.region_id, Appeal.body).order_by(Appeal.id.desc()).limit(GROUPED_MAX)).all()
    groups, size = group_similar(recent), current_app.config["MINYI_PAGE_SIZE"]
    page = min(parse_id(request.args.get("page")) or 1, max(1, -(-len(groups) // size)))  # the biggest first
    shown = groups[(page - 1) * size:page * size]
    loaded = {a.id: a for a in db.session.scalars(select(Appeal).where(Appeal.id.in_(
        [row.id for group in shown for row in group])))}  # only the appeals shown are loaded whole
    return render_template("officials/appeal_groups.html", groups=[[loaded[row.id] for row in group] for group in shown],
                           first=(page - 1) * size + 1, total=len(groups), newest_only=len(recent) == GROUPED_MAX,
                           next_page=page + 1 if page * size < len(groups) else None, page=page, ticked=ticked,
                           candidate_form=partial(item_form, CandidateForm), **bulk_context(None)), status


BULK = {
    "accept": lambda appeal, form: workflow.accept_appeal(appeal, actor=current_user),
    "start": lambda appeal, form: workflow.start_work(appeal, actor=current_user),
    "answer": lambda appeal, form: workflow.answer_appeal(appeal, actor=current_user, body=form.body.data or "",
                                                          resolve=form.resolve.data),
    "duplicate": lambda appeal, form: workflow.mark_duplicate(
        appeal, actor=current_user, original=db.session.get(Appeal, parse_id(form.original.data) or 0)),
    "reassign": lambda appeal, form: workflow.reassign(
        appeal, actor=current_user, department=db.session.get(Department, form.department.data or 0),
        reason=form.reason.data or ""),
}


def _from_groups() -> bool:
    """Whether a form was sent from the groups of similar appeals (its address says so: ``?from=groups``, with
    the page and the group), else from the inbox (its address keeps the inbox's filters)."""
    return request.args.get("from") == "groups"


def _list_address() -> str:
    """The list a form was sent from, at the page it was on."""
    if _from_groups():
        default = url_for("officials.appeal_groups", page=request.args.get("page"))
    else:
        default = url_for("officials.appeal_inbox", **{k: v for k, v in request.args.items() if k in INBOX_ARGS})
    return safe_next(request.values.get("next"), default)


def _list_again(ticked):
    """The list a refused form was sent from, again, the form as it was sent and the same appeals ticked."""
    return (_groups_page if _from_groups() else inbox_page)(422, ticked=ticked)


@bp.route("/appeals/bulk", methods=["GET", "POST"])
def bulk_appeals():
    """One step for many appeals (a group of the same problem, say); each is done or refused on its own. When none
    is done, the list comes back with the form as it was sent and why."""
    if request.method == "GET":  # the address of a refused form, reloaded: the list the form is on
        return redirect(_list_address())
    ids = ticked_ids()
    form = BulkForm(meta={"item": f"bulk-{parse_id(request.args.get('group'))}" if _from_groups() else "bulk"})
    form.department.choices = department_options()

    def step():
        appeals = db.session.scalars(select(Appeal).where(Appeal.id.in_(ids)).order_by(Appeal.id)).all()
        if not appeals:
            raise InvalidInput(_("Tick at least one appeal first."))
        done, refused = 0, []
        for appeal in appeals:
            try:
                with db.session.begin_nested():
                    BULK[form.action.data](appeal, form)
                done += 1
            except DomainError as error:
                refused.append((appeal.id, error))
        if not done:  # nothing to keep: the form comes back as it was sent
            reasons = {(error.field, str(error.message)) for _id, error in refused}
            if len(reasons) == 1:  # the same for all (a reason left out, say): said next to its field
                field, message = reasons.pop()
                raise InvalidInput(message, field=field)
            raise InvalidInput(_("Not done: %(list)s", list=_listed(refused)))
        return done, refused

    outcome = submit(form, step)
    if not outcome:
        return _list_again(set(ids))
    done, refused = outcome
    flash(ngettext("%(num)d appeal done.", "%(num)d appeals done.", done), "success")
    if refused:
        flash(_("Not done: %(list)s", list=_listed(refused)), "warning")
    return redirect(_list_address())


def _listed(refused) -> str:
    return "; ".join(f"{appeal_id}: {error.message}" for appeal_id, error in refused)


@bp.route("/appeals/candidates", methods=["GET", "POST"])
def propose_candidate():
    """A group of appeals put forward as one project candidate."""
    if request.method == "GET":  # the address of a refused form, reloaded: the list the form is on
        return redirect(_list_address())
    ids = ticked_ids()
    form = CandidateForm(meta={"item": f"candidate-{parse_id(request.args.get('group'))}"})
    appeals = db.session.scalars(select(Appeal).where(Appeal.id.in_(ids)).order_by(Appeal.id)).all() if ids else []
    if submit(form, lambda: propose(appeals, actor=current_user, title=form.title.data),
              message=_("Put forward as a project candidate.")):
        return redirect(url_for("officials.candidates"))
    return _list_again(set(ids))


@bp.route("/candidates")
def candidates():
    """Project candidates, newest first, with the appeals behind each."""
    query = select(ProjectCandidate).options(selectinload(ProjectCandidate.appeals),
                                             selectinload(ProjectCandidate.department))
    if current_user.role != Role.ADMIN:
        query = query.where(ProjectCandidate.department_id == current_user.department_id)
    rows = db.session.scalars(query.order_by(ProjectCandidate.id.desc()).limit(200)).all()
    return render_template("officials/candidates.html", candidates=rows)
