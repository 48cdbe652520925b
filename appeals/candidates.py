"""Project candidates: a problem that many appeals report (a group of similar appeals), put forward by
officials to become a project. The projects issue turns candidates into projects with budgets and milestones."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.regions import Department
from accounts.users import User
from appeals.errors import NotHandler
from appeals.models import Appeal
from appeals.queries import may_handle
from core.audit import AuditEntry
from core.db import UTCDateTime, db, utcnow
from core.errors import InvalidInput
from core.fields import text_field

#: The appeals a project candidate would answer: one row per candidate (``candidate_id``) and
#: appeal (``appeal_id``) in its group.
candidate_appeals = Table(
    "project_candidate_appeals",
    db.Model.metadata,
    Column("candidate_id", Integer, ForeignKey("project_candidates.id", ondelete="CASCADE"), primary_key=True),
    Column("appeal_id", Integer, ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True),
)


class ProjectCandidate(db.Model):
    __tablename__ = "project_candidates"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: What should be done, in a line ("Replace the water pump of East Village").
    title: Mapped[str] = mapped_column(String(200))
    #: The department that put it forward.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"), index=True)
    #: The official who put it forward.
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: When it was put forward.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    appeals: Mapped[list[Appeal]] = relationship(secondary=candidate_appeals, order_by=Appeal.id)
    department: Mapped[Department | None] = relationship()
    proposed_by: Mapped[User | None] = relationship()


def propose_candidate(appeals: list[Appeal], *, actor: User, title: str) -> ProjectCandidate:
    """Officials put a group of appeals forward as one project candidate (they must handle every appeal)."""
    if not appeals:
        raise InvalidInput(_l("Choose the appeals the project would answer."), field="ids")
    if not all(may_handle(actor, appeal) for appeal in appeals):
        raise NotHandler()
    candidate = ProjectCandidate(title=text_field(title, "title", 200), department_id=actor.department_id,
                                 proposed_by_id=actor.id, appeals=list(appeals))
    db.session.add(candidate)
    db.session.flush()
    db.session.add_all(AuditEntry(actor_id=actor.id, action="appeal.candidate", subject_type="appeal",
                                  subject_id=appeal.id, before={}, after={"candidate": candidate.id})
                       for appeal in appeals)
    db.session.flush()
    return candidate
