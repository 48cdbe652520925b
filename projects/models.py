"""Projects: what officials make of the best proposals and of groups of similar appeals, with a budget, the
residents' pledges carried over, milestones, progress updates, volunteer tasks, ratings and a public money trail."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.regions import Department, Region
from accounts.users import User
from appeals.models import Appeal
from core.db import UTCDateTime, db, one_of, utcnow
from core.photos import StoredPhoto
from proposals.models import Proposal

TITLE_MAX, TEXT_MAX, PAYEE_MAX, PURPOSE_MAX = 200, 20_000, 120, 300


MILESTONES_MAX = 50


class ProjectStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class FundSource(enum.StrEnum):
    PUBLIC = "public"        # the government's budget
    RESIDENTS = "residents"  # money residents pledged and paid


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(one_of("status", ProjectStatus), name="status_known"),
        CheckConstraint("budget_public_minor >= 0", name="budget_not_negative"),
        CheckConstraint("target_on >= start_on", name="target_after_start"),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short public name of the work.
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    #: What is to be done, in full (public).
    description: Mapped[str] = mapped_column(Text)
    #: The department that carries it out and answers for it; its officials edit the project.
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    #: The official leading it (of that department).
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Where it is done (the region of its sources); residents there may rate it when it is finished.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    #: planned, in_progress or completed (a ``ProjectStatus`` value).
    status: Mapped[str] = mapped_column(String(12), default=ProjectStatus.PLANNED, index=True)
    #: Public funds set aside for it, in minor units (fen) of ``currency``.
    budget_public_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: ISO 4217 code of its money (MINYI_CURRENCY when it was made, e.g. "CNY").
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    #: The day work is planned to start.
    start_on: Mapped[date] = mapped_column(Date)
    #: The day it should be finished (on or after ``start_on``).
    target_on: Mapped[date] = mapped_column(Date)
    #: When it was marked completed (all milestones done); None until then.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The official who made it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: When it was made.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    department: Mapped[Department] = relationship()
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    region: Mapped[Region] = relationship()
    milestones: Mapped[list["Milestone"]] = relationship(back_populates="project",
                                                         order_by="(Milestone.target_on, Milestone.id)")
    sources: Mapped[list["ProjectSource"]] = relationship(back_populates="project", order_by="ProjectSource.id")


class ProjectSource(db.Model):
    """What a project came from: a proposal or an appeal (each becomes at most one project)."""

    __tablename__ = "project_sources"
    __table_args__ = (
        CheckConstraint("(proposal_id IS NULL) <> (appeal_id IS NULL)", name="one_source"),
        UniqueConstraint("proposal_id"),
        UniqueConstraint("appeal_id"),
    )

    #: Primary key (sources are listed in its order).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The project that came from it.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: The proposal it came from; None when the source is an appeal.
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    #: The appeal it came from; None when the source is a proposal.
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"))

    project: Mapped[Project] = relationship(back_populates="sources")
    proposal: Mapped[Proposal | None] = relationship()
    appeal: Mapped[Appeal | None] = relationship()


class Recommendation(db.Model):
    """An official who may not make a proposal a project asks the departments that may to look at it
    (projects.recommendations): one recommendation per official and proposal."""

    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("proposal_id", "official_id"),)

    #: Primary key (recommendations are listed in its order).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The qualified proposal recommended.
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    #: The official who recommends it (NULL once their account is erased).
    official_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The department the official worked for when recommending it.
    from_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    #: Why, in the official's words (shown to officials on the proposal's page).
    note: Mapped[str | None] = mapped_column(Text)
    #: When it was recommended.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    official: Mapped[User | None] = relationship()
    from_department: Mapped[Department | None] = relationship()


class Milestone(db.Model):
    __tablename__ = "milestones"
    __table_args__ = (CheckConstraint("weight BETWEEN 1 AND 100", name="weight_range"),)

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The project it belongs to.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: What is to be done by then.
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    #: The day it should be done (it is late after that while not done).
    target_on: Mapped[date] = mapped_column(Date)
    #: How much of the whole work it is (progress is the weighted share of milestones done).
    weight: Mapped[int] = mapped_column(Integer, default=1)
    #: The day it was really done; None until then (once set, it is kept).
    done_on: Mapped[date | None] = mapped_column(Date)

    project: Mapped[Project] = relationship(back_populates="milestones")

    def late(self, today: date) -> bool:
        """Past its target date and not done."""
        return self.done_on is None and self.target_on < today


class ProjectTask(db.Model):
    """A shift of volunteer work (what, which day, how many hours, how many people) that backers who pledged
    hours sign up for."""

    __tablename__ = "project_tasks"
    __table_args__ = (
        CheckConstraint("hours BETWEEN 1 AND 24", name="hours_range"),
        CheckConstraint("places BETWEEN 1 AND 500", name="places_range"),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The project the work is for.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: What the volunteers will do.
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    #: The day of the shift.
    on: Mapped[date] = mapped_column(Date)
    #: How long the shift lasts, in hours (1 to 24).
    hours: Mapped[int] = mapped_column(Integer)
    #: Volunteers wanted.
    places: Mapped[int] = mapped_column(Integer)

    project: Mapped[Project] = relationship()
    signups: Mapped[list["TaskSignup"]] = relationship(back_populates="task", cascade="all, delete-orphan")


class TaskSignup(db.Model):
    __tablename__ = "task_signups"

    #: The shift signed up for.
    task_id: Mapped[int] = mapped_column(ForeignKey("project_tasks.id", ondelete="CASCADE"), primary_key=True)
    #: The volunteer (a backer who pledged hours to the project).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    #: When they signed up.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[ProjectTask] = relationship(back_populates="signups")
    user: Mapped[User] = relationship()


class ProjectRating(db.Model):
    """A resident's judgement of a finished project; rating again replaces it."""

    __tablename__ = "project_ratings"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        UniqueConstraint("project_id", "user_id"),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The finished project rated.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: Who rated it (a resident of its area or a backer).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: 1 (done very poorly) to 5 (very well).
    score: Mapped[int] = mapped_column(Integer)
    #: What they said with it, if anything.
    comment: Mapped[str | None] = mapped_column(Text)
    #: When they last rated it (rating again moves it).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class ProjectUpdate(db.Model):
    """A progress report on the project's public timeline."""

    __tablename__ = "project_updates"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The project reported on.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: The official who wrote it.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The report's text (public).
    body: Mapped[str] = mapped_column(Text)
    #: When it was posted (the timeline shows it).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class ProjectPhoto(StoredPhoto, db.Model):
    """A photo with a progress report, or of a payment's receipt (re-encoded without EXIF by ``store_photo``)."""

    __tablename__ = "project_photos"
    __table_args__ = (CheckConstraint("(update_id IS NULL) <> (expenditure_id IS NULL)", name="one_owner"),)

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The project it belongs to.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: The progress report it goes with; None for a receipt's photo.
    update_id: Mapped[int | None] = mapped_column(ForeignKey("project_updates.id", ondelete="CASCADE"), index=True)
    #: The payment whose receipt it shows; None for a progress report's photo.
    expenditure_id: Mapped[int | None] = mapped_column(ForeignKey("expenditures.id", ondelete="CASCADE"),
                                                       index=True)
    #: What the photo shows, for people who cannot see it.
    alt_text: Mapped[str] = mapped_column(String(200), default="")


class Expenditure(db.Model):
    """One payment out of the project's money: the public money trail."""

    __tablename__ = "expenditures"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint(one_of("source", FundSource), name="source_known"),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The project it was paid for (a project with payments cannot be deleted).
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    #: How much was paid, in minor units (fen); above zero.
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    #: The day it was paid (not in the future).
    spent_on: Mapped[date] = mapped_column(Date)
    #: Who was paid, and what for.
    payee: Mapped[str] = mapped_column(String(PAYEE_MAX))
    #: What it paid for.
    purpose: Mapped[str] = mapped_column(String(PURPOSE_MAX))
    #: Whose money paid it: public funds or the residents' collected pledges.
    source: Mapped[str] = mapped_column(String(10))
    #: Invoice or receipt number, so a payment is not booked twice.
    receipt_number: Mapped[str | None] = mapped_column(String(60), unique=True)
    #: The official who recorded it.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: When it was recorded.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
