"""Officials' side of appeals: the department inbox (filters, sorting, CSV; its bulk steps and the groups of similar
appeals are server/officials/groups.py), the page where one appeal is handled, and recording appeals that came by
phone, letter or visit."""

from dataclasses import replace

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from accounts.regions import Category, Department, Region, region_tree
from accounts.users import Role
from appeals import audio, services, workflow
from appeals import kiosk as kiosk_appeals
from appeals.alerts import rising_cached
from appeals.models import AnswerTemplate, Appeal, AppealEvent
from appeals.queries import INBOX_SORTS, inbox, may_handle, visible_events
from appeals.similarity import similar_appeals
from core.audit import AuditEntry
from core.db import db
from core.rules import rule
from core.sms import messages_about
from core.storage import uploads
from server.forms.appeals import (
    AnswerForm,
    BulkForm,
    DuplicateForm,
    NoteForm,
    ReasonForm,
    ReassignForm,
    RecordAppealForm,
    TranscriptForm,
)
from server.forms.items import item_form
from server.officials import bp
from server.public.board import filter_choices
from server.web.helpers import (
    button_action,
    category_choices,
    csv_response,
    department_choices,
    get_from_args,
    get_or_404,
    parse_id,
    send_stored,
    submit,
    village_choices,
)
from server.web.pagination import keyset


def inbox_query(args):
    """My department's appeals (all of them for admins) with the inbox filters of ``args`` applied."""
    return inbox(current_user, status=args.get("status", "waiting"), category=get_from_args(Category, "category"),
                 region=get_from_args(Region, "region"), least_cosigns=parse_id(args.get("cosigns")))


#: What the inbox's address holds (its filters, sort and page), kept in its bulk form's address.
INBOX_ARGS = ("status", "category", "region", "cosigns", "sort", "after")


@bp.route("/appeals")
def appeal_inbox():
    return inbox_page()


def inbox_page(status=200, ticked=()):
    """The inbox with its filters (``request.args``: a refused bulk step's address keeps them, so the page it was
    sent from comes back), ``ticked`` the appeals ticked when it was."""
    sort = request.args.get("sort") if request.args.get("sort") in INBOX_SORTS else "due"
    columns, descending = INBOX_SORTS[sort]
    query = inbox_query(request.args).options(selectinload(Appeal.category))
    rows, following, args = keyset(query, list(columns), descending)
    return render_template("officials/appeals.html", appeals=rows, following=following, args=args, sort=sort,
                           status=request.args.get("status", "waiting"), alerts=_my_alerts(), ticked=ticked,
                           inbox_args=INBOX_ARGS,
                           **bulk_context(None), **filter_choices()), status


def _my_alerts():
    """Waves of appeals in my department's categories and region (everything for admins)."""
    if current_user.role == Role.ADMIN:
        found = rising_cached()
    else:
        department = current_user.department
        found = rising_cached(categories=[c.id for c in department.categories], within=department.region)
    names = {c.id: c.name for c in db.session.scalars(select(Category))}
    if current_user.role != Role.ADMIN:  # the wave counts every appeal; the links only go to this desk's
        ids = {i for alert in found for i in alert.appeal_ids}
        mine = set(db.session.scalars(select(Appeal.id).where(Appeal.id.in_(ids),
                                                              Appeal.department_id == current_user.department_id)))
        found = [replace(alert, appeal_ids=[i for i in alert.appeal_ids if i in mine]) for alert in found]
    return [(alert, names.get(alert.category_id, "")) for alert in found]


def department_options():
    return [("", _("Choose…"))] + department_choices()


def bulk_context(category_id):
    """The bulk form (``bulk_form(item)``: server.officials.groups) and its answer templates; a chosen template
    (``?template=``) fills its text box, without JavaScript."""
    templates = _templates(category_id)
    chosen = _chosen(templates)
    departments = department_options()

    def bulk_form(item):
        """The bulk form of ``item`` (the inbox's, or a group's): as sent if it was refused, else empty."""
        form = item_form(BulkForm, item)
        form.department.choices = departments
        if not form.errors and chosen is not None:
            form.body.data = chosen.body
        return form

    return {"templates": templates, "bulk_form": bulk_form}


@bp.route("/appeals.csv")
def appeal_export():
    """The filtered inbox as CSV (every page), for spreadsheets and reports."""
    query = inbox_query(request.args).order_by(Appeal.id).limit(100_000).execution_options(yield_per=1000)
    names = region_tree().full_names("zh_Hans")
    codes = {c.id: c.code for c in db.session.scalars(select(Category))}

    def rows():
        for a in db.session.scalars(query):
            yield [a.id, a.receipt_code, a.status, a.channel, codes[a.category_id], names.get(a.region_id, ""),
                   a.created_at.isoformat(), a.due_at.isoformat() if a.due_at else "",
                   a.answered_at.isoformat() if a.answered_at else "", a.closed_at.isoformat() if a.closed_at else "",
                   a.cosigns_count, a.reopened_count, a.body]

    return csv_response("appeals.csv", ["id", "receipt_code", "status", "channel", "category", "region", "created_at",
                                        "due_at", "answered_at", "closed_at", "cosigns", "reopened", "body"], rows)


def _handled(appeal_id) -> Appeal:
    appeal = get_or_404(Appeal, appeal_id)
    if not may_handle(current_user, appeal):
        abort(403)
    return appeal


def _templates(category_id):
    query = select(AnswerTemplate).order_by(AnswerTemplate.title)
    if category_id is not None:
        query = query.where(or_(AnswerTemplate.category_id.is_(None), AnswerTemplate.category_id == category_id))
    return db.session.scalars(query).all()


def _chosen(templates):
    """The template picked with ``?template=<id>``: its text fills the answer box, without JavaScript."""
    return next((t for t in templates if t.id == parse_id(request.args.get("template"))), None)


def handle_context(appeal, **forms):
    events = db.session.scalars(visible_events(current_user, appeal)
                                .options(selectinload(AppealEvent.actor)).order_by(AppealEvent.id)).all()
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "appeal",
                                                        AuditEntry.subject_id == appeal.id)
                               .options(selectinload(AuditEntry.actor)).order_by(AuditEntry.id)).all()
    templates = _templates(appeal.category_id)
    answer = forms.pop("answer_form", None) or AnswerForm()
    answer.template.choices = [("", _("None"))] + [(t.id, t.title) for t in templates]
    chosen = _chosen(templates)
    if chosen is not None and not answer.body.data:
        answer.body.data = chosen.body  # works without JavaScript: the template arrives in the text box
    reassign = forms.pop("reassign_form", None) or ReassignForm()
    reassign.department.choices = [(d, label) for d, label in department_choices(blank=_("Choose…"))
                                   if d != appeal.department_id]
    return {"appeal": appeal, "events": events, "audit": audit, "answer_form": answer,
            "answer_audio_max_seconds": int(rule("MINYI_ANSWER_AUDIO_MAX_SECONDS")),
            "reject_form": forms.pop("reject_form", None) or ReasonForm(),
            "duplicate_form": forms.pop("duplicate_form", None) or DuplicateForm(),
            "reassign_form": reassign, "note_form": forms.pop("note_form", None) or NoteForm(),
            "transcript_form": forms.pop("transcript_form", None) or TranscriptForm(
                title=None if appeal.to_listen else appeal.title,
                body=appeal.machine_transcript if appeal.to_listen else appeal.body),
            "sms_messages": messages_about(appeal.id)}


@bp.route("/appeals/<int:appeal_id>/similar")
def similar_to(appeal_id):
    """Open appeals nearby that read like this one (a fragment the appeal's page asks for once loaded)."""
    appeal = _handled(appeal_id)
    found = [a for a, _score in similar_appeals(appeal.body, appeal.region, category=appeal.category,
                                                exclude_id=appeal.id)]
    page = "officials/_similar.html" if request.headers.get("HX-Request") else "officials/similar.html"
    return render_template(page, appeal=appeal, similar=found)


@bp.route("/appeals/<int:appeal_id>")
def handle_appeal(appeal_id):
    return render_template("officials/appeal.html", **handle_context(_handled(appeal_id)))


@bp.route("/appeals/<int:appeal_id>/<any(accept, start, resolve):step>", methods=["POST"])
def appeal_step(appeal_id, step):
    appeal = _handled(appeal_id)
    action = {"accept": workflow.accept_appeal, "start": workflow.start_work,
              "resolve": workflow.resolve_appeal}[step]
    button_action(lambda: action(appeal, actor=current_user), message=_("Saved."))
    return redirect(url_for("officials.handle_appeal", appeal_id=appeal.id))


FORM_STEPS = {
    "answer": (AnswerForm, "answer_form", lambda a, f: workflow.answer_appeal(
        a, actor=current_user, body=f.body.data, resolve=f.resolve.data, audio_data=_uploaded(f.audio.data),
        storage=uploads().area("audio"))),
    "reject": (ReasonForm, "reject_form", lambda a, f: workflow.reject_appeal(a, actor=current_user,
                                                                              reason=f.reason.data)),
    "duplicate": (DuplicateForm, "duplicate_form", lambda a, f: workflow.mark_duplicate(
        a, actor=current_user, original=db.session.get(Appeal, parse_id(f.original.data) or 0))),
    "reassign": (ReassignForm, "reassign_form", lambda a, f: workflow.reassign(
        a, actor=current_user, department=db.session.get(Department, f.department.data or 0), reason=f.reason.data)),
    "note": (NoteForm, "note_form", lambda a, f: workflow.add_note(a, actor=current_user, body=f.body.data)),
    "transcript": (TranscriptForm, "transcript_form", lambda a, f: kiosk_appeals.correct_transcript(
        a, actor=current_user, body=f.body.data, title=f.title.data)),
}


def _uploaded(upload) -> bytes | None:
    """The bytes of a file sent with a form; None when no file was chosen (an empty chosen file is b""), or when
    the field came as text."""
    return upload.read() if isinstance(upload, FileStorage) and upload.filename else None


@bp.route("/appeals/<int:appeal_id>/<any(answer, reject, duplicate, reassign, note, transcript):step>",
          methods=["GET", "POST"])
def appeal_form_step(appeal_id, step):
    appeal = _handled(appeal_id)
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("officials.handle_appeal", appeal_id=appeal.id))
    form_class, name, action = FORM_STEPS[step]
    form = form_class()
    if step == "answer":
        form.template.choices = [("", "")] + [(t.id, t.title) for t in _templates(appeal.category_id)]
    if step == "reassign":
        form.department.choices = department_choices(blank="")
    if submit(form, lambda: action(appeal, form), message=_("Saved.")):
        if step == "reassign":  # no longer ours to handle
            return redirect(url_for("officials.appeal_inbox"))
        return redirect(url_for("officials.handle_appeal", appeal_id=appeal.id))
    return render_template("officials/appeal.html", **handle_context(appeal, **{name: form})), 422


@bp.route("/appeals/<int:appeal_id>/recording")
def appeal_recording(appeal_id):
    """The resident's own voice, for the officials handling a spoken appeal."""
    appeal = _handled(appeal_id)
    if not appeal.audio_file:
        abort(404)
    extension = "." + appeal.audio_file.rsplit(".", 1)[-1]
    response = send_stored(uploads().area("audio"), appeal.audio_file,
                           mimetype=audio.CONTENT_TYPES.get(extension, "application/octet-stream"))
    response.headers["Cache-Control"] = "private, no-store"  # a resident's voice stays off shared caches
    return response


@bp.route("/appeals/record", methods=["GET", "POST"])
def record_appeal():
    """Write down an appeal that came by phone, letter or visit, so the figures cover every channel."""
    form = RecordAppealForm()
    form.category.choices = [("", _("Choose…"))] + category_choices()
    form.village.choices = village_choices()
    appeal = submit(form, lambda: services.submit_appeal(
        actor=current_user, title=form.title.data, body=form.body.data,
        category=db.session.get(Category, form.category.data or 0),
        village=db.session.get(Region, form.village.data or 0), public=form.public.data,
        language=form.language.data, channel=form.channel.data, address=form.address.data,
        latitude=float(form.latitude.data) if form.latitude.data is not None else None,
        longitude=float(form.longitude.data) if form.longitude.data is not None else None,
        contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
        contact_email=form.contact_email.data, sms_ok=form.sms_ok.data,
        phone_region=current_app.config["MINYI_PHONE_REGION"]))
    if appeal:
        flash(_("Recorded. Give the resident the receipt code %(code)s.", code=appeal.receipt_code), "success")
        return redirect(url_for("appeals.show", appeal_id=appeal.id))
    return render_template("officials/record_appeal.html", form=form), 422 if form.errors else 200
