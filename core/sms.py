"""Text messages (SMS) to residents, kept in an outbox like mail (core.mail): queued in the same transaction as the
answer they report, sent by a worker after commit (the "sms" job of server/worker/tasks.py, asked for again by the
sweep while any is left), so none goes out for an answer that was rolled back and none is lost while the SMS
centre is away. Nothing is queued unless SMPP is configured (MINYI_SMPP_HOST).

One row per message, with its state: a worker claims it before sending (an UPDATE only one worker wins), records
each part the SMS centre took (its message id) as soon as it took it, and marks it sent after the last; a retry
sends only the parts not yet taken, so a message is never sent twice because a job or a worker ran again."""

import enum
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, one_of, utcnow
from core.jobs import enqueue, settings

MAX_ATTEMPTS = 8
#: The wait after a refusal doubles from this, up to an hour (an SMS centre throttling us is not hammered).
RETRY_AFTER = timedelta(minutes=1)


class SmsState(enum.StrEnum):
    WAITING = "waiting"  # to be sent (again)
    SENDING = "sending"  # claimed by a worker (taken over once its lease has passed)
    SENT = "sent"  # the SMS centre took every part
    FAILED = "failed"  # refused for good, or MAX_ATTEMPTS times


class OutgoingSms(db.Model):
    __tablename__ = "outgoing_sms"
    __table_args__ = (CheckConstraint(one_of("state", SmsState), name="state_known"),
                      CheckConstraint("parts_sent >= 0", name="parts_sent_not_negative"),
                      Index("ix_outgoing_sms_state_id", "state", "id"))

    #: Primary key (messages are sent in this order).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The recipient's number, in E.164 form (+8613812345678).
    phone: Mapped[str] = mapped_column(String(32))
    #: What happened (a notification kind); the text is written when it is sent, in ``locale``.
    kind: Mapped[str] = mapped_column(String(40))
    #: Values filled into the text of ``kind``: the receipt code and the answer's first words, nothing more.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The language to write it in ("zh_Hans" or "en").
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    #: The appeal it tells of; its handling officials see the message's state on the appeal's page.
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    #: A ``SmsState``: waiting, sending, sent or failed.
    state: Mapped[str] = mapped_column(String(10), default=SmsState.WAITING)
    #: When it was queued.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a worker claimed it (another takes it over once the job lease has passed); None when not sending.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Not to be tried again before this (after a refusal); None: at once.
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Sending attempts so far (an SMS centre that was away does not count); given up at MAX_ATTEMPTS.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: How many parts the message has (long ones are sent as two or three, joined again by the phone).
    parts: Mapped[int | None] = mapped_column(Integer)
    #: Parts the SMS centre has taken so far: a retry sends only the rest.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    #: The SMS centre's message id of each part it took, in order.
    message_ids: Mapped[list] = mapped_column(JSON, default=list)
    #: When the SMS centre took the last part; None until then.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the last failed attempt said (no phone number in it); None once sent.
    last_error: Mapped[str | None] = mapped_column(Text)


def sms_configured() -> bool:
    return has_app_context() and bool(current_app.config.get("MINYI_SMPP_HOST"))


def queue_sms(phone: str | None, kind: str, *, locale: str | None = None, appeal_id: int | None = None,
              **params) -> OutgoingSms | None:
    """Queue a text about ``kind`` to ``phone`` (nothing when SMPP is not configured or there is no number)."""
    if not (phone and sms_configured()):
        return None
    message = OutgoingSms(phone=phone, kind=kind, params=params, locale=locale or "zh_Hans", appeal_id=appeal_id,
                          state=SmsState.WAITING, attempts=0, parts_sent=0, message_ids=[], created_at=utcnow())
    db.session.add(message)
    enqueue("sms")
    return message


def masked(phone: str | None) -> str:
    """A number as logs may show it: "+86138…78" (never the whole number)."""
    phone = phone or ""
    return f"{phone[:6]}…{phone[-2:]}" if len(phone) > 8 else "…"


def _claimable():
    """Unsent messages no worker holds (one claimed by a worker that died, more than a lease ago, counts), due now."""
    now = utcnow()
    stale = now - settings()[0]
    return (or_(OutgoingSms.state == SmsState.WAITING,
                (OutgoingSms.state == SmsState.SENDING) & (OutgoingSms.claimed_at < stale)),
            OutgoingSms.attempts < MAX_ATTEMPTS,
            or_(OutgoingSms.retry_at.is_(None), OutgoingSms.retry_at <= now))


def waiting() -> bool:
    """Whether any message is waiting to be sent now."""
    return db.session.scalar(select(OutgoingSms.id).where(*_claimable()).limit(1)) is not None


def claim_pending(limit: int = 50) -> list[OutgoingSms]:
    """Messages to send now, each claimed by this worker alone (an UPDATE only one worker can win)."""
    now, claimable = utcnow(), _claimable()
    candidates = db.session.scalars(select(OutgoingSms.id).where(*claimable)
                                    .order_by(OutgoingSms.id).limit(limit)).all()
    claimed = []
    for sms_id in candidates:
        won = db.session.execute(
            update(OutgoingSms).where(OutgoingSms.id == sms_id, *claimable)
            .values(state=SmsState.SENDING, claimed_at=now, attempts=OutgoingSms.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if won:
            claimed.append(sms_id)
    db.session.commit()
    return list(db.session.scalars(select(OutgoingSms).where(OutgoingSms.id.in_(claimed)).order_by(OutgoingSms.id)
                                   .execution_options(populate_existing=True))) if claimed else []


def messages_about(appeal_id: int) -> list[OutgoingSms]:
    """The texts sent (or to be sent) about an appeal, oldest first: for its handling officials only."""
    return list(db.session.scalars(select(OutgoingSms).where(OutgoingSms.appeal_id == appeal_id)
                                   .order_by(OutgoingSms.id)))
