"""A resident's own data: everything the platform holds about them, as one file to take away, and the deletion
of their account.

Deleting an account removes who the person was (name, phone, email, password, census claim, tokens,
notifications, mail not yet sent, text messages to their appeals' numbers, the contacts they left on appeals) and
keeps what they did, unnamed: their proposals, comments and appeals stay where others read and answered them, their
supports still count and their pledges stay in the money trail, shown as by a former resident. That keeps the
public record whole (an official's answer still has its question) while nothing points to the person any more."""

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from accounts.code_sign_in import SignInCode
from accounts.errors import WrongPassword
from accounts.notifications import Notification
from accounts.passwords import hash_password, verify_password
from accounts.recovery import PasswordReset
from accounts.tokens import ApiToken
from accounts.users import CensusEntry, Role, User
from appeals.models import Appeal, Cosign, Rating
from appeals.queries import visible_events
from core.db import db, utcnow
from core.errors import NotAllowed
from core.mail import OutgoingMail
from core.sms import OutgoingSms
from projects.models import ProjectRating, TaskSignup
from proposals.comments import Comment, Flag
from proposals.images import ProposalImage
from proposals.models import Proposal
from voting.models import Pledge, Support


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _rows(objects, names) -> list[dict]:
    return [{name: _plain(getattr(obj, name)) for name in names} for obj in objects]


def export_data(user: User) -> dict:
    """Everything about ``user``, as plain JSON-ready data (no password, no token secrets)."""
    def mine(model, column):
        return db.session.scalars(select(model).where(column == user.id).order_by(model.id)).all()

    appeals = mine(Appeal, Appeal.author_id)
    # What the person was told (the public steps), not the departments' internal notes.
    events = db.session.scalars(visible_events(None, [a.id for a in appeals])).all() if appeals else []
    return {
        "account": {
            **{name: _plain(getattr(user, name)) for name in (
                "id", "display_name", "phone", "email", "role", "locale", "created_at", "last_login_at",
                "verified_at", "verification_method")},
            "village": user.region.name_zh if user.region else None,
        },
        "proposals": _rows(mine(Proposal, Proposal.author_id), (
            "id", "title", "body", "language", "status", "scope", "address", "goal_minor", "currency",
            "created_at")),
        "comments": _rows(mine(Comment, Comment.author_id), (
            "id", "proposal_id", "parent_id", "stance", "body", "created_at", "edited_at")),
        "supports": [{"proposal_id": s.proposal_id, "created_at": _plain(s.created_at)}
                     for s in db.session.scalars(select(Support).where(Support.user_id == user.id)
                                                 .order_by(Support.proposal_id))],
        "pledges": _rows(mine(Pledge, Pledge.backer_id), (
            "id", "proposal_id", "kind", "amount_minor", "currency", "hours", "skill", "description", "quantity",
            "unit", "anonymous", "status", "created_at")),
        "appeals": [{**row, "timeline": [{"kind": e.kind, "body": e.body, "at": _plain(e.created_at)}
                                         for e in events if e.appeal_id == row["id"]]}
                    for row in _rows(appeals, ("id", "receipt_code", "title", "body", "language", "public", "status",
                                               "contact_name", "contact_phone", "contact_email", "address",
                                               "created_at", "answered_at", "closed_at"))],
        "my_problem_too": [{"appeal_id": c.appeal_id} for c in db.session.scalars(
            select(Cosign).where(Cosign.user_id == user.id).order_by(Cosign.appeal_id))],
        "appeal_ratings": _rows(mine(Rating, Rating.user_id), ("appeal_id", "score", "comment")),
        "notifications": _rows(mine(Notification, Notification.user_id), ("kind", "params", "created_at",
                                                                            "read_at")),
        "api_tokens": _rows(mine(ApiToken, ApiToken.user_id), ("name", "created_at", "last_used_at",
                                                                "revoked_at")),
        "flags": _rows(mine(Flag, Flag.user_id), ("target", "target_id", "reason")),
        "project_ratings": _rows(mine(ProjectRating, ProjectRating.user_id), ("project_id", "score")),
        "volunteer_shifts": [{"task_id": t.task_id, "signed_up_at": _plain(t.created_at)} for t in
                             db.session.scalars(select(TaskSignup).where(TaskSignup.user_id == user.id))],
        "photos": [{"proposal_id": i.proposal_id, "alt_text": i.alt_text} for i in db.session.scalars(
            select(ProposalImage).join(Proposal).where(Proposal.author_id == user.id).order_by(ProposalImage.id))],
        "exported_at": utcnow().isoformat(),
    }


def delete_account(user: User, *, actor: User, password: str) -> None:
    """Remove who ``user`` was and keep what they did, unnamed (see the module's description). Residents delete
    their own account, confirming with their password; staff accounts are closed by an administrator."""
    if actor is None or actor.id != user.id:
        raise NotAllowed()
    if user.role != Role.RESIDENT:
        raise NotAllowed(_l("Staff accounts are closed by an administrator, so that their actions stay "
                            "accountable."))
    if not verify_password(user.password_hash, password or ""):
        raise WrongPassword(_l("That is not your password. Nothing was deleted."), field="password")
    now, email, phone = utcnow(), user.email, user.phone
    # An address that reaches nobody (RFC 2606) keeps the rule that every account has a login.
    user.display_name, user.phone, user.email, user.locale = "", None, f"deleted-{user.id}@invalid", None
    user.password_hash = hash_password(secrets.token_urlsafe(32))  # nobody knows it
    user.active, user.deleted_at, user.last_login_at = False, now, None
    user.session_version += 1  # every session ends
    db.session.execute(update(CensusEntry).where(CensusEntry.claimed_by_id == user.id).values(claimed_by_id=None))
    addresses = {email, *db.session.scalars(select(Appeal.contact_email).where(
        Appeal.author_id == user.id, Appeal.contact_email.is_not(None)))} - {None}
    if addresses:  # mail not yet sent to them, queued for the account or for an appeal's contact address
        db.session.execute(delete(OutgoingMail).where(OutgoingMail.address.in_(addresses),
                                                      OutgoingMail.sent_at.is_(None)))
    # Text messages to the call-back numbers of their appeals go with the numbers, sent or not.
    db.session.execute(delete(OutgoingSms).where(OutgoingSms.appeal_id.in_(
        select(Appeal.id).where(Appeal.author_id == user.id))).execution_options(synchronize_session=False))
    db.session.execute(update(Appeal).where(Appeal.author_id == user.id)
                       .values(contact_name=None, contact_phone=None, contact_email=None))
    # Codes to log in asked for the number, made or not, go with it.
    db.session.execute(delete(SignInCode).where(or_(SignInCode.user_id == user.id, SignInCode.phone == phone))
                       .execution_options(synchronize_session=False))
    # So do the links and codes for a new password asked for the address or the number.
    db.session.execute(delete(PasswordReset).where(or_(PasswordReset.user_id == user.id,
                                                       PasswordReset.identifier.in_({email, phone} - {None})))
                       .execution_options(synchronize_session=False))
    for model, column in ((ApiToken, ApiToken.user_id), (Notification, Notification.user_id)):
        db.session.execute(delete(model).where(column == user.id))
    db.session.execute(delete(OutgoingMail).where(OutgoingMail.user_id == user.id, OutgoingMail.sent_at.is_(None)))
    db.session.flush()
