"""Short codes sent by SMS that prove someone holds a phone: to choose a new password (accounts/recovery.py) and to
log in without one (accounts/code_sign_in.py). Both keep their codes the same way, with what is here.

Only a SHA-256 digest of a code is kept, with its expiry and when it was used. A code works once; each wrong try is
counted in the database (tries sent at the same moment all count), and after MAX_CODE_TRIES it is burnt. Whether a
code is right is decided in constant time, and a wrong code for something that does not exist (no account, nothing
asked for) is refused with the same WrongCode as any other.

Both are asked for the same way too: the request records what was asked for, the same for any phone number or
address, and the worker claims each row (``claim_waiting``), looks the account up and makes a code only for an
active one. Rows are forgotten KEPT after they stopped working (``forget_expired``)."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow
from core.errors import DomainError

#: Wrong codes before a code is burnt (a new one must be asked for).
MAX_CODE_TRIES = 5
CODE_DIGITS = 6
#: Rows (what was asked for, whether an account has it or not) are deleted this long after they stopped working.
KEPT = timedelta(days=1)


class WrongCode(DomainError):
    status = 422
    field = "code"
    default_message = _l("This code is not correct or has expired. Check it, or ask for a new one.")


class OneTimeSecret:
    """The columns of a code (or link) that works once and for a while; the model adds its ``digest`` and whose
    it is, and a check constraint ``code_tries >= 0``."""

    #: When it was asked for.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: It no longer works after this.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When it was used, or ended by a newer request or by too many wrong codes; None while it works.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Wrong codes tried so far; at MAX_CODE_TRIES it is ended.
    code_tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


def new_code() -> str:
    """A random code of CODE_DIGITS digits (leading zeros kept)."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def code_digest(owner, code: str) -> str:
    """What is kept of ``code``: tied to its ``owner`` (an account, a phone number), so equal codes differ."""
    return digest(f"code:{owner}:{code}")


def newest_live(model, *criteria):
    """The newest row of ``model`` meeting ``criteria`` that is unused and unexpired, or None."""
    return db.session.scalar(select(model).where(*criteria, model.used_at.is_(None), model.expires_at > utcnow())
                             .order_by(model.id.desc()).limit(1))


def end_open(model, *criteria) -> None:
    """End every unused row of ``model`` meeting ``criteria`` (a new request ends the older ones)."""
    db.session.execute(update(model).where(*criteria, model.used_at.is_(None)).values(used_at=utcnow())
                       .execution_options(synchronize_session=False))


def check_code(model, row, owner, code: str) -> None:
    """Return if ``code`` is the one of ``row`` (a live row of ``model``, or None); else count the wrong try on
    ``row``, end it at MAX_CODE_TRIES, and raise WrongCode. Spaces in the code do not matter."""
    code = "".join((code or "").split())
    expected = row.digest if row is not None and row.digest else digest("no-such-code")
    right = hmac.compare_digest(expected, code_digest(owner, code))
    if row is not None and right:
        return
    if row is not None:
        # Counted in the database: tries sent at the same moment all count.
        tries = db.session.execute(update(model).where(model.id == row.id)
                                   .values(code_tries=model.code_tries + 1).returning(model.code_tries)).scalar()
        if tries >= MAX_CODE_TRIES:
            db.session.execute(update(model).where(model.id == row.id).values(used_at=utcnow()))
        db.session.flush()
    raise WrongCode()


def use_up(model, row) -> bool:
    """Mark ``row`` used; False when another request used it first (the same code sent twice at once)."""
    return bool(db.session.execute(update(model).where(model.id == row.id, model.used_at.is_(None))
                                   .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount)


def _waiting(model):
    """Rows the worker has still to look up: ``model`` has a ``handled_at`` column, None until then."""
    return model.handled_at.is_(None), model.used_at.is_(None), model.expires_at > utcnow()


def waiting(model) -> bool:
    """Whether any row of ``model`` is still to be looked up by the worker (for the worker's sweep)."""
    return db.session.scalar(select(model.id).where(*_waiting(model)).limit(1)) is not None


def claim_waiting(model, limit: int):
    """Each row of ``model`` still to be looked up, oldest first, marked handled and claimed by this worker alone (an
    UPDATE only one worker wins); yields them with the time of the claim."""
    for row_id in db.session.scalars(select(model.id).where(*_waiting(model)).order_by(model.id).limit(limit)).all():
        now = utcnow()
        won = db.session.execute(update(model).where(model.id == row_id, *_waiting(model)).values(handled_at=now)
                                 .execution_options(synchronize_session=False)).rowcount
        if won:
            yield db.session.get(model, row_id), now


def forget_expired(model) -> None:
    """Delete the rows of ``model`` that stopped working more than KEPT ago."""
    db.session.execute(delete(model).where(model.expires_at < utcnow() - KEPT)
                       .execution_options(synchronize_session=False))
