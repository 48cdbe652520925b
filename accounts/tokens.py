"""Personal API tokens: a resident creates one in their profile and sends it as a Bearer token.

Only a SHA-256 digest is stored; the token itself is shown once, when it is made."""

import hashlib
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.users import User
from core.db import UTCDateTime, db, utcnow
from core.errors import InvalidInput, NotAllowed
from core.validation import clean_text

PREFIX = "minyi_"
MAX_TOKENS = 20


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The account that owns it (a request with the token acts as this user).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The owner's label, e.g. "village WeChat bot".
    name: Mapped[str] = mapped_column(String(80))
    #: SHA-256 of the token (hex); tokens are random, so no salt or slow hash is needed.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters, so the owner can tell tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    #: When it was made.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a request last signed in with it; None until then.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When its owner revoked it (it no longer works); None while live.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, *, actor: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns the record and the token text (shown only now)."""
    if actor is None or actor.id != user.id:
        raise NotAllowed()
    name = clean_text(name, "name")
    if not name or len(name) > 80:
        raise InvalidInput(_l("Give the token a name of at most 80 characters."), field="name")
    live = db.session.scalar(select(func.count()).select_from(ApiToken)
                             .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    if live >= MAX_TOKENS:
        raise InvalidInput(_l("You have %(n)d tokens; revoke one first.", n=MAX_TOKENS), field="name")
    text = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, digest=_digest(text), hint=text[:12])
    db.session.add(token)
    db.session.flush()
    return token, text


def revoke_token(token: ApiToken, *, actor: User) -> ApiToken:
    if actor is None or actor.id != token.user_id:
        raise NotAllowed()
    token.revoked_at = token.revoked_at or utcnow()
    db.session.flush()
    return token


def user_for_token(text: str) -> User | None:
    """The active user a live token belongs to, or None."""
    if not text or not text.startswith(PREFIX) or len(text) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.digest == _digest(text),
                                                     ApiToken.revoked_at.is_(None)))
    if token is None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user
