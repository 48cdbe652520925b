"""Choosing a new password without the old one: a link by email, or a 6-digit code by SMS to the phone number.

Nobody may learn from it whether an account exists: ``request_reset`` does the same for a known and an unknown
phone number or email (it returns nothing, and what it sends goes out later from the outbox, core.mail and
core.sms), and a wrong code says the same whether the number has an account or not.

Only a SHA-256 digest of a link's token or of a code is kept (like accounts/tokens.py), with its expiry and when it
was used. A new request ends the older ones of the account; a code is burnt after MAX_CODE_TRIES wrong tries. A
right code is exchanged for a link token, so both ways end on the same page (choose a new password). There is no
actor: whoever holds the link or the code is the owner of the account, and nobody else can act here."""

import enum
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.one_time_codes import (
    MAX_CODE_TRIES,
    OneTimeSecret,
    WrongCode,
    check_code,
    code_digest,
    digest,
    end_open,
    new_code,
    newest_live,
)
from accounts.passwords import hash_password
from accounts.services import find_by_login
from accounts.users import User
from core.db import db, one_of, utcnow
from core.errors import DomainError
from core.mail import queue_mail
from core.sms import queue_sms
from core.validation import check_password, looks_like_email

# WrongCode and MAX_CODE_TRIES are the shared ones of accounts/one_time_codes.py.
__all__ = ["MAX_CODE_TRIES", "PasswordReset", "ResetInvalid", "WrongCode", "exchange_code", "live_reset",
           "request_reset", "reset_password"]

#: How long a link (by email) and a code (by SMS) work; fixed: longer helps nobody but a guesser.
LINK_LIFETIME = timedelta(minutes=30)
CODE_LIFETIME = timedelta(minutes=10)


class ResetChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class ResetInvalid(DomainError):
    status = 404
    default_message = _l("This link has expired or was already used. Ask for a new one.")


class PasswordReset(OneTimeSecret, db.Model):
    __tablename__ = "password_resets"
    __table_args__ = (CheckConstraint(one_of("channel", ResetChannel), name="channel_known"),
                      CheckConstraint("code_tries >= 0", name="code_tries_not_negative"))

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The account whose password may be chosen anew.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: How it was sent: "email" (a link) or "sms" (a code).
    channel: Mapped[str] = mapped_column(String(8))
    #: SHA-256 (hex) of the link's token, or of the account and the code; never the token or code itself.
    digest: Mapped[str] = mapped_column(String(64), index=True)

    user: Mapped[User] = relationship()


def _end_open_resets(user_id: int) -> None:
    end_open(PasswordReset, PasswordReset.user_id == user_id)


def request_reset(identifier: str, *, phone_region: str = "CN", locale: str | None = None) -> None:
    """Send a link (to an email) or a code (to a phone number) if an active account has ``identifier``; else
    nothing, with nothing to tell the two apart. Older links and codes of the account stop working."""
    user = find_by_login(identifier, phone_region)
    by_email = looks_like_email(identifier)
    secret = secrets.token_urlsafe(32) if by_email else new_code()
    if user is None or not user.active or not (user.email if by_email else user.phone):
        return
    _end_open_resets(user.id)
    now = utcnow()
    locale = user.locale or locale
    if by_email:
        db.session.add(PasswordReset(user_id=user.id, channel=ResetChannel.EMAIL, digest=digest(secret),
                                     created_at=now, expires_at=now + LINK_LIFETIME, code_tries=0))
        queue_mail(user.email, "password_reset", locale=locale, user_id=user.id, token=secret,
                   minutes=int(LINK_LIFETIME.total_seconds() // 60))
    else:
        db.session.add(PasswordReset(user_id=user.id, channel=ResetChannel.SMS, digest=code_digest(user.id, secret),
                                     created_at=now, expires_at=now + CODE_LIFETIME, code_tries=0))
        queue_sms(user.phone, "password_code", locale=locale, code=secret,
                  minutes=int(CODE_LIFETIME.total_seconds() // 60))
    db.session.flush()


def live_reset(token: str) -> PasswordReset:
    """The unused, unexpired reset a link's ``token`` belongs to, or ResetInvalid."""
    if not token or len(token) > 100:
        raise ResetInvalid()
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.digest == digest(token),
                                                          PasswordReset.used_at.is_(None)))
    if reset is None or reset.expires_at <= utcnow() or not reset.user.active or reset.user.deleted_at:
        raise ResetInvalid()
    return reset


def exchange_code(phone: str, code: str, *, phone_region: str = "CN") -> str:
    """A right code sent to ``phone`` becomes a link token (returned) to choose the new password with; a wrong one
    counts, and the code is ended at MAX_CODE_TRIES. WrongCode the same whether the number has an account or not."""
    user = find_by_login(phone, phone_region) if phone and not looks_like_email(phone) else None
    reset = user and newest_live(PasswordReset, PasswordReset.user_id == user.id,
                                 PasswordReset.channel == ResetChannel.SMS)
    check_code(PasswordReset, reset or None, user.id if user else 0, code)
    token = secrets.token_urlsafe(32)
    reset.digest = digest(token)  # the code no longer works; the token does, until the code's time is up
    db.session.flush()
    return token


def reset_password(token: str, new_password: str) -> User:
    """Choose a new password with a link's ``token``: it is used up, every session of the account ends (the
    session version changes) and a lock after wrong passwords is lifted (the owner has proved who they are)."""
    reset = live_reset(token)
    check_password(new_password, field="password")
    claimed = db.session.execute(update(PasswordReset).where(PasswordReset.id == reset.id,
                                                             PasswordReset.used_at.is_(None))
                                 .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if not claimed:  # the same link sent twice at once: only one of them wins
        raise ResetInvalid()
    user = reset.user
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    user.failed_logins, user.locked_until = 0, None
    _end_open_resets(user.id)
    db.session.flush()
    return user
