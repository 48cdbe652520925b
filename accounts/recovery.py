"""Choosing a new password without the old one: a link by email, or a 6-digit code by SMS to the phone number.

Nobody may learn from it whether an account exists, not even from how long the answer takes: asking
(``request_reset``) does exactly the same for every email address and every valid mobile number. It records what was
asked for and asks the worker for the "password_resets" job; the worker (``issue_resets``) looks the account up,
and only for an active one makes the link's token or the code, keeps its digest and queues the mail (core.mail) or
the SMS (core.sms), which go out later from the outbox and forget the token or code once sent. What has no account
keeps a row without a digest until it expires, so trying codes for it costs the same as for any other and gets the
same WrongCode.

Only a SHA-256 digest of a link's token or of a code is kept (like accounts/tokens.py), with its expiry and when it
was used. A new request ends the older ones of the same address or number at once, and those of the account when
the worker makes the new one; a code is burnt after MAX_CODE_TRIES wrong tries. A right code is exchanged for a link
token, so both ways end on the same page (choose a new password). Rows are forgotten a day after they expire. There
is no actor: whoever holds the link or the code is the owner of the account, and nobody else can act here."""

import enum
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts import one_time_codes
from accounts.one_time_codes import (
    MAX_CODE_TRIES,
    OneTimeSecret,
    WrongCode,
    check_code,
    claim_waiting,
    code_digest,
    digest,
    end_open,
    forget_expired,
    new_code,
    newest_live,
)
from accounts.passwords import hash_password
from accounts.services import find_by_login
from accounts.users import User
from core.db import UTCDateTime, db, one_of, utcnow
from core.errors import DomainError, InvalidInput
from core.jobs import enqueue
from core.mail import queue_mail
from core.sms import queue_sms
from core.validation import check_password, looks_like_email, normalize_phone

# WrongCode and MAX_CODE_TRIES are the shared ones of accounts/one_time_codes.py.
__all__ = ["MAX_CODE_TRIES", "PasswordReset", "ResetChannel", "ResetInvalid", "WrongCode", "exchange_code",
           "issue_resets", "live_reset", "request_reset", "reset_password", "waiting"]

#: How long a link (by email) and a code (by SMS) work; fixed: longer helps nobody but a guesser.
LINK_LIFETIME = timedelta(minutes=30)
CODE_LIFETIME = timedelta(minutes=10)
EMAIL_MAX = 254


class ResetChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


LIFETIMES = {ResetChannel.EMAIL: LINK_LIFETIME, ResetChannel.SMS: CODE_LIFETIME}


class ResetInvalid(DomainError):
    status = 404
    default_message = _l("This link has expired or was already used. Ask for a new one.")


class PasswordReset(OneTimeSecret, db.Model):
    __tablename__ = "password_resets"
    __table_args__ = (CheckConstraint(one_of("channel", ResetChannel), name="channel_known"),
                      CheckConstraint("code_tries >= 0", name="code_tries_not_negative"),
                      CheckConstraint("digest IS NULL OR user_id IS NOT NULL", name="reset_has_account"))

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: How it is sent: "email" (a link) or "sms" (a code).
    channel: Mapped[str] = mapped_column(String(8))
    #: The email address (lower case) or mobile number (E.164) it was asked for, whether an account has it or not.
    identifier: Mapped[str] = mapped_column(String(EMAIL_MAX), index=True)
    #: The language of the mail or SMS when the account has chosen none ("zh_Hans" or "en").
    locale: Mapped[str | None] = mapped_column(String(10))
    #: When the worker looked the account up; None while that is still to do.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The account whose password may be chosen anew (found by the worker); None when there is no active one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the link's token, or of the number and the code; never the token or code itself. None when
    #: nothing was made.
    digest: Mapped[str | None] = mapped_column(String(64), index=True)

    user: Mapped[User | None] = relationship()


def _asked_for(identifier: str, phone_region: str) -> tuple[ResetChannel, str]:
    """(how, to what) a new password is asked for, written as accounts keep it: an email address in lower case, a
    mobile number in E.164 form. InvalidInput on the identifier field for what can be neither."""
    identifier = (identifier or "").strip()
    if looks_like_email(identifier):
        if len(identifier) > EMAIL_MAX:
            raise InvalidInput(_l("This is not a valid email address."), field="identifier")
        return ResetChannel.EMAIL, identifier.lower()
    try:
        return ResetChannel.SMS, normalize_phone(identifier, phone_region)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="identifier") from None


def request_reset(identifier: str, *, phone_region: str = "CN", locale: str | None = None) -> ResetChannel:
    """Ask for a link (to an email address) or a code (to a mobile number); the same for every one, with an account
    or not (the worker decides whether anything is sent). Older links and codes asked for it stop working. Returns
    how it would be sent."""
    channel, identifier = _asked_for(identifier, phone_region)
    end_open(PasswordReset, PasswordReset.identifier == identifier)
    now = utcnow()
    db.session.add(PasswordReset(channel=channel, identifier=identifier, locale=locale, created_at=now,
                                 expires_at=now + LIFETIMES[channel], code_tries=0))
    enqueue("password_resets")
    db.session.flush()
    return channel


def waiting() -> bool:
    """Whether any request is still to be looked up (for the worker's sweep)."""
    return one_time_codes.waiting(PasswordReset)


def issue_resets(limit: int = 100) -> int:
    """The worker's part: look up the account of each request (each claimed by one worker alone); for an active one,
    end its older links and codes, make a link or a code and queue the mail or SMS. Forgets rows that stopped
    working long ago. Returns how many links and codes were made."""
    issued, phone_region = 0, current_app.config.get("MINYI_PHONE_REGION", "CN")
    for row, now in claim_waiting(PasswordReset, limit):
        by_email = row.channel == ResetChannel.EMAIL
        user = find_by_login(row.identifier, phone_region)
        if user is not None and user.active and (user.email if by_email else user.phone) == row.identifier:
            end_open(PasswordReset, PasswordReset.user_id == user.id)
            lifetime = LIFETIMES[ResetChannel(row.channel)]
            minutes, locale = int(lifetime.total_seconds() // 60), user.locale or row.locale
            secret = secrets.token_urlsafe(32) if by_email else new_code()
            row.user_id, row.expires_at = user.id, now + lifetime
            row.digest = digest(secret) if by_email else code_digest(row.identifier, secret)
            if by_email:
                queue_mail(user.email, "password_reset", locale=locale, user_id=user.id, token=secret, minutes=minutes)
            else:
                queue_sms(user.phone, "password_code", locale=locale, code=secret, minutes=minutes)
            issued += 1
        db.session.flush()
    forget_expired(PasswordReset)
    db.session.flush()
    return issued


def live_reset(token: str) -> PasswordReset:
    """The unused, unexpired reset a link's ``token`` belongs to, or ResetInvalid."""
    if not token or len(token) > 100:
        raise ResetInvalid()
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.digest == digest(token),
                                                          PasswordReset.used_at.is_(None)))
    if reset is None or reset.expires_at <= utcnow() or reset.user is None or not reset.user.active \
            or reset.user.deleted_at:
        raise ResetInvalid()
    return reset


def exchange_code(phone: str, code: str, *, phone_region: str = "CN") -> str:
    """A right code sent to ``phone`` becomes a link token (returned) to choose the new password with; a wrong one
    counts, and the code is ended at MAX_CODE_TRIES. WrongCode the same, after the same work, whether the number has
    an account or not."""
    try:
        phone = normalize_phone(phone, phone_region)
    except InvalidInput:
        phone = None
    reset = newest_live(PasswordReset, PasswordReset.identifier == phone,
                        PasswordReset.channel == ResetChannel.SMS) if phone else None
    check_code(PasswordReset, reset, phone, code)
    user = reset.user
    if user is None or not user.active or user.deleted_at is not None or user.phone != phone:
        raise WrongCode()
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
    end_open(PasswordReset, PasswordReset.user_id == user.id)
    db.session.flush()
    return user
