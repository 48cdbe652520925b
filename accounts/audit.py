"""The audit log: every official action, who did it, when, and what changed (before and after)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.db import UTCDateTime, db, utcnow
from accounts.users import User


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: NULL when the system acted (a deadline, a command).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: What was done, e.g. "appeal.answer", "appeal.reassign".
    action: Mapped[str] = mapped_column(String(40), index=True)
    #: What it was done to: "appeal" and its id.
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column()
    #: The fields that changed, as they were and as they became.
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


def audited(actor, action: str, subject, fields: tuple[str, ...]):
    """Record ``action`` on ``subject``: use as ``with audited(...):`` around the change; the listed fields
    are read before and after it, and only those that changed are kept."""
    return _Audit(actor, action, subject, fields)


class _Audit:
    def __init__(self, actor, action, subject, fields):
        self.actor, self.action, self.subject, self.fields = actor, action, subject, fields

    def __enter__(self):
        self.before = {f: _plain(getattr(self.subject, f)) for f in self.fields}
        return self

    def __exit__(self, kind, _value, _traceback):
        if kind is not None:
            return False
        after = {f: _plain(getattr(self.subject, f)) for f in self.fields}
        changed = [f for f in self.fields if after[f] != self.before[f]]
        db.session.add(AuditEntry(
            actor_id=getattr(self.actor, "id", None), action=self.action,
            subject_type=self.subject.__tablename__.rstrip("s"), subject_id=self.subject.id,
            before={f: self.before[f] for f in changed}, after={f: after[f] for f in changed}))
        return False


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value
