"""Comments, flags, moderation and notifications pages."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select, true, update
from sqlalchemy.orm import selectinload

from accounts.notifications import Notification
from accounts.permissions import jurisdiction
from accounts.regions import subtree_id_list
from accounts.users import Role
from core.db import db, utcnow
from core.errors import DomainError
from proposals import discussion
from proposals.comments import Comment, Flag
from proposals.models import Proposal
from server.web.helpers import get_or_404, parse_id, role_required, safe_next
from server.web.limits import backing, limited_posting
from server.web.pagination import keyset

bp = Blueprint("discussion", __name__)

NOTIFICATION_TEXTS = {
    "account_locked": _l("Wrong passwords were given for your account %(count)s times in a row, so it is locked for "
                         "%(minutes)s minutes. If that was not you, change your password once you are back in."),
    "pledges_committed": _l("The goal of “%(title)s” was reached: your pledge is now binding."),
    "pledges_released": _l("The goal of “%(title)s” was not reached: your pledge is released, you owe nothing."),
    "proposal_qualified": _l("Your proposal “%(title)s” has enough support and is now with the officials."),
    "proposal_expired": _l("Your proposal “%(title)s” did not gather enough support in time and has expired."),
    "proposal_rejected": _l("“%(title)s” was not taken up. Reason: %(reason)s"),
    "became_project": _l("What you backed became a project: “%(title)s”. You can follow its progress and its money."),
    "proposal_hidden": _l("Your proposal “%(title)s” was hidden. Reason: %(reason)s"),
    "comment_hidden": _l("Your comment on “%(title)s” was hidden. Reason: %(reason)s"),
    "appeal_received": _l("A new appeal (No. %(appeal_id)s) is waiting for your department."),
    "appeal_reopened": _l("Appeal No. %(appeal_id)s was reopened: the resident says the problem is not solved."),
    "appeal_answered": _l("Appeal No. %(appeal_id)s has an answer."),
    "appeal_resolved": _l("Appeal No. %(appeal_id)s is resolved."),
    "appeal_rejected": _l("Appeal No. %(appeal_id)s was rejected; the reason is on its page."),
    "appeal_duplicate": _l("Appeal No. %(appeal_id)s reports a problem already reported; you now follow the earlier "
                           "appeal and will be told of its answer."),
    "appeal_reassigned": _l("Appeal No. %(appeal_id)s was handed to another department, which has a new deadline."),
}


def notification_text(note: Notification) -> str:
    text = NOTIFICATION_TEXTS.get(note.kind)
    params = {"title": "", "reason": "", "appeal_id": "", **(note.params or {})}
    params["reason"] = discussion.hidden_reason_text(params["reason"])
    return str(text) % params if text else note.kind


def _back(proposal_id, anchor="comments"):
    return redirect(url_for("proposals.show", proposal_id=proposal_id) + f"#{anchor}")


@bp.route("/proposals/<int:proposal_id>/comments", methods=["POST"])
@limited_posting
@login_required
def comment(proposal_id):
    proposal = get_or_404(Proposal, proposal_id)
    reply_to = db.session.get(Comment, parse_id(request.form.get("reply_to"))) if request.form.get("reply_to") \
        else None
    try:
        made = discussion.post_comment(proposal, actor=current_user, body=request.form.get("body", ""),
                                       stance=request.form.get("stance", "neutral"), reply_to=reply_to)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
        return _back(proposal.id)
    db.session.commit()
    return _back(proposal.id, f"comment-{made.id}")


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@limited_posting
@login_required
def edit_comment(comment_id):
    item = get_or_404(Comment, comment_id)
    if item.author_id != current_user.id:
        abort(403)
    error = None
    if request.method == "POST":
        try:
            discussion.edit_comment(item, actor=current_user, body=request.form.get("body", ""))
        except DomainError as problem:
            db.session.rollback()
            error = str(problem.message)
        else:
            db.session.commit()
            return _back(item.proposal_id, f"comment-{item.id}")
    return render_template("discussion/edit_comment.html", comment=item, error=error), 422 if error else 200


@bp.route("/flags", methods=["POST"])
@backing
@login_required
def flag():
    kind, target_id = request.form.get("target"), parse_id(request.form.get("target_id"))
    try:
        discussion.flag(kind, target_id, actor=current_user, reason=request.form.get("reason", ""))
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
    else:
        db.session.commit()
        flash(_("Thank you. A moderator will look at it."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("proposals.index")))


@bp.route("/moderation")
@role_required(Role.MODERATOR, Role.ADMIN)
def moderation():
    """Hidden and reported items waiting for a moderator's decision."""
    open_flags = select(Flag.target, Flag.target_id, func.count().label("n")).where(Flag.resolved_at.is_(None)) \
        .group_by(Flag.target, Flag.target_id).subquery()
    scope = jurisdiction(current_user)
    mine = Proposal.region_id.in_(subtree_id_list(scope)) if scope is not None else true()
    proposals = db.session.scalars(select(Proposal).where(mine).join(
        open_flags, (open_flags.c.target == "proposal") & (open_flags.c.target_id == Proposal.id))).all()
    comments = db.session.scalars(select(Comment).options(selectinload(Comment.proposal))
                                  .join(Proposal, Comment.proposal_id == Proposal.id).where(mine)
                                  .join(open_flags, (open_flags.c.target == "comment")
                                        & (open_flags.c.target_id == Comment.id))).all()
    reasons = {}
    for item in db.session.execute(select(Flag.target, Flag.target_id, Flag.reason)
                                   .where(Flag.resolved_at.is_(None))):
        reasons.setdefault((item.target, item.target_id), []).append(item.reason)
    return render_template("discussion/moderation.html", proposals=proposals, comments=comments, reasons=reasons)


@bp.route("/moderation/<any(proposal, comment):kind>/<int:target_id>/<any(hide, restore):action>",
          methods=["POST"])
@role_required(Role.MODERATOR, Role.ADMIN)
def moderate(kind, target_id, action):
    try:
        if action == "hide":
            discussion.hide(kind, target_id, actor=current_user, reason=request.form.get("reason", ""))
        else:
            discussion.restore(kind, target_id, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
    else:
        db.session.commit()
        flash(_("Hidden. The author has been told why.") if action == "hide" else _("Visible again."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("discussion.moderation")))


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    if request.method == "POST":
        db.session.execute(update(Notification).where(Notification.user_id == current_user.id,
                                                      Notification.read_at.is_(None)).values(read_at=utcnow()))
        db.session.commit()
        return redirect(url_for("discussion.notifications"))
    rows, following, args = keyset(select(Notification).where(Notification.user_id == current_user.id),
                                   [Notification.id])
    return render_template("discussion/notifications.html", notes=rows, following=following, args=args,
                           text=notification_text)
