"""In-app notifications: stored as a kind and parameters, worded in the reader's language when shown."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from accounts.db import UTCDateTime, db, utcnow


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What happened, e.g. "pledge_committed"; the web layer words it (server/notification_texts.py).
    kind: Mapped[str] = mapped_column(String(40))
    #: Details for the wording and a link: {"proposal_id": 3, "title": "...", "reason": "..."}.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def notify(user_ids, kind: str, **params) -> None:
    """Tell each of ``user_ids`` (once each) that ``kind`` happened: in the app, and by email for the kinds
    that matter most (accounts.mail.MAIL_KINDS) when SMTP is configured."""
    user_ids = list(dict.fromkeys(user_ids))
    db.session.add_all(Notification(user_id=uid, kind=kind, params=params) for uid in user_ids)
    from accounts.mail import MAIL_KINDS, mail_configured, queue_mail
    from accounts.users import User

    if kind in MAIL_KINDS and user_ids and mail_configured():
        for user in db.session.scalars(select(User).where(User.id.in_(user_ids), User.email.is_not(None),
                                                          User.deleted_at.is_(None))):  # a deleted account: nobody
            queue_mail(user.email, kind, locale=user.locale, user_id=user.id, **params)


def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
