"""Proposal pages: list, search, put forward, edit, withdraw, support (htmx), pledge."""

import contextlib
import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from PIL import UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.permissions import has_role, oversees
from accounts.regions import Category, Region
from accounts.users import Role
from core.db import commit_with_retry, db
from core.errors import DomainError
from core.money import parse_amount
from core.photos import photo_files, thumbnail, thumbnail_of
from core.storage import StorageError, uploads
from projects import recommendations
from projects.promotion import project_of
from proposals import images, services
from proposals.comments import Comment
from proposals.models import Proposal, ProposalStatus
from proposals.queries import SORTS, deciding_departments, may_decide, public_proposals, visible_proposal
from server.forms.proposals import (
    HoursPledgeForm,
    MaterialsPledgeForm,
    MoneyPledgeForm,
    PhotoForm,
    ProposalForm,
    RecommendForm,
    WithdrawForm,
)
from server.public.board import filter_choices
from server.web.cards import proposal_cards
from server.web.helpers import category_choices, get_from_args, get_or_404, send_stored, submit, village_choices
from server.web.limits import backing, in_form, limited_posting
from server.web.pagination import keyset
from voting import pledges as pledging
from voting import supports as voting
from voting.models import Pledge

log = logging.getLogger(__name__)
bp = Blueprint("proposals", __name__, url_prefix="/proposals")

@bp.route("")
def index():
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "newest"
    status, q = request.args.get("status"), (request.args.get("q") or "").strip()[:200]
    query, columns, descending = public_proposals(
        region=get_from_args(Region, "region"), category=get_from_args(Category, "category"), status=status,
        q=q, sort=sort)
    query = query.options(selectinload(Proposal.category))
    rows, following, args = keyset(query, columns, descending)
    return render_template("proposals/index.html", proposals=rows, following=following, args=args, sort=sort,
                           status=status, q=q, sorts=SORTS, cards=proposal_cards(rows), **filter_choices())


def _deadline(day):
    """A date typed in the form means the end of that day where the residents live."""
    if day is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def _proposal_fields(form):
    goal = parse_amount(form.goal.data, "goal") if (form.goal.data or "").strip() else None
    return dict(title=form.title.data, body=form.body.data,
                category=db.session.get(Category, form.category.data) if form.category.data else None,
                latitude=float(form.latitude.data) if form.latitude.data is not None else None,
                longitude=float(form.longitude.data) if form.longitude.data is not None else None,
                address=form.address.data, goal_minor=goal, deadline=_deadline(form.deadline.data),
                in_kind_counts=form.in_kind_counts.data)


def _form_choices(form):
    form.category.choices = category_choices()
    if getattr(form, "village", None) is not None:
        form.village.choices = village_choices()


@bp.route("/new", methods=["GET", "POST"])
@in_form(limited_posting)
@login_required
def new():
    if current_user.role != Role.RESIDENT:
        abort(403)
    form = ProposalForm(data=None if request.method == "POST" else {
        "village": current_user.region_id, "language": "en" if _("Minyi") == "Minyi" else "zh_Hans"})
    _form_choices(form)
    def create():
        made = services.create_proposal(
            actor=current_user, village=db.session.get(Region, form.village.data), scope=form.scope.data,
            language=form.language.data, currency=current_app.config.get("MINYI_CURRENCY", "CNY"),
            **_proposal_fields(form))
        save_photos(made, form.images.data)
        return made

    proposal = submit(form, create, message=_("Your proposal is published. Share it with your neighbours to "
                                              "gather support."))
    if proposal:
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, proposal=None), 422 if form.errors else 200


def save_photos(proposal, files, alt_text=""):
    """Store the uploaded photos; a bad one stops the whole save (files already written are removed)."""
    written = []
    try:
        for upload in files or []:
            if upload and upload.filename:
                written.append(images.add_image(proposal, actor=current_user, data=upload.read(),
                                                storage=uploads(), alt_text=alt_text).filename)
    except DomainError:
        for name in written:
            for stored in photo_files(name):
                with contextlib.suppress(StorageError):  # the error being raised says more
                    uploads().delete(stored)
        raise


def visible(proposal_id) -> Proposal:
    """The proposal, if the current user may see it (else 404, as if it did not exist)."""
    return visible_proposal(current_user, proposal_id) or abort(404)


def is_moderator_of(proposal) -> bool:
    return has_role(current_user, Role.MODERATOR, Role.ADMIN) and oversees(current_user, proposal.region)


def is_official_of(proposal) -> bool:
    return has_role(current_user, Role.OFFICIAL, Role.ADMIN) and oversees(current_user, proposal.region)


def support_context(proposal, error=None, supported=None):
    """What the support fragment shows to the current user (``supported``: when already known)."""
    if supported is None:
        supported = voting.has_supported(proposal, current_user)
    problem = None if supported else voting.eligibility_problem(proposal, current_user)
    needed = voting.threshold(proposal) if proposal.status == ProposalStatus.OPEN else None
    return {"proposal": proposal, "supported": supported, "problem": problem, "needed": needed, "error": error}


def pledge_context(proposal):
    if proposal.goal_minor is None:
        return {}
    rows = db.session.scalars(select(Pledge).where(Pledge.proposal_id == proposal.id, Pledge.status != "cancelled")
                              .options(selectinload(Pledge.backer)).order_by(Pledge.id.desc())).all()
    return {"progress": pledging.progress(proposal), "pledges": rows,
            "shows_backer": lambda pledge: pledging.backer_shown_to(pledge, current_user),
            "keeps_ledger": is_official_of(proposal), **_signed_in_forms(
                money_form=lambda: MoneyPledgeForm(prefix="money"), hours_form=lambda: HoursPledgeForm(prefix="hours"),
                materials_form=lambda: MaterialsPledgeForm(prefix="materials"))}


def _signed_in_forms(**makers) -> dict:
    """The forms only signed-in people see: an anonymous visitor's page makes none (a form puts a token in the
    session, and a page without one may be shared from the page cache: server/web/page_cache.py)."""
    return {name: make() for name, make in makers.items()} if current_user.is_authenticated else {}


def discussion_context(proposal):
    threads = db.session.scalars(
        select(Comment).where(Comment.proposal_id == proposal.id, Comment.parent_id.is_(None))
        .options(selectinload(Comment.author), selectinload(Comment.replies).selectinload(Comment.author))
        .order_by(Comment.id)).all()
    count = sum(1 + len(c.replies) for c in threads)
    return {"comments": threads, "comment_count": count, "is_moderator": is_moderator_of(proposal)}


def decision_context(proposal):
    """For officials: who decides whether the proposal becomes a project, whether the reader may, or may
    recommend it to them, and the recommendations it has."""
    if not has_role(current_user, Role.OFFICIAL, Role.ADMIN):
        return {}
    return {"deciders": deciding_departments(proposal),
            "may_promote": may_decide(current_user, proposal),
            "may_recommend": recommendations.may_recommend(current_user, proposal),
            "recommendations": recommendations.recommendations_of(proposal), "recommend_form": RecommendForm()}


def page_context(proposal, **forms):
    photos = db.session.scalars(select(images.ProposalImage).where(images.ProposalImage.proposal_id == proposal.id)
                                .order_by(images.ProposalImage.id)).all()

    return {**_signed_in_forms(withdraw_form=WithdrawForm, photo_form=PhotoForm), "photos": photos,
            "project": project_of(proposal=proposal),
            **support_context(proposal), **pledge_context(proposal), **discussion_context(proposal),
            **decision_context(proposal), **forms}


@bp.route("/<int:proposal_id>")
def show(proposal_id):
    proposal = visible(proposal_id)
    return render_template("proposals/show.html", **page_context(proposal))


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@in_form(limited_posting)
@login_required
def edit(proposal_id):
    proposal = visible(proposal_id)
    if current_user.id != proposal.author_id:
        abort(403)
    form = ProposalForm(obj=proposal if request.method == "GET" else None)
    # Where a proposal is for, who may support it and its language are fixed once published.
    del form.village, form.scope, form.language, form.images
    if request.method == "GET":
        form.category.data = proposal.category_id
        form.goal.data = f"{proposal.goal_minor / 100:.2f}" if proposal.goal_minor else ""
        form.deadline.data = proposal.deadline.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
                                                          ).date() if proposal.deadline else None
    _form_choices(form)
    if submit(form, lambda: services.edit_proposal(proposal, actor=current_user, **_proposal_fields(form)),
              message=_("Saved.")):
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, proposal=proposal), 422 if form.errors else 200


@bp.route("/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(proposal_id):
    proposal = visible(proposal_id)
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    form = WithdrawForm()
    if submit(form, lambda: services.withdraw_proposal(proposal, actor=current_user, reason=form.reason.data),
              message=_("Your proposal is withdrawn. Open pledges were released.")):
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/show.html", **page_context(proposal, withdraw_form=form)), 422


def _change_support(proposal_id, action):
    """Support or withdraw support; htmx gets the fragment back (it replaces itself), others a redirect."""
    proposal = visible(proposal_id)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    try:
        commit_with_retry(lambda: action(db.session.get(Proposal, proposal.id), actor=current_user))
    except DomainError as error:
        db.session.rollback()
        error_message, supported = str(error.message), None
    else:  # it worked, so the voter now supports it (or no longer does)
        error_message, supported = None, action is voting.cast_support
    proposal = db.session.get(Proposal, proposal.id)
    if request.htmx:
        # 200 even when refused: htmx swaps only successful answers, and the fragment says what went wrong.
        return render_template("proposals/_support.html", announce=True,
                               **support_context(proposal, error_message, supported))
    if error_message:
        flash(error_message, "warning")
    return redirect(url_for("proposals.show", proposal_id=proposal.id) + f"#proposal-{proposal.id}-support")


@bp.route("/<int:proposal_id>/support", methods=["POST"])
@backing
def support(proposal_id):
    return _change_support(proposal_id, voting.cast_support)


@bp.route("/<int:proposal_id>/support/withdraw", methods=["POST"])
@backing
def unsupport(proposal_id):
    return _change_support(proposal_id, voting.withdraw_support)


@bp.route("/<int:proposal_id>/photos", methods=["GET", "POST"])
@in_form(limited_posting)
@login_required
def add_photos(proposal_id):
    proposal = visible(proposal_id)
    if request.method == "GET":  # a refused form's address, reloaded: the page the form is on
        return redirect(url_for("proposals.show", proposal_id=proposal.id) + "#photos")
    form = PhotoForm()
    if submit(form, lambda: save_photos(proposal, form.images.data, form.alt_text.data)):
        return redirect(url_for("proposals.show", proposal_id=proposal.id) + "#photos")
    return render_template("proposals/show.html", **page_context(proposal, photo_form=form)), 422


@bp.route("/photos/<int:image_id>/remove", methods=["POST"])
@login_required
def remove_photo(image_id):
    record = get_or_404(images.ProposalImage, image_id)
    name, proposal_id = record.filename, record.proposal_id
    try:
        images.remove_image(record, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        abort(error.status)
    db.session.commit()
    try:
        for stored in photo_files(name):  # only once the record is gone for good
            uploads().delete(stored)
    except StorageError:
        log.warning("photo %s removed, its file left in storage", name)
    return redirect(url_for("proposals.show", proposal_id=proposal_id) + "#photos")


@bp.route("/photos/<name>")
def photo(name):
    """Serve a stored photo (random names; the type is the one we wrote, never guessed)."""
    record, width = stored_photo(images.ProposalImage, name)
    visible(record.proposal_id)  # a hidden proposal's photos are hidden too
    return serve_photo(record, width)


def stored_photo(model, name):
    """The photo record (of ``model``) a file name belongs to, its own or one of its thumbnails', and the
    thumbnail's width (None for the photo itself); 404 when there is none."""
    found = thumbnail_of(name)
    names, width = found if found else ([name], None)
    record = db.session.scalar(select(model).where(model.filename.in_(names))) or abort(404)
    return record, width


def serve_photo(record, width=None):
    """A stored photo or its thumbnail ``width`` wide (made now for a photo stored before thumbnails were),
    with the type we wrote (never guessed), cached by the browser only: shared caches must not keep serving it
    once its proposal or appeal is hidden."""
    name, mimetype = record.filename, record.content_type
    if width is not None:
        try:
            name, mimetype = thumbnail(uploads(), record.filename, width), "image/webp"
        except (FileNotFoundError, UnidentifiedImageError):
            abort(404)
    response = send_stored(uploads(), name, mimetype=mimetype, max_age=300)
    response.cache_control.public = False
    response.cache_control.private = True
    return response

