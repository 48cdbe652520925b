"""Voice kiosks: devices in village offices that send spoken appeals.

An admin creates a kiosk and gets a one-time enrolment code; the kiosk exchanges it for a device token
(``minyi-kiosk enroll``). Only SHA-256 digests of the code and the token are stored. Revoking a kiosk makes its
token fail at once. Each kiosk has its own receipt prefix, so the receipt codes it makes up offline never collide
with another kiosk's or with the web's (see ``appeals.models.new_receipt_code``)."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.permissions import has_role
from accounts.regions import Category, Region, RegionLevel
from accounts.users import Role, User
from core.audit import audited
from core.db import UTCDateTime, db, utcnow
from core.errors import InvalidInput, NotAllowed
from core.rules import rule
from core.validation import clean_text
from wire.protocol import PREFIX_LENGTH, RECEIPT_ALPHABET, TOKEN_PREFIX

#: A kiosk's receipt prefix starts with a digit; codes made on the web start with a letter.
KIOSK_PREFIX_FIRST = "23456789"
#: Enrolment codes: digits only, in groups of four, typed once by the person setting the kiosk up.
ENROLL_DIGITS = 12
#: A kiosk clock this close to the server's is right (the heartbeat's own trip takes a few seconds).
CLOCK_TOLERANCE = timedelta(minutes=2)
#: Skews are kept up to 68 years either way (what the column holds; a Pi starting in 1970 is off by 56).
SKEW_LIMIT = 2**31 - 1


class Kiosk(db.Model):
    __tablename__ = "kiosks"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Where it stands, e.g. "Shangba village office".
    name: Mapped[str] = mapped_column(String(80))
    #: The village it serves: its appeals are about this village.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    #: The category of appeals sent without picking one (e.g. general enquiries).
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    #: What the kiosk speaks and shows: "zh_Hans" or "en".
    language: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    #: Three characters every receipt code made on this kiosk starts with (unique).
    receipt_prefix: Mapped[str] = mapped_column(String(3), unique=True)
    #: SHA-256 of the pending one-time enrolment code (its digits only); None once used or revoked.
    enroll_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: When that enrolment code stops working; None when there is none.
    enroll_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: SHA-256 of the device token; NULL until enrolled.
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: When the kiosk last exchanged an enrolment code for its token; None until then.
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When an admin took it out of service (its token fails); None while in service.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the last heartbeat said.
    #: When its last heartbeat arrived, on the server's clock; None before the first.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The kiosk software's version.
    version: Mapped[str | None] = mapped_column(String(40))
    #: Appeals waiting on the kiosk to be sent.
    queue_length: Mapped[int | None] = mapped_column(Integer)
    #: Appeals the server refused for good (kept on the kiosk for an operator to look at).
    refused_count: Mapped[int | None] = mapped_column(Integer)
    #: When it last synced, moved onto the server's clock; None if it never did or the time made no sense.
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Free space on the kiosk's disk (where its outbox is), in bytes.
    free_disk_bytes: Mapped[int | None] = mapped_column(BigInteger)
    #: Name of the speech-recognition model it uses (e.g. "vosk-model-small-cn-0.22").
    model: Mapped[str | None] = mapped_column(String(120))
    #: How far the kiosk's clock was ahead of the server's (negative: behind) at its last heartbeat, in seconds.
    #: A Pi has no real-time clock: it may start in 1970 or on the day it last shut down until NTP answers.
    clock_skew_seconds: Mapped[int | None] = mapped_column(Integer)
    #: When an admin created it.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    category: Mapped[Category] = relationship()

    def __repr__(self) -> str:
        return f"<Kiosk {self.id} {self.name}>"

    @property
    def state(self) -> str:
        """"new" (not enrolled yet), "revoked", "online" or "offline" (no heartbeat lately)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.token_digest is None:
            return "new"
        recent = utcnow() - timedelta(minutes=float(rule("MINYI_KIOSK_OFFLINE_MINUTES")))
        return "online" if self.last_seen_at is not None and self.last_seen_at >= recent else "offline"

    @property
    def clock_off_by(self) -> timedelta | None:
        """How far the kiosk's clock is ahead (negative: behind), when that is more than a network's delay."""
        if self.clock_skew_seconds is None or abs(self.clock_skew_seconds) <= CLOCK_TOLERANCE.total_seconds():
            return None
        return timedelta(seconds=self.clock_skew_seconds)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _new_enrolment_code() -> str:
    digits = "".join(secrets.choice("0123456789") for _ in range(ENROLL_DIGITS))
    return "-".join(digits[i:i + 4] for i in range(0, ENROLL_DIGITS, 4))


def _normalize_enrolment(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def _free_prefix() -> str:
    taken = set(db.session.scalars(select(Kiosk.receipt_prefix)))
    for _ in range(1000):
        prefix = secrets.choice(KIOSK_PREFIX_FIRST) + "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(PREFIX_LENGTH - 1))
        if prefix not in taken:
            return prefix
    raise InvalidInput(_l("No receipt prefix is left for another kiosk."))


def _check_admin(actor: User) -> None:
    if not has_role(actor, Role.ADMIN):
        raise NotAllowed()


def _fields(name: str, village: Region | None, category: Category | None, language: str) -> dict:
    name = clean_text(name, "name")
    if not name or len(name) > 80:
        raise InvalidInput(_l("Give the kiosk a name of at most 80 characters."), field="name")
    if village is None or village.level != RegionLevel.VILLAGE:
        raise InvalidInput(_l("Choose the village the kiosk serves."), field="village")
    if category is None or not category.active:
        raise InvalidInput(_l("Choose a category."), field="category")
    if language not in ("zh_Hans", "en"):
        raise InvalidInput(_l("Choose the kiosk's language."), field="language")
    return {"name": name, "region": village, "category": category, "language": language}


def create_kiosk(*, actor: User, name: str, village: Region | None, category: Category | None,
                 language: str = "zh_Hans") -> tuple[Kiosk, str]:
    """A new kiosk and its one-time enrolment code (shown only now)."""
    _check_admin(actor)
    kiosk = Kiosk(**_fields(name, village, category, language), receipt_prefix=_free_prefix())
    db.session.add(kiosk)
    code = _renew_code(kiosk)
    db.session.flush()
    with audited(actor, "kiosk.create", kiosk, ("name", "region_id")):
        pass
    return kiosk, code


def update_kiosk(kiosk: Kiosk, *, actor: User, name: str, village: Region | None, category: Category | None,
                 language: str) -> Kiosk:
    _check_admin(actor)
    with audited(actor, "kiosk.update", kiosk, ("name", "region_id", "category_id", "language")):
        for key, value in _fields(name, village, category, language).items():
            setattr(kiosk, key, value)
        db.session.flush()
    return kiosk


def _renew_code(kiosk: Kiosk) -> str:
    code = _new_enrolment_code()
    kiosk.enroll_digest = _digest(_normalize_enrolment(code))
    kiosk.enroll_expires_at = utcnow() + timedelta(hours=float(rule("MINYI_KIOSK_ENROLL_HOURS")))
    return code


def new_enrolment_code(kiosk: Kiosk, *, actor: User) -> str:
    """A fresh one-time code, e.g. to replace a kiosk's SD card; the old token stops working once it is used,
    and a revoked kiosk comes back into service only through this."""
    _check_admin(actor)
    with audited(actor, "kiosk.new_code", kiosk, ("enroll_expires_at",)):
        code = _renew_code(kiosk)
        db.session.flush()
    return code


def enroll(code: str, *, version: str | None = None) -> tuple[Kiosk, str]:
    """Exchange a one-time enrolment code for the kiosk's device token (shown only now)."""
    digits = _normalize_enrolment(code)
    kiosk = db.session.scalar(select(Kiosk).where(Kiosk.enroll_digest == _digest(digits))) if digits else None
    if kiosk is None or kiosk.enroll_expires_at is None or kiosk.enroll_expires_at < utcnow():
        raise InvalidInput(_l("This enrolment code is not valid, was already used or has expired. "
                              "Ask the administrator for a new one."), field="code")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    kiosk.token_digest, kiosk.enrolled_at, kiosk.revoked_at = _digest(token), utcnow(), None
    kiosk.enroll_digest = kiosk.enroll_expires_at = None
    kiosk.version = (version or "")[:40] or kiosk.version
    db.session.flush()
    return kiosk, token


def kiosk_for_token(text: str) -> Kiosk | None:
    """The enrolled, not revoked kiosk this device token belongs to, or None."""
    if not text or not text.startswith(TOKEN_PREFIX) or len(text) > 100:
        return None
    return db.session.scalar(select(Kiosk).where(Kiosk.token_digest == _digest(text), Kiosk.revoked_at.is_(None)))


def revoke(kiosk: Kiosk, *, actor: User) -> Kiosk:
    """Take a kiosk out of service: its token fails from now on (it keeps its appeals until it is enrolled
    again)."""
    _check_admin(actor)
    with audited(actor, "kiosk.revoke", kiosk, ("revoked_at",)):
        kiosk.revoked_at = kiosk.revoked_at or utcnow()
        kiosk.enroll_digest = kiosk.enroll_expires_at = None
        db.session.flush()
    return kiosk


def heartbeat(kiosk: Kiosk, *, version: str | None = None, queue_length: int | None = None,
              refused: int | None = None, last_sync_at: datetime | None = None, free_disk_bytes: int | None = None,
              model: str | None = None, clock: datetime | None = None) -> Kiosk:
    """What the kiosk reports every few minutes: shown on the admin's list of kiosks. ``clock`` is the kiosk's
    own time as it sent the report (its HTTP ``Date``): the times it reports are on that clock, so they are
    moved onto the server's, and dropped when they still make no sense (in the future, or before the kiosk
    existed). The server's own time stays the record: the kiosk's is never trusted blindly."""
    now = utcnow()
    kiosk.last_seen_at = now
    skew = None if clock is None else (clock - now).total_seconds()
    kiosk.clock_skew_seconds = None if skew is None else max(-SKEW_LIMIT, min(SKEW_LIMIT, round(skew)))
    if last_sync_at is not None and skew is not None:
        try:
            last_sync_at -= timedelta(seconds=skew)
        except OverflowError:  # before the year 1 on the server's clock: nonsense
            last_sync_at = None
    plausible = (last_sync_at is not None
                 and kiosk.created_at - CLOCK_TOLERANCE <= last_sync_at <= now + CLOCK_TOLERANCE)
    kiosk.version = (version or "")[:40] or None
    kiosk.queue_length = queue_length
    kiosk.refused_count = refused
    kiosk.last_sync_at = last_sync_at if plausible else None
    kiosk.free_disk_bytes = free_disk_bytes
    kiosk.model = (model or "")[:120] or None
    db.session.flush()
    return kiosk
