"""Projects: what officials make of the best proposals and of groups of similar appeals, with a budget, the
residents' pledges carried over, milestones, progress updates and a public money trail.

Who may change a project: the officials of its responsible department (and admins). Every sum on the public
page is computed here, from the rows, so the totals always add up."""

import enum
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from accounts.notifications import notify
from accounts.permissions import has_role, oversees
from accounts.regions import Department, Region
from accounts.users import Role, User
from appeals.models import Appeal, Cosign
from appeals.workflow import may_handle
from core.audit import AuditEntry
from core.db import UTCDateTime, db, local_zone, one_of, utcnow
from core.errors import InvalidInput, NotAllowed
from core.fields import text_field
from core.photos import StoredPhoto, store_photo
from core.rules import rule
from proposals.errors import NotOpen
from proposals.models import Proposal, ProposalStatus

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


# -- who may do what ------------------------------------------------------------------------------------------


def may_edit(user: User | None, project: Project) -> bool:
    """The officials of the responsible department, and admins."""
    if has_role(user, Role.ADMIN):
        return True
    return has_role(user, Role.OFFICIAL) and user.department_id == project.department_id


def _check_editor(actor, project):
    if not may_edit(actor, project):
        raise NotAllowed(_l("Only the officials of the responsible department can change this project."))


def _hold(model, ident) -> None:
    """Hold this row until the transaction ends, so a check of what is left and the change that uses it are one
    step. A no-op UPDATE does it on PostgreSQL (a row lock) and on SQLite (the write lock) alike."""
    table = model.__table__
    db.session.execute(table.update().where(table.c.id == ident).values(id=table.c.id))


def today() -> date:
    return utcnow().astimezone(local_zone()).date()


def budget_left(department: Department) -> int | None:
    """The department's public funds for projects not yet given to one (None: its budget is not tracked)."""
    if department.project_budget_minor is None:
        return None
    given = db.session.scalar(select(func.coalesce(func.sum(Project.budget_public_minor), 0)).where(
        Project.department_id == department.id))
    return department.project_budget_minor - int(given)


def project_of(*, proposal: Proposal | None = None, appeal: Appeal | None = None) -> Project | None:
    """The project a proposal or an appeal became, if any."""
    column, source = (ProjectSource.proposal_id, proposal) if proposal is not None else (ProjectSource.appeal_id,
                                                                                          appeal)
    return db.session.scalar(select(Project).join(ProjectSource).where(column == source.id))


# -- deciding ------------------------------------------------------------------------------------------------


def promote_to_project(*, actor: User, title: str, description: str, department: Department | None,
                       lead: User | None, budget_public_minor: int, start_on: date | None, target_on: date | None,
                       proposals: list[Proposal] = (), appeals: list[Appeal] = (),
                       milestones: list[tuple[str, date, int]] = ()) -> Project:
    """Officials turn qualified proposals and/or appeals into one project. The proposals' pledges (money and in
    kind, open or committed) move to the project as they are: no amount is created or lost. Everyone who backed
    a source hears of it."""
    proposals, appeals = list(dict.fromkeys(proposals)), list(dict.fromkeys(appeals))
    if not has_role(actor, Role.OFFICIAL, Role.ADMIN):
        raise NotAllowed()
    if not proposals and not appeals:
        raise InvalidInput(_l("Choose the proposals or appeals the project answers."), field="sources")
    taken = db.session.scalar(select(func.count()).select_from(ProjectSource).where(
        ProjectSource.proposal_id.in_([p.id for p in proposals]) | ProjectSource.appeal_id.in_([a.id for a in appeals])))
    if taken:
        raise InvalidInput(_l("One of these already became a project."), field="sources")
    for proposal in proposals:
        if not oversees(actor, proposal.region):
            raise NotAllowed(_l("Only officials of the proposal's area can make it a project."))
        if proposal.status != ProposalStatus.QUALIFIED or proposal.hidden_at is not None:
            raise NotOpen(_l("Only qualified proposals can become projects."))
    for appeal in appeals:
        if not may_handle(actor, appeal):
            raise NotAllowed(_l("Only the officials handling an appeal can make it a project."))
    if department is None:
        raise InvalidInput(_l("Choose the responsible department."), field="department")
    if lead is not None and (not has_role(lead, Role.OFFICIAL) or lead.department_id != department.id):
        raise InvalidInput(_l("The lead must be an official of the responsible department."), field="lead")
    start_on, target_on = _dates(start_on, target_on)
    region_id = _common_region(proposals, appeals)
    from accounts.regions import region_tree

    if not region_tree().contains(department.region_id, region_id):
        raise InvalidInput(_l("Choose a department that serves the project's area."), field="department")
    # One decision at a time per department: two projects must not both take the last of its funds.
    _hold(Department, department.id)
    left = budget_left(department)
    if left is not None and isinstance(budget_public_minor, int) and budget_public_minor > left:
        raise InvalidInput(_l("The department has %(left)s left for projects.", left=_yuan(max(left, 0))),
                           field="budget")
    project = Project(
        title=text_field(title, "title", TITLE_MAX), description=text_field(description, "description", TEXT_MAX,
                                                                           multiline=True),
        department=department, lead=lead, region_id=region_id,
        budget_public_minor=_amount(budget_public_minor, "budget", allow_zero=True),
        currency=str(rule("MINYI_CURRENCY")), start_on=start_on, target_on=target_on, created_by_id=actor.id)
    db.session.add(project)
    if len(milestones) > MILESTONES_MAX:
        raise InvalidInput(_l("A project has at most %(n)d milestones.", n=MILESTONES_MAX), field="milestones")
    for milestone_title, milestone_on, weight in milestones:
        project.milestones.append(_milestone(milestone_title, milestone_on, weight))
    db.session.flush()

    from voting.models import Pledge, PledgeStatus, Support

    try:
        with db.session.begin_nested():  # the same sources sent twice at once: the second is told, not a 500
            db.session.add_all([ProjectSource(project_id=project.id, proposal_id=p.id) for p in proposals]
                               + [ProjectSource(project_id=project.id, appeal_id=a.id) for a in appeals])
            db.session.flush()
    except IntegrityError:
        raise InvalidInput(_l("One of these already became a project."), field="sources") from None
    told = []
    for proposal in proposals:
        proposal.status = ProposalStatus.ACCEPTED
        carried = db.session.scalars(select(Pledge).where(
            Pledge.proposal_id == proposal.id, Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED)))).all()
        for pledge in carried:
            pledge.project_id = project.id
        told += [proposal.author_id, *(p.backer_id for p in carried), *db.session.scalars(
            select(Support.user_id).where(Support.proposal_id == proposal.id))]
    for appeal in appeals:
        told += [appeal.author_id, *db.session.scalars(select(Cosign.user_id).where(Cosign.appeal_id == appeal.id))]
    db.session.add(AuditEntry(actor_id=actor.id, action="project.promote", subject_type="project",
                              subject_id=project.id, before={},
                              after={"proposals": [p.id for p in proposals], "appeals": [a.id for a in appeals]}))
    notify([uid for uid in told if uid is not None], "became_project", project_id=project.id, title=project.title)
    db.session.flush()
    return project


def _common_region(proposals, appeals) -> int:
    """The smallest region holding every source (a village, or the township or county they share)."""
    from accounts.regions import region_tree

    tree = region_tree()
    paths = [tree.path(source.region_id) for source in [*proposals, *appeals]]
    shared = paths[0]
    for path in paths[1:]:
        shared = [a for a, b in zip(shared, path, strict=False) if a == b]
    if not shared:
        raise InvalidInput(_l("The sources lie in different counties: make one project per county."),
                           field="sources")
    return shared[-1]


def _dates(start_on, target_on):
    if start_on is None or target_on is None:
        raise InvalidInput(_l("Give the start and target dates."), field="start_on" if start_on is None else "target_on")
    if target_on < start_on:
        raise InvalidInput(_l("The target date cannot be before the start."), field="target_on")
    return start_on, target_on


def _amount(value, field, allow_zero=False) -> int:
    """A sum of money in minor units: a whole number, not negative (or above zero), not absurd."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_l("Give the amount as a number."), field=field)
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(_l("The amount must be more than zero."), field=field)
    if value > 10**14:  # a trillion yuan: a typo, not a village project
        raise InvalidInput(_l("That amount is far too large; check the number."), field=field)
    return value


def _milestone(title, target_on, weight) -> Milestone:
    if target_on is None:
        raise InvalidInput(_l("Give the milestone's target date."), field="milestones")
    if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
        raise InvalidInput(_l("A milestone's weight is a whole number from 1 to 100."), field="milestones")
    return Milestone(title=text_field(title, "milestones", TITLE_MAX), target_on=target_on, weight=weight)


# -- doing ---------------------------------------------------------------------------------------------------


def add_milestone(project: Project, *, actor: User, title: str, target_on: date | None, weight: int = 1) -> Milestone:
    _check_editor(actor, project)
    if len(project.milestones) >= MILESTONES_MAX:
        raise InvalidInput(_l("A project has at most %(n)d milestones.", n=MILESTONES_MAX), field="title")
    milestone = _milestone(title, target_on, weight)
    project.milestones.append(milestone)
    db.session.flush()
    return milestone


def complete_milestone(milestone: Milestone, *, actor: User, done_on: date | None = None) -> Milestone:
    project = milestone.project
    _check_editor(actor, project)
    if project.status == ProjectStatus.COMPLETED:
        raise NotOpen(_l("The project is finished."))
    if milestone.done_on is not None:  # the public record keeps the day it was really done
        raise NotOpen(_l("This milestone was already done on %(date)s.", date=milestone.done_on.isoformat()))
    milestone.done_on = done_on or today()
    if project.status == ProjectStatus.PLANNED:
        project.status = ProjectStatus.IN_PROGRESS
    db.session.flush()
    return milestone


def progress(project: Project) -> int:
    """Per cent done: the weight of the milestones done over the weight of all (never typed by hand)."""
    total = sum(m.weight for m in project.milestones)
    if not total:
        return 100 if project.status == ProjectStatus.COMPLETED else 0
    return round(100 * sum(m.weight for m in project.milestones if m.done_on is not None) / total)


def late_milestones(project: Project, on: date | None = None) -> list[Milestone]:
    on = on or today()
    return [m for m in project.milestones if m.late(on)]


def post_update(project: Project, *, actor: User, body: str, photos: list[bytes] = (), storage=None,
                caption: str | None = None) -> ProjectUpdate:
    """A progress report, with photos of the work (checked and re-encoded; one bad file refuses them all)."""
    _check_editor(actor, project)
    most = int(rule("MINYI_IMAGES_PER_PROPOSAL"))
    if len(photos) > most:
        raise InvalidInput(_l("Send at most %(n)d photos.", n=most), field="photos")
    update = ProjectUpdate(project_id=project.id, author_id=actor.id,
                           body=text_field(body, "body", TEXT_MAX, multiline=True))
    db.session.add(update)
    if project.status == ProjectStatus.PLANNED:
        project.status = ProjectStatus.IN_PROGRESS
    db.session.flush()
    _keep_photos(project, photos, storage, update_id=update.id,
                 alt_text=text_field(caption, "caption", 200, required=False) or "")
    return update


def _keep_photos(project, photos, storage, alt_text="", **owner):
    from core.photos import decode

    for data in photos:  # all are checked before any is written
        try:
            decode(data)
        except InvalidInput as error:
            raise InvalidInput(error.message, field="photos" if "update_id" in owner else "receipt") from None
    for data in photos:
        db.session.add(ProjectPhoto(project_id=project.id, alt_text=alt_text, **owner, **store_photo(data, storage)))
    db.session.flush()


def photos_of(project: Project) -> dict:
    """(update id or expenditure id) → its photos, for the project page."""
    found = {}
    for photo in db.session.scalars(select(ProjectPhoto).where(ProjectPhoto.project_id == project.id)
                                    .order_by(ProjectPhoto.id)):
        key = ("update", photo.update_id) if photo.update_id else ("expenditure", photo.expenditure_id)
        found.setdefault(key, []).append(photo)
    return found


def complete_project(project: Project, *, actor: User) -> Project:
    """Finished: every milestone done. Residents may now rate it."""
    _check_editor(actor, project)
    if any(m.done_on is None for m in project.milestones):
        raise InvalidInput(_l("Some milestones are not done yet."), field="milestones")
    project.status, project.completed_at = ProjectStatus.COMPLETED, utcnow()
    db.session.flush()
    return project


# -- the money trail -----------------------------------------------------------------------------------------


@dataclass
class Money:
    """The project's money, by source, in minor units. ``total_*`` are the sums of the sources."""

    budget_public: int
    spent_public: int
    pledged_money: int      # residents' money pledges carried over (open or committed)
    collected: int          # of which received (the treasurer's ledger)
    spent_residents: int
    pledged_in_kind: int    # estimated worth of pledged hours and materials

    @property
    def remaining_public(self) -> int:
        return self.budget_public - self.spent_public

    @property
    def remaining_residents(self) -> int:
        return self.collected - self.spent_residents

    @property
    def total_available(self) -> int:
        return self.budget_public + self.collected

    @property
    def total_spent(self) -> int:
        return self.spent_public + self.spent_residents

    @property
    def total_remaining(self) -> int:
        return self.remaining_public + self.remaining_residents


def money(project: Project) -> Money:
    return money_of([project])[project.id]


def money_of(projects: list[Project]) -> dict[int, Money]:
    """The money of many projects at once (three grouped queries, whatever their number)."""
    from voting.models import Collection, Pledge, PledgeKind, PledgeStatus

    ids = [p.id for p in projects]
    spent = {}
    for project_id, source, total in db.session.execute(
            select(Expenditure.project_id, Expenditure.source, func.sum(Expenditure.amount_minor))
            .where(Expenditure.project_id.in_(ids)).group_by(Expenditure.project_id, Expenditure.source)):
        spent[project_id, source] = int(total)
    pledged = {}
    for project_id, kind, total in db.session.execute(
            select(Pledge.project_id, Pledge.kind,
                   func.sum(func.coalesce(Pledge.amount_minor, Pledge.estimated_value_minor, 0)))
            .where(Pledge.project_id.in_(ids), Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED)))
            .group_by(Pledge.project_id, Pledge.kind)):
        key = (project_id, kind == PledgeKind.MONEY)
        pledged[key] = pledged.get(key, 0) + int(total or 0)
    collected = dict(db.session.execute(
        select(Pledge.project_id, func.sum(Collection.amount_minor)).select_from(Collection)
        .join(Pledge, Collection.pledge_id == Pledge.id).where(Pledge.project_id.in_(ids))
        .group_by(Pledge.project_id)).all())
    return {p.id: Money(budget_public=p.budget_public_minor, spent_public=spent.get((p.id, FundSource.PUBLIC), 0),
                        pledged_money=pledged.get((p.id, True), 0), collected=int(collected.get(p.id) or 0),
                        spent_residents=spent.get((p.id, FundSource.RESIDENTS), 0),
                        pledged_in_kind=pledged.get((p.id, False), 0))
            for p in projects}


def record_expenditure(project: Project, *, actor: User, amount_minor: int, spent_on: date | None, payee: str,
                       purpose: str, source: str, receipt_number: str | None = None, receipt_photo: bytes | None = None,
                       storage=None) -> Expenditure:
    """A payment out of the project's money. It cannot spend more of a source than is left in it."""
    _check_editor(actor, project)
    amount = _amount(amount_minor, "amount")
    if source not in set(FundSource):
        raise InvalidInput(_l("Choose whose money paid it."), field="source")
    if spent_on is None or spent_on > today():
        raise InvalidInput(_l("Give the day it was paid (not in the future)."), field="spent_on")
    # One payment at a time per project: two at once must not both spend the last of a source.
    _hold(Project, project.id)
    now = money(project)
    left = now.remaining_public if source == FundSource.PUBLIC else now.remaining_residents
    if amount > left:
        raise InvalidInput(_l("This is more than is left of that money (%(left)s).", left=_yuan(left)),
                           field="amount")
    receipt = text_field(receipt_number, "receipt_number", 60, required=False)
    if receipt and db.session.scalar(select(Expenditure.id).where(Expenditure.receipt_number == receipt)):
        raise InvalidInput(_l("A payment with this receipt number is already recorded."), field="receipt_number")
    expenditure = Expenditure(project_id=project.id, amount_minor=amount, spent_on=spent_on,
                              payee=text_field(payee, "payee", PAYEE_MAX), purpose=text_field(purpose, "purpose",
                                                                                             PURPOSE_MAX),
                              source=source, receipt_number=receipt, recorded_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(expenditure)
            db.session.flush()
    except IntegrityError:
        raise InvalidInput(_l("A payment with this receipt number is already recorded."),
                           field="receipt_number") from None
    if receipt_photo:
        _keep_photos(project, [receipt_photo], storage, expenditure_id=expenditure.id)
    return expenditure


def _yuan(minor: int) -> str:
    return f"{minor / 100:,.2f}"


# -- judging -------------------------------------------------------------------------------------------------


def may_rate(user: User | None, project: Project) -> bool:
    """Residents of the project's area and everyone who backed it, once it is finished."""
    from accounts.regions import region_tree
    from voting.models import Pledge

    if user is None or not getattr(user, "is_authenticated", False) or project.status != ProjectStatus.COMPLETED:
        return False
    if has_role(user, Role.RESIDENT) and user.is_verified and region_tree().contains(project.region_id, user.region_id):
        return True
    from voting.models import PledgeStatus

    return db.session.scalar(select(Pledge.id).where(
        Pledge.project_id == project.id, Pledge.backer_id == user.id,
        Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED))).limit(1)) is not None


def rate_project(project: Project, *, actor: User, score: int, comment: str | None = None) -> ProjectRating:
    if project.status != ProjectStatus.COMPLETED:
        raise NotOpen(_l("A project can be rated when it is finished."))
    if not may_rate(actor, project):
        raise NotAllowed(_l("Residents of the project's area and its backers can rate it."))
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput(_l("Choose from 1 to 5 stars."), field="score")
    rating = db.session.scalar(select(ProjectRating).where(ProjectRating.project_id == project.id,
                                                           ProjectRating.user_id == actor.id))
    if rating is None:
        rating = ProjectRating(project_id=project.id, user_id=actor.id, score=score)
        db.session.add(rating)
    rating.score, rating.comment = score, text_field(comment, "comment", 2000, required=False, multiline=True)
    rating.created_at = utcnow()
    db.session.flush()
    return rating


def score(project: Project) -> tuple[float | None, int]:
    """(average stars, how many rated)."""
    average, count = db.session.execute(select(func.avg(ProjectRating.score), func.count()).where(
        ProjectRating.project_id == project.id)).one()
    return (round(float(average), 1) if average is not None else None), count


def report_not_done(project: Project, *, actor: User, body: str) -> Appeal:
    """A resident says the finished project did not solve the problem: a follow-up appeal to the responsible
    department, linked to the project (and counted like any appeal)."""
    from appeals.services import submit_appeal

    if project.status != ProjectStatus.COMPLETED:
        raise NotOpen(_l("The project is not finished yet; its officials still answer for it."))
    if not may_rate(actor, project) or not has_role(actor, Role.RESIDENT):
        raise NotAllowed(_l("Residents of the project's area and its backers can report it."))
    source = project.sources[0]
    category = source.proposal.category if source.proposal_id else source.appeal.category
    appeal = submit_appeal(actor=actor, body=body, category=category, village=actor.region,
                           department=project.department)
    appeal.follow_up_project_id = project.id
    db.session.flush()
    return appeal


# -- in kind -------------------------------------------------------------------------------------------------


def confirm_delivery(pledge, *, actor: User, hours: int | None = None, quantity=None):
    """An official confirms the hours a volunteer worked or the materials received against a pledge."""
    from decimal import Decimal, InvalidOperation

    from voting.models import PledgeKind, PledgeStatus

    project = db.session.get(Project, pledge.project_id) if pledge.project_id else None
    if project is None:
        raise NotOpen(_l("This pledge is not part of a project."))
    _check_editor(actor, project)
    if pledge.status not in (PledgeStatus.PLEDGED, PledgeStatus.COMMITTED):
        raise NotOpen(_l("This pledge was released or cancelled."))
    if pledge.kind == PledgeKind.HOURS:
        if isinstance(hours, bool) or not isinstance(hours, int) or not 0 < hours <= 10_000:
            raise InvalidInput(_l("Give the hours worked, a whole number above zero."), field="hours")
        pledge.delivered_hours = hours
    elif pledge.kind == PledgeKind.MATERIALS:
        try:
            amount = Decimal(str(quantity))
        except (InvalidOperation, ValueError):
            amount = Decimal(0)
        if not amount.is_finite() or not 0 < amount < Decimal("1e9"):
            raise InvalidInput(_l("Give the quantity received, a number above zero."), field="quantity")
        pledge.delivered_quantity = amount.quantize(Decimal("0.01"))
    else:
        raise InvalidInput(_l("Money is recorded in the ledger, not here."), field="kind")
    pledge.delivered_at, pledge.delivered_by_id = utcnow(), actor.id
    db.session.flush()
    return pledge


# -- the dashboard -------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Every project at a glance, for the public dashboard."""

    by_status: dict
    finished_on_time: int
    finished_late: int
    running_behind: int
    budget: int          # public funds and residents' money collected
    spent: int
    average_score: float | None
    ratings: int


def figures(on: date | None = None) -> Figures:
    on = on or today()
    counts = dict(db.session.execute(select(Project.status, func.count()).group_by(Project.status)).all())
    finished = db.session.execute(select(Project.completed_at, Project.target_on).where(
        Project.status == ProjectStatus.COMPLETED)).all()
    zone = local_zone()
    on_time = sum(1 for completed, target in finished if completed.astimezone(zone).date() <= target)
    behind = db.session.scalar(select(func.count(func.distinct(Milestone.project_id))).join(Project).where(
        Project.status != ProjectStatus.COMPLETED, Milestone.done_on.is_(None), Milestone.target_on < on))
    from voting.models import Collection, Pledge

    budget = db.session.scalar(select(func.coalesce(func.sum(Project.budget_public_minor), 0)))
    collected = db.session.scalar(select(func.coalesce(func.sum(Collection.amount_minor), 0)).select_from(Collection)
                                  .join(Pledge, Collection.pledge_id == Pledge.id).where(Pledge.project_id.is_not(None)))
    spent = db.session.scalar(select(func.coalesce(func.sum(Expenditure.amount_minor), 0)))
    average, ratings = db.session.execute(select(func.avg(ProjectRating.score), func.count(ProjectRating.id))).one()
    return Figures(by_status={s: counts.get(s, 0) for s in ProjectStatus}, finished_on_time=on_time,
                   finished_late=len(finished) - on_time, running_behind=behind, budget=int(budget + collected),
                   spent=int(spent), average_score=round(float(average), 1) if average is not None else None,
                   ratings=ratings)


# -- volunteers ----------------------------------------------------------------------------------------------


def add_task(project: Project, *, actor: User, title: str, on: date | None, hours: int, places: int) -> ProjectTask:
    _check_editor(actor, project)
    if on is None or on < today():
        raise InvalidInput(_l("Give the day of the work (today or later)."), field="on")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 24:
        raise InvalidInput(_l("A shift lasts from 1 to 24 hours."), field="hours")
    if isinstance(places, bool) or not isinstance(places, int) or not 1 <= places <= 500:
        raise InvalidInput(_l("Ask for 1 to 500 volunteers."), field="places")
    task = ProjectTask(project_id=project.id, title=text_field(title, "title", TITLE_MAX), on=on, hours=hours,
                       places=places)
    db.session.add(task)
    db.session.flush()
    return task


def may_volunteer(user: User | None, project: Project) -> bool:
    """Backers who pledged hours to the project (and have not cancelled)."""
    from voting.models import Pledge, PledgeKind, PledgeStatus

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(Pledge.id).where(
        Pledge.project_id == project.id, Pledge.backer_id == user.id, Pledge.kind == PledgeKind.HOURS,
        Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED))).limit(1)) is not None


def sign_up(task: ProjectTask, *, actor: User) -> TaskSignup:
    """A volunteer takes a place on a shift (once; while places are left and the day has not passed)."""
    if not may_volunteer(actor, task.project):
        raise NotAllowed(_l("Volunteers who pledged hours to this project can sign up."))
    if task.on < today() or task.project.status == ProjectStatus.COMPLETED:
        raise NotOpen(_l("This shift is over."))
    _hold(ProjectTask, task.id)  # one sign-up at a time
    if db.session.get(TaskSignup, (task.id, actor.id)) is not None:
        raise InvalidInput(_l("You are already signed up for this shift."), field="task")
    taken = db.session.scalar(select(func.count()).select_from(TaskSignup).where(TaskSignup.task_id == task.id))
    if taken >= task.places:
        raise InvalidInput(_l("This shift is full."), field="task")
    signup = TaskSignup(task_id=task.id, user_id=actor.id)
    db.session.add(signup)
    db.session.flush()
    return signup


def withdraw_signup(task: ProjectTask, *, actor: User) -> None:
    if task.on < today():
        raise NotOpen(_l("This shift is over."))  # the record of who worked stays
    signup = db.session.get(TaskSignup, (task.id, actor.id)) if actor is not None else None
    if signup is None:
        raise InvalidInput(_l("You are not signed up for this shift."), field="task")
    db.session.delete(signup)
    db.session.flush()


def my_shifts(user: User, *, since: date | None = None) -> list[ProjectTask]:
    """The shifts a volunteer signed up for, from ``since`` (today) on, soonest first."""
    return db.session.scalars(select(ProjectTask).join(TaskSignup).where(
        TaskSignup.user_id == user.id, ProjectTask.on >= (since or today())).order_by(ProjectTask.on, ProjectTask.id)
        .options(selectinload(ProjectTask.project))).all()
