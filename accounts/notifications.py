"""In-app notifications: stored as a kind and parameters, worded in the reader's language when shown.

A few people are told at once, in the transaction of what happened. Many people (the thousands of supporters
of a proposal that becomes a project) are told by the "notify" job instead, off the request path: what is to be
said and to whom is kept as an announcement, written in that same transaction, and the job tells them a batch at
a time, each batch committed with the count of those told, so a worker that dies half-way leaves the rest to
the next and nobody is told twice."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, func, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from accounts.users import User
from core import jobs
from core.db import UTCDateTime, db, utcnow
from core.mail import MAIL_KINDS, mail_configured, queue_mail

#: Up to this many people are told at once; more are told by the "notify" job.
TOLD_AT_ONCE = 100
#: The job tells this many people per transaction.
BATCH = 1000


class Notification(db.Model):
    __tablename__ = "notifications"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The person told.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What happened, e.g. "pledge_committed"; the server words it (server/notices.py).
    kind: Mapped[str] = mapped_column(String(40))
    #: Details for the wording and a link: {"proposal_id": 3, "title": "...", "reason": "..."}.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: When it was written.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When its reader marked their notifications read; None while unread.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Announcement(db.Model):
    """Something many people are to be told, and how many of them the "notify" job has told so far."""
    __tablename__ = "announcements"

    #: Primary key (the key of its "notify" job).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: What happened, as ``Notification.kind``.
    kind: Mapped[str] = mapped_column(String(40))
    #: Details for the wording, as ``Notification.params``.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The people to tell (user ids, each once, in the order they are told); read once per job, not per batch.
    recipients: Mapped[list] = mapped_column(JSON, deferred=True)
    #: How many of ``recipients`` (from the start of the list) have been told so far.
    told: Mapped[int] = mapped_column(Integer, default=0)
    #: When it was written.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def notify(user_ids, kind: str, **params) -> None:
    """Tell each of ``user_ids`` (once each) that ``kind`` happened: in the app, and by email for the kinds
    that matter most (core.mail.MAIL_KINDS) when SMTP is configured. More than TOLD_AT_ONCE people are told
    by the "notify" job once this transaction commits."""
    user_ids = [uid for uid in dict.fromkeys(user_ids) if uid is not None]
    if len(user_ids) <= TOLD_AT_ONCE:
        _tell(user_ids, kind, params)
        return
    announcement = Announcement(kind=kind, params=params, recipients=user_ids)
    db.session.add(announcement)
    db.session.flush()
    jobs.enqueue("notify", announcement.id)


def recipients_of(announcement_id: int) -> list[int]:
    """Everyone the announcement is for ([] once it is gone)."""
    return db.session.scalar(select(Announcement.recipients).where(Announcement.id == announcement_id)) or []


def tell_next(announcement_id: int, recipients: list[int], batch: int = BATCH) -> int | None:
    """Tell the next ``batch`` of the announcement's ``recipients`` (``recipients_of``) and commit; how many
    were told, or None when everyone has been (the announcement is then gone)."""
    # Held first (a row lock on PostgreSQL, the write lock on SQLite), so two workers never tell the same batch.
    db.session.execute(update(Announcement).where(Announcement.id == announcement_id)
                       .values(told=Announcement.told).execution_options(synchronize_session=False))
    announcement = db.session.get(Announcement, announcement_id, populate_existing=True)
    if announcement is None:
        db.session.commit()
        return None
    people = recipients[announcement.told:announcement.told + batch]
    _tell(people, announcement.kind, announcement.params)
    announcement.told += len(people)
    if announcement.told >= len(recipients):
        db.session.delete(announcement)
    db.session.commit()
    return len(people)


def _tell(user_ids, kind: str, params: dict) -> None:

    if not user_ids:
        return
    # A deleted account is nobody: it is told nothing. The accounts told are held (FOR SHARE on PostgreSQL) until
    # this commits, so one deleted meanwhile waits for it, then removes what it was told with the rest. (On
    # SQLite the caller already holds the write lock: the step's own writes, or tell_next's no-op UPDATE.)
    people = db.session.execute(select(User.id, User.email, User.locale).where(
        User.id.in_(user_ids), User.deleted_at.is_(None)).with_for_update(read=True)).all()
    if not people:
        return
    db.session.execute(insert(Notification), [{"user_id": uid, "kind": kind, "params": params, "created_at": utcnow()}
                                              for uid, _email, _locale in people])
    if kind in MAIL_KINDS and mail_configured():
        for uid, email, locale in people:
            if email:
                queue_mail(email, kind, locale=locale, user_id=uid, **params)


def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def notifications_of(user: User):
    """The notifications ``user`` reads (a query, for paging)."""
    return select(Notification).where(Notification.user_id == user.id)


def mark_all_read(user: User) -> None:
    """Everything ``user`` has been told counts as read from now."""
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
