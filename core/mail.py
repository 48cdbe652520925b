"""Email to residents, kept in an outbox: queued in the same transaction as the change it reports, sent
by a worker after commit (the "mail" job of server/worker/tasks.py, asked for again while any is left), so a mail is never sent for something that did not happen and
never lost because the mail server was away. Nothing is queued unless SMTP is configured."""

from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow
from core.jobs import enqueue, settings

#: Notification kinds that also go out by email.
MAIL_KINDS = frozenset({"account_locked", "appeal_answered", "appeal_resolved", "appeal_rejected", "appeal_duplicate",
                        "appeal_reassigned"})
MAX_ATTEMPTS = 8


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mail"

    #: Primary key (mail is sent in this order).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The recipient's email address.
    address: Mapped[str] = mapped_column(String(254))
    #: What happened (a notification kind); the text is written when it is sent, in ``locale``.
    kind: Mapped[str] = mapped_column(String(40))
    #: Values filled into the text of ``kind`` (e.g. the appeal's id and title).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The language to write it in ("zh_Hans" or "en").
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    #: When it was queued.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set while a worker sends it (so two workers never send it twice).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the mail server took it; None while it waits.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: Sending attempts so far (a mail server that was away does not count); given up at MAX_ATTEMPTS.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: What the last failed attempt said; None once sent.
    last_error: Mapped[str | None] = mapped_column(Text)
    #: The account it was written to, when there is one (its unsent mail goes when the account is erased).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def mail_configured() -> bool:
    return has_app_context() and bool(current_app.config.get("MINYI_SMTP_HOST"))


def queue_mail(address: str | None, kind: str, *, locale: str | None = None, user_id: int | None = None,
               **params) -> None:
    """Queue a mail about ``kind`` to ``address`` (nothing when SMTP is not configured or there is no address)."""
    if address and mail_configured():
        db.session.add(OutgoingMail(address=address, kind=kind, params=params, locale=locale or "zh_Hans",
                                    user_id=user_id))
        enqueue("mail")


def _claimable():
    """Unsent mail no worker holds (a mail claimed by a worker that died, more than a lease ago, counts)."""
    stale = utcnow() - settings()[0]
    return (OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS,
            or_(OutgoingMail.claimed_at.is_(None), OutgoingMail.claimed_at < stale))


def waiting() -> bool:
    """Whether any mail is waiting to be sent."""
    return db.session.scalar(select(OutgoingMail.id).where(*_claimable()).limit(1)) is not None


def claim_pending(limit: int = 50) -> list[OutgoingMail]:
    """Mails to send now, each claimed by this worker alone (an UPDATE only one worker can win)."""
    now, claimable = utcnow(), _claimable()
    candidates = db.session.scalars(select(OutgoingMail.id).where(*claimable)
                                    .order_by(OutgoingMail.id).limit(limit)).all()
    claimed = []
    for mail_id in candidates:
        won = db.session.execute(
            update(OutgoingMail).where(OutgoingMail.id == mail_id, *claimable)
            .values(claimed_at=now, attempts=OutgoingMail.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if won:
            claimed.append(mail_id)
    db.session.commit()
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.id.in_(claimed))
                                   .execution_options(populate_existing=True))) if claimed else []
