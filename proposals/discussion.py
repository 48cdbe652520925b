"""Use cases for the discussion of a proposal: comment, reply, edit briefly, flag; moderators hide."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from accounts.notifications import notify
from accounts.permissions import has_role, oversees
from accounts.users import Role, User
from core.db import db, utcnow
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.fields import text_field
from core.rules import rule
from proposals.comments import Comment, Flag, Stance
from proposals.errors import NotOpen
from proposals.models import Proposal
from proposals.services import REASON_MAX

COMMENT_MAX = 5_000
#: Stored as the reason for content hidden by reports; worded in each reader's language when shown.
AUTO_HIDDEN = "auto:reports"


def post_comment(proposal: Proposal, *, actor: User, body: str, stance: str = Stance.NEUTRAL,
                 reply_to: Comment | None = None) -> Comment:
    """Any logged-in resident comments, for, against or neutral; a reply joins its thread."""
    if actor is None or not actor.is_authenticated or not actor.active:
        raise NotAllowed(_l("Log in to comment."))
    if not proposal.is_active:
        raise NotOpen(_l("This proposal is closed for comments."))
    if stance not in set(Stance):
        raise InvalidInput(_l("Choose for, against or neutral."), field="stance")
    parent = None
    if reply_to is not None:
        if reply_to.proposal_id != proposal.id or reply_to.hidden_at is not None:
            raise NotFound()
        parent = reply_to if reply_to.parent_id is None else db.session.get(Comment, reply_to.parent_id)
    comment = Comment(proposal=proposal, author=actor, stance=stance, parent_id=parent.id if parent else None,
                      body=text_field(body, "body", COMMENT_MAX, multiline=True))
    db.session.add(comment)
    db.session.flush()
    return comment


def edit_comment(comment: Comment, *, actor: User, body: str) -> Comment:
    """The author corrects a comment within the edit window."""
    if actor is None or actor.id != comment.author_id:
        raise NotAllowed(_l("Only the author can edit a comment."))
    window = timedelta(minutes=int(rule("MINYI_COMMENT_EDIT_MINUTES")))
    if utcnow() - comment.created_at > window or comment.hidden_at is not None:
        raise Conflict(_l("Comments can be edited for %(n)d minutes after posting.", n=window.seconds // 60))
    comment.body = text_field(body, "body", COMMENT_MAX, multiline=True)
    comment.edited_at = utcnow()
    db.session.flush()
    return comment


def _target(kind: str, target_id: int):
    model = {"proposal": Proposal, "comment": Comment}.get(kind)
    item = db.session.get(model, target_id) if model else None
    if item is None:
        raise NotFound()
    return item


def _region(item):
    return item.region if isinstance(item, Proposal) else item.proposal.region


def flag(kind: str, target_id: int, *, actor: User, reason: str):
    """A resident reports content; enough reports hide it until a moderator decides."""
    if actor is None or not actor.is_authenticated:
        raise NotAllowed(_l("Log in to report content."))
    if actor.role == Role.RESIDENT and not actor.is_verified:
        # Otherwise a few throwaway accounts could hide anything they dislike.
        raise NotAllowed(_l("Only verified residents can report content."))
    item = _target(kind, target_id)
    if item.author_id == actor.id:
        raise Conflict(_l("You cannot report your own content."))
    reason = text_field(reason, "reason", 200)
    try:
        with db.session.begin_nested():
            db.session.add(Flag(target=kind, target_id=item.id, user_id=actor.id, reason=reason))
    except IntegrityError:
        raise Conflict(_l("You have already reported this.")) from None
    open_flags = db.session.scalar(select(func.count()).select_from(Flag).where(
        Flag.target == kind, Flag.target_id == item.id, Flag.resolved_at.is_(None)))
    if item.hidden_at is None and open_flags >= int(rule("MINYI_FLAGS_TO_HIDE")):
        item.hidden_at, item.hidden_reason = utcnow(), AUTO_HIDDEN
        _tell_author(item, kind, item.hidden_reason)
    db.session.flush()
    return item


def _tell_author(item, kind, reason):
    proposal = item if isinstance(item, Proposal) else item.proposal
    notify([item.author_id], f"{kind}_hidden", proposal_id=proposal.id, title=proposal.title, reason=reason)


def hidden_reason_text(reason: str | None) -> str:
    """The reason to show for hidden content, in the reader's language."""
    if reason == AUTO_HIDDEN:
        return str(_l("Hidden after several reports, pending review."))
    return reason or ""


def _check_moderator(actor, item):
    if not has_role(actor, Role.MODERATOR, Role.ADMIN) or not oversees(actor, _region(item)):
        raise NotAllowed()


def hide(kind: str, target_id: int, *, actor: User, reason: str):
    """A moderator hides a proposal or comment, saying why; the original is kept and the author told."""
    item = _target(kind, target_id)
    _check_moderator(actor, item)
    item.hidden_reason = text_field(reason, "reason", REASON_MAX, multiline=True)
    item.hidden_at = utcnow()
    _resolve_flags(kind, item.id)
    _tell_author(item, kind, item.hidden_reason)
    db.session.flush()
    return item


def restore(kind: str, target_id: int, *, actor: User):
    """A moderator decides hidden content may be seen again; its reports are settled."""
    item = _target(kind, target_id)
    _check_moderator(actor, item)
    item.hidden_at = item.hidden_reason = None
    _resolve_flags(kind, item.id)
    db.session.flush()
    return item


def _resolve_flags(kind, target_id):
    for open_flag in db.session.scalars(select(Flag).where(Flag.target == kind, Flag.target_id == target_id,
                                                           Flag.resolved_at.is_(None))):
        open_flag.resolved_at = utcnow()

