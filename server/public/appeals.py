"""Appeal pages for residents and the public: send one (with similar appeals suggested as you type), join
one ("my problem too"), follow it by receipt code, rate the answer, reopen, and list your own."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select, union
from sqlalchemy.orm import selectinload

from accounts.regions import Category, Region
from accounts.users import Role
from appeals import audio, queries, services
from appeals.models import CLOSED, Appeal, AppealEvent, AppealImage, Cosign, Rating
from appeals.queries import may_handle, visible_events
from appeals.similarity import similar_appeals
from core.db import db
from core.errors import DomainError
from core.storage import uploads
from projects.promotion import project_of
from server.forms.appeals import AppealForm, RatingForm, ReceiptForm, ReopenForm
from server.public.proposals import serve_photo, stored_photo
from server.web.headers import personal
from server.web.helpers import (
    category_choices,
    parse_id,
    role_required,
    send_stored,
    show_error,
    submit,
    village_choices,
)
from server.web.limits import backing, in_form, limited_posting, receipts
from server.web.pagination import keyset

bp = Blueprint("appeals", __name__, url_prefix="/appeals")


def visible_appeal(appeal_id) -> Appeal:
    """The appeal, if the current user may read it: public ones to all; private ones to their author,
    co-signers and the officials handling them (anyone else gets 404, as if it did not exist)."""
    return queries.visible_appeal(current_user, appeal_id) or abort(404)


def _choices(form):
    form.category.choices = [("", _("Choose…"))] + category_choices()  # no guess: a wrong one misroutes
    form.village.choices = village_choices()


@bp.route("/new", methods=["GET", "POST"])
@in_form(limited_posting)
@role_required(Role.RESIDENT)
def new():
    form = AppealForm(village=current_user.region_id)
    _choices(form)

    def send():
        appeal = services.submit_appeal(
            actor=current_user, title=form.title.data, body=form.body.data,
            category=db.session.get(Category, form.category.data or 0),
            village=db.session.get(Region, form.village.data or 0), public=form.public.data,
            language=form.language.data, latitude=_number(form.latitude.data), longitude=_number(form.longitude.data),
            address=form.address.data, contact_phone=form.contact_phone.data, contact_email=form.contact_email.data,
            sms_ok=form.sms_ok.data, phone_region=current_app.config["MINYI_PHONE_REGION"])
        files = [f.read() for f in request.files.getlist("images") if f and f.filename]
        services.add_photos(appeal, files, uploads())
        return appeal

    appeal = submit(form, send)
    if appeal:
        flash(_("Your appeal is sent. Keep the receipt code %(code)s to follow it without logging in.",
                code=appeal.receipt_code), "success")
        return redirect(url_for("appeals.show", appeal_id=appeal.id))
    return render_template("appeals/new.html", form=form, **_similar(form.body.data, form.village.data,
                                                                      form.category.data)), \
        422 if form.errors else 200


def _number(value):
    return float(value) if value is not None else None


def _similar(text, village_id, category_id):
    """Suggestions for the appeal being written, and which of them the resident has joined already."""
    village = db.session.get(Region, parse_id(village_id) or 0)
    category = db.session.get(Category, parse_id(category_id) or 0)
    found = similar_appeals(text or "", village, category=category)
    joined = set()
    if found and current_user.is_authenticated:
        joined = set(db.session.scalars(select(Cosign.appeal_id).where(
            Cosign.user_id == current_user.id, Cosign.appeal_id.in_([a.id for a, _score in found]))))
    return {"similar": found, "joined_ids": joined}


@bp.route("/similar")
def similar():
    """The fragment under the appeal form: open appeals nearby that read like what is being typed."""
    return render_template("appeals/_similar.html", **_similar(request.args.get("body", "")[:5000],
                                                               request.args.get("village"), request.args.get("category")))


@bp.route("/<int:appeal_id>")
def show(appeal_id):
    return render_template("appeals/show.html", **page_context(visible_appeal(appeal_id)))


def page_context(appeal, **forms):
    """Everything the appeal page shows to the current user (officials also see the internal steps)."""
    handler = may_handle(current_user, appeal)
    events = db.session.scalars(visible_events(current_user, appeal).options(selectinload(AppealEvent.actor))).all()
    photos = db.session.scalars(select(AppealImage).where(AppealImage.appeal_id == appeal.id)
                                .order_by(AppealImage.id)).all()
    following = queries.follows(current_user, appeal)
    rating = db.session.scalar(select(Rating).where(Rating.appeal_id == appeal.id, Rating.user_id == current_user.id)) \
        if following else None
    if following:  # only they rate or reopen it (and no form means no token in an anonymous visitor's session)
        forms.setdefault("rating_form", RatingForm(obj=rating))
        forms.setdefault("reopen_form", ReopenForm())

    return {"appeal": appeal, "events": events, "photos": photos, "handler": handler, "following": following,
            "rating": rating, "project": project_of(appeal=appeal), **forms, **cosign_context(appeal)}


def cosign_context(appeal):
    joined = current_user.is_authenticated and db.session.get(Cosign, (appeal.id, current_user.id)) is not None
    may_join = (current_user.is_authenticated and current_user.role == Role.RESIDENT and appeal.public
                and appeal.author_id != current_user.id and appeal.status not in CLOSED)
    return {"joined": joined, "may_join": may_join}


@bp.route("/<int:appeal_id>/cosign", methods=["POST"])
@backing
@login_required
def cosign(appeal_id):
    """"This is my problem too"; htmx gets the fragment back, others a redirect."""
    appeal = visible_appeal(appeal_id)
    error = None
    try:
        services.cosign(appeal, actor=current_user)
        db.session.commit()
    except DomainError as problem:
        db.session.rollback()
        error = str(problem.message)
    if request.htmx:
        return render_template("appeals/_cosign.html", appeal=appeal, error=error, **cosign_context(appeal))
    if error:
        flash(error, "warning")
    return redirect(url_for("appeals.show", appeal_id=appeal.id))


@bp.route("/<int:appeal_id>/rate", methods=["GET", "POST"])
@in_form(backing)
@login_required
def rate(appeal_id):
    appeal = visible_appeal(appeal_id)
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("appeals.show", appeal_id=appeal.id) + "#rating")
    form = RatingForm()
    if submit(form, lambda: services.rate_answer(appeal, actor=current_user, score=form.score.data,
                                                 comment=form.comment.data), message=_("Thank you for your rating.")):
        return redirect(url_for("appeals.show", appeal_id=appeal.id) + "#rating")
    return _show_again(appeal, rating_form=form)


@bp.route("/<int:appeal_id>/reopen", methods=["GET", "POST"])
@in_form(backing)
@login_required
def reopen(appeal_id):
    appeal = visible_appeal(appeal_id)
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("appeals.show", appeal_id=appeal.id))
    form = ReopenForm()
    if submit(form, lambda: services.reopen(appeal, actor=current_user, reason=form.reason.data),
              message=_("Your appeal is open again and back with the department.")):
        return redirect(url_for("appeals.show", appeal_id=appeal.id))
    return _show_again(appeal, reopen_form=form)


def _show_again(appeal, **forms):
    """The appeal page with a form's errors (status 422); nothing was saved."""
    return render_template("appeals/show.html", **page_context(appeal, **forms)), 422


@bp.route("/receipt")
@receipts
def receipt():
    """Follow an appeal by its receipt code, without an account (how kiosk users follow up)."""
    form = ReceiptForm(request.args)
    appeal = events = None
    if request.args.get("code") is not None and form.validate():
        try:
            appeal = services.find_by_receipt(form.code.data)
        except DomainError as error:
            show_error(form, error)
        else:
            events = db.session.scalars(visible_events(None, appeal)).all()  # the holder reads what the public does
            personal()  # their own appeal, perhaps on a shared computer
    status = 404 if request.args.get("code") is not None and appeal is None else 200
    return render_template("appeals/receipt.html", form=form, appeal=appeal, events=events), status


@bp.route("/mine")
@login_required
def mine():
    """The appeals I sent or joined, newest first."""
    # Their ids first, from the two indexes (an OR in one WHERE walks every appeal from the newest down).
    mine_ids = union(select(Appeal.id).where(Appeal.author_id == current_user.id),
                     select(Cosign.appeal_id).where(Cosign.user_id == current_user.id))
    query = select(Appeal).where(Appeal.id.in_(mine_ids)).options(selectinload(Appeal.category))
    rows, following, args = keyset(query, [Appeal.id])
    return render_template("appeals/mine.html", appeals=rows, following=following, args=args)


@bp.route("/<int:appeal_id>/answers/<int:event_id>/audio")
def answer_audio(appeal_id, event_id):
    """An answer the official spoke, to whoever may read the appeal and sees that step of it."""
    appeal = visible_appeal(appeal_id)
    event = db.session.scalar(visible_events(current_user, appeal).where(AppealEvent.id == event_id))
    if event is None or not event.audio_file:
        abort(404)
    response = send_stored(uploads().area("audio"), event.audio_file, mimetype=audio.CONTENT_TYPES[".ogg"],
                           max_age=3600)  # never changes under its name; Range requests let a player seek
    response.cache_control.public = False  # browsers only: shared caches must not serve it once the appeal is
    response.cache_control.private = True  # made private or hidden
    return response


@bp.route("/photos/<name>")
def photo(name):
    """A photo of an appeal, to whoever may read the appeal."""
    record, width = stored_photo(AppealImage, name)
    visible_appeal(record.appeal_id)

    return serve_photo(record, width)
