"""Logging in by phone with a one-time code by SMS instead of the password.

Nobody may learn from it whether a number has an account, not even from how long the answer takes: asking for a
code (``ask_for_code``) does exactly the same for every valid mobile number. It records the number asked for and
asks the worker for the "sign_in_codes" job; the worker (``issue_codes``) looks the number up, and only for an
active account makes a code, keeps its digest and queues the SMS (core.sms, sent over SMPP like the answers to
kiosk appeals). A number with no account keeps a row without a code until it expires, so trying codes for it
costs the same as for any other and gets the same WrongCode.

A code works once, for CODE_LIFETIME, and is burnt after MAX_CODE_TRIES wrong tries (accounts/one_time_codes.py,
shared with password recovery); a new request ends the older ones of the number. Rows are forgotten a day after
they expire. There is no actor: whoever holds the code holds the phone of the account."""

from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts import one_time_codes
from accounts.one_time_codes import (
    OneTimeSecret,
    WrongCode,
    check_code,
    claim_waiting,
    code_digest,
    end_open,
    forget_expired,
    new_code,
    newest_live,
    use_up,
)
from accounts.services import find_by_login
from accounts.users import User
from core.db import UTCDateTime, db, utcnow
from core.errors import InvalidInput
from core.jobs import enqueue
from core.sms import queue_sms, sms_configured
from core.validation import looks_like_email, normalize_phone

#: How long a code works once it is made: a few minutes, enough for an SMS to arrive and be typed.
CODE_LIFETIME = timedelta(minutes=5)


class CodesUnavailable(InvalidInput):
    field = "identifier"
    default_message = _l("This site cannot send text messages, so there is no code to log in with. Use your "
                         "password.")


class SignInCode(OneTimeSecret, db.Model):
    __tablename__ = "sign_in_codes"
    __table_args__ = (CheckConstraint("code_tries >= 0", name="code_tries_not_negative"),
                      CheckConstraint("digest IS NULL OR user_id IS NOT NULL", name="code_has_account"))

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The number a code was asked for, in E.164 form (+8613812345678), whether an account has it or not.
    phone: Mapped[str] = mapped_column(String(32), index=True)
    #: The language the SMS is written in when the account has chosen none ("zh_Hans" or "en").
    locale: Mapped[str | None] = mapped_column(String(10))
    #: When the worker looked the number up; None while that is still to do.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The account that has the number (found by the worker); None for a number without an active account.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the number and the code, never the code itself; None when no code was made.
    digest: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User | None] = relationship()


def codes_offered() -> bool:
    """Whether codes can be sent at all (SMS is configured)."""
    return has_app_context() and sms_configured()


def _phone(identifier: str, phone_region: str) -> str:
    if looks_like_email(identifier or ""):
        raise InvalidInput(_l("Codes are sent by SMS: enter your mobile phone number, not an email address."),
                           field="identifier")
    try:
        return normalize_phone(identifier, phone_region)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="identifier") from None


def ask_for_code(identifier: str, *, phone_region: str = "CN", locale: str | None = None) -> None:
    """Ask for a code by SMS to the mobile number ``identifier``; the same for every number, with or without an
    account (the worker decides whether a code is sent). Older codes of the number stop working."""
    if not codes_offered():
        raise CodesUnavailable()
    phone = _phone(identifier, phone_region)
    end_open(SignInCode, SignInCode.phone == phone)
    now = utcnow()
    db.session.add(SignInCode(phone=phone, locale=locale, created_at=now, expires_at=now + CODE_LIFETIME,
                              code_tries=0))
    enqueue("sign_in_codes")
    db.session.flush()


def waiting() -> bool:
    """Whether any number asked for is still to be looked up (for the worker's sweep)."""
    return one_time_codes.waiting(SignInCode)


def issue_codes(limit: int = 100) -> int:
    """The worker's part: look up each number asked for (each claimed by one worker alone); for an active account,
    make a code and queue its SMS. Forgets rows that stopped working long ago. Returns how many codes were made."""
    issued, phone_region = 0, current_app.config.get("MINYI_PHONE_REGION", "CN")
    for row, now in claim_waiting(SignInCode, limit):
        user = find_by_login(row.phone, phone_region)
        if user is not None and user.active and user.phone == row.phone:
            code = new_code()
            row.user_id, row.digest, row.expires_at = user.id, code_digest(row.phone, code), now + CODE_LIFETIME
            queue_sms(row.phone, "sign_in_code", locale=user.locale or row.locale, code=code,
                      minutes=int(CODE_LIFETIME.total_seconds() // 60))
            issued += 1
        db.session.flush()
    forget_expired(SignInCode)
    db.session.flush()
    return issued


def sign_in_with_code(identifier: str, code: str, *, phone_region: str = "CN") -> User:
    """The account whose number ``identifier`` the right ``code`` was sent to; the code is used up. A wrong code
    counts, and WrongCode says the same whether the number has an account or not. Logging in this way lifts a
    lock after wrong passwords, as a new password does: the owner has proved who they are."""
    try:
        phone = normalize_phone(identifier, phone_region)
    except InvalidInput:
        phone = None
    row = newest_live(SignInCode, SignInCode.phone == phone) if phone else None
    check_code(SignInCode, row, phone, code)
    if not use_up(SignInCode, row):  # the same code sent twice at once: only one of them wins
        raise WrongCode()
    user = row.user
    if user is None or not user.active or user.deleted_at is not None or user.phone != phone:
        raise WrongCode()
    user.last_login_at, user.failed_logins, user.locked_until = utcnow(), 0, None
    db.session.flush()
    return user
