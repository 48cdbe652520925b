"""Comments, flags, moderation and notifications pages."""

from functools import partial
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.notifications import Notification, mark_all_read, notifications_of
from accounts.users import Role
from core.db import db
from core.errors import DomainError
from proposals import discussion
from proposals.comments import Comment
from proposals.models import Proposal
from proposals.queries import moderation_queue
from server.forms.items import item_form
from server.forms.proposals import FlagForm, HideForm
from server.notices import notice_text
from server.public.proposals import page_context, visible
from server.web.helpers import button_action, get_or_404, parse_id, role_required, safe_next, submit
from server.web.limits import backing, in_form, limited_posting, refuse_when_limited
from server.web.pagination import keyset

bp = Blueprint("discussion", __name__)

def _back(proposal_id, anchor="comments"):
    return redirect(url_for("proposals.show", proposal_id=proposal_id) + f"#{anchor}")


@bp.route("/proposals/<int:proposal_id>/comments", methods=["GET", "POST"])
@in_form(limited_posting)
@login_required
def comment(proposal_id):
    proposal = get_or_404(Proposal, proposal_id)
    if request.method == "GET":  # the address of a refused comment, reloaded: the discussion it belongs to
        return _back(proposal.id)
    reply_id = parse_id(request.form.get("reply_to"))
    reply_to = db.session.get(Comment, reply_id) if request.form.get("reply_to") else None
    body, stance = request.form.get("body", ""), request.form.get("stance", "neutral")
    try:
        refuse_when_limited()
        made = discussion.post_comment(proposal, actor=current_user, body=body, stance=stance, reply_to=reply_to)
    except DomainError as error:
        db.session.rollback()
        # The page again, with the comment as typed beside the reason (a redirect would lose what was typed).
        refused = {"reply_to": reply_id if reply_to else None, "body": body, "stance": stance,
                   "message": str(error.message), "field": error.field}
        page = render_template("proposals/show.html", **page_context(visible(proposal.id), comment_refused=refused))
        return page, error.status
    db.session.commit()
    return _back(proposal.id, f"comment-{made.id}")


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@in_form(limited_posting)
@login_required
def edit_comment(comment_id):
    item = get_or_404(Comment, comment_id)
    if item.author_id != current_user.id:
        abort(403)
    error = None
    if request.method == "POST":
        try:
            refuse_when_limited()
            discussion.edit_comment(item, actor=current_user, body=request.form.get("body", ""))
        except DomainError as problem:
            db.session.rollback()
            error = str(problem.message)
        else:
            db.session.commit()
            return _back(item.proposal_id, f"comment-{item.id}")
    return render_template("discussion/edit_comment.html", comment=item, error=error), 422 if error else 200


@bp.route("/flags", methods=["GET", "POST"])
@in_form(backing)
@login_required
def flag():
    """A report of a proposal or a comment; refused, the proposal's page again with the report as typed."""
    back = safe_next(request.values.get("next"), url_for("proposals.index"))
    if request.method == "GET":  # the address of a refused report, reloaded: the page the report was made on
        return redirect(back)
    kind, target_id = request.form.get("target"), parse_id(request.form.get("target_id"))
    model = {"proposal": Proposal, "comment": Comment}.get(kind)
    item = db.session.get(model, target_id) if model and target_id else None
    if item is None:  # (gone meanwhile, or never there: no report form to come back to)
        flash(_("What you reported is no longer there."), "warning")
        return redirect(back)
    proposal = visible(item.id if kind == "proposal" else item.proposal_id)
    form = FlagForm(meta={"item": f"flag-{kind}-{item.id}"})
    if submit(form, lambda: discussion.flag(kind, item.id, actor=current_user, reason=form.reason.data),
              message=_("Thank you. A moderator will look at it.")):
        return redirect(back)
    return render_template("proposals/show.html", **page_context(proposal)), 422


@bp.route("/moderation")
@role_required(Role.MODERATOR, Role.ADMIN)
def moderation():
    """Hidden and reported items waiting for a moderator's decision."""
    return _moderation_page()


def _moderation_page(status=200):
    proposals, comments, reasons = moderation_queue(current_user)
    return render_template("discussion/moderation.html", proposals=proposals, comments=comments, reasons=reasons,
                           hide_form=partial(item_form, HideForm)), status


@bp.route("/moderation/<any(proposal, comment):kind>/<int:target_id>/<any(hide, restore):action>",
          methods=["GET", "POST"])
@role_required(Role.MODERATOR, Role.ADMIN)
def moderate(kind, target_id, action):
    back = safe_next(request.values.get("next"), url_for("discussion.moderation"))
    if request.method == "GET":  # the address of a refused form, reloaded: the page the form is on
        return redirect(back)
    if action == "restore":
        button_action(lambda: discussion.restore(kind, target_id, actor=current_user), message=_("Visible again."))
        return redirect(back)
    form = HideForm(meta={"item": f"hide-{kind}-{target_id}"})
    if submit(form, lambda: discussion.hide(kind, target_id, actor=current_user, reason=form.reason.data),
              message=_("Hidden. The author has been told why.")):
        return redirect(back)
    # Refused: the page the form is on again (the moderation queue, or the proposal's page), the reason as typed.
    item = db.session.get(Proposal if kind == "proposal" else Comment, target_id)
    if item is None or urlsplit(back).path == url_for("discussion.moderation"):
        return _moderation_page(422)
    proposal = visible(item.id if kind == "proposal" else item.proposal_id)
    return render_template("proposals/show.html", **page_context(proposal)), 422


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    if request.method == "POST":
        mark_all_read(current_user)
        db.session.commit()
        return redirect(url_for("discussion.notifications"))
    rows, following, args = keyset(notifications_of(current_user), [Notification.id])
    return render_template("discussion/notifications.html", notes=rows, following=following, args=args,
                           text=lambda note: notice_text(note.kind, note.params))
