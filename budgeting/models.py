"""Budget cycles: the money set aside for a region, its parts, the projects residents vote on, and ballots.

A ballot belongs to one resident and one part; the unique constraint on (part, voter) is the one-ballot rule
whatever the channel (web today; kiosk and paper later record against the same row). A cycle loaded from a
published `.pb` file (`budgeting.imports`) is read-only and its ballots have no voter: the file's voters are
nobody's account, and a check keeps anonymous ballots to that one channel."""

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.regions import Region
from accounts.users import User
from core.db import UTCDateTime, db, one_of, utcnow
from core.rules import rule
from projects.models import Project
from proposals.models import Proposal


class Phase(enum.StrEnum):
    """The phases of a cycle, in order."""
    COLLECTING = "collecting"
    REVIEWING = "reviewing"
    VOTING = "voting"
    COUNTING = "counting"
    FINISHED = "finished"
    #: Stopped by officials before it finished, with a public reason; its ballots are kept and never counted.
    CANCELLED = "cancelled"


#: The phases a cycle goes through, in order (a cancelled cycle leaves this path).
PHASES = (Phase.COLLECTING, Phase.REVIEWING, Phase.VOTING, Phase.COUNTING, Phase.FINISHED)
#: The phases in which officials may still change a cycle's settings (nobody has voted yet).
EDITABLE = (Phase.COLLECTING, Phase.REVIEWING)


class Rule(enum.StrEnum):
    """How a cycle's votes are counted (the counting core's names, budgeting.counting.RULES)."""
    EQUAL_SHARES = "equalshares/add1"   # the Method of Equal Shares with completion
    GREEDY = "greedy"                   # most votes first, while the money lasts


class BallotStyle(enum.StrEnum):
    """What limits a ballot: the part's money, a number of projects, or both."""
    SPENDING_LIMIT = "spending_limit"
    UP_TO_K = "up_to_k"
    BOTH = "both"


class ProjectStatus(enum.StrEnum):
    PROPOSED = "proposed"   # entered or submitted, not reviewed yet
    FEASIBLE = "feasible"   # reviewed: on the ballot
    REJECTED = "rejected"   # reviewed: not on the ballot (the reason is public)


class Channel(enum.StrEnum):
    """How a ballot was cast."""
    WEB = "web"
    KIOSK = "kiosk"
    PAPER = "paper"
    #: Loaded from a published .pb file: no account behind it.
    IMPORTED = "imported"


class BudgetCycle(db.Model):
    __tablename__ = "budget_cycles"
    __table_args__ = (
        CheckConstraint(one_of("phase", Phase), name="phase_known"),
        CheckConstraint(one_of("ballot_style", BallotStyle), name="ballot_style_known"),
        CheckConstraint("total_minor > 0", name="total_positive"),
        CheckConstraint("ballot_style = 'spending_limit' OR (max_choices IS NOT NULL AND max_choices > 0)",
                        name="max_choices_given"),
        CheckConstraint("collecting_until <= reviewing_until AND reviewing_until <= voting_until",
                        name="dates_in_order"),
        CheckConstraint(one_of("rule", Rule), name="rule_known"),
        CheckConstraint("phase <> 'cancelled' OR cancel_reason IS NOT NULL", name="cancellation_reasoned"),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The region whose residents decide (a county, township or village).
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    #: The cycle's name, e.g. "2027 village budget".
    title: Mapped[str] = mapped_column(String(200))
    #: The whole amount set aside, in minor units (fen): the sum of its parts.
    total_minor: Mapped[int] = mapped_column(BigInteger)
    #: The phase the cycle is in now; officials move it on (Phase).
    phase: Mapped[str] = mapped_column(String(16), default=Phase.COLLECTING)
    #: What limits a ballot (BallotStyle).
    ballot_style: Mapped[str] = mapped_column(String(16), default=BallotStyle.SPENDING_LIMIT)
    #: The most projects one ballot may choose (k), for the styles that limit the number.
    max_choices: Mapped[int | None] = mapped_column(Integer)
    #: Last day projects can be entered (planned, shown to residents).
    collecting_until: Mapped[date] = mapped_column(Date)
    #: Last day of the officials' review (planned).
    reviewing_until: Mapped[date] = mapped_column(Date)
    #: Last day of voting, in the residents' time zone; voting closes by itself when it is over.
    voting_until: Mapped[date] = mapped_column(Date)
    #: How its votes are counted, chosen when it is opened (Rule).
    rule: Mapped[str] = mapped_column(String(24), default=Rule.EQUAL_SHARES, server_default=Rule.EQUAL_SHARES)
    #: What the last count failed with, shown to officials; None when it did not fail.
    count_error: Mapped[str | None] = mapped_column(Text)
    #: When an official closed voting; a kiosk ballot cast before it is still taken when it arrives later.
    voting_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who opened it.
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: When it was opened.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When officials cancelled it (NULL unless cancelled).
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The officials' public reason for cancelling it.
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    #: For a cycle loaded from a published .pb file, that file's META (description, country, unit, currency, its
    #: rule...); None for a cycle run here. An imported cycle is read-only.
    source_meta: Mapped[dict | None] = mapped_column(JSON)

    region: Mapped[Region] = relationship()
    parts: Mapped[list["BudgetPart"]] = relationship(back_populates="cycle", order_by="BudgetPart.id",
                                                     cascade="all, delete-orphan")

    @property
    def amounts(self) -> dict[str, int]:
        """Each part's money by the id of its area (how the audit log keeps it)."""
        return {str(part.region_id): part.amount_minor for part in self.parts}

    @property
    def late_ballots_until(self) -> datetime | None:
        """Until when ballots a kiosk took before voting closed are still taken when they arrive (a village kiosk
        may have been offline), and so when counting may begin: MINYI_LATE_BALLOT_HOURS after voting closed."""
        if self.voting_closed_at is None:
            return None
        return self.voting_closed_at + timedelta(hours=float(rule("MINYI_LATE_BALLOT_HOURS")))

    @property
    def imported(self) -> bool:
        return self.source_meta is not None

    @property
    def currency(self) -> str:
        """The currency of its amounts: yuan, or the published file's (e.g. PLN for a Polish city)."""
        return (self.source_meta or {}).get("currency") or "CNY"

    @property
    def limits_money(self) -> bool:
        return self.ballot_style in (BallotStyle.SPENDING_LIMIT, BallotStyle.BOTH)

    @property
    def limits_count(self) -> bool:
        return self.ballot_style in (BallotStyle.UP_TO_K, BallotStyle.BOTH)


class BudgetPart(db.Model):
    """A share of a cycle's money for one area (CONSUL's heading): a township or village, or the whole region
    (the county-wide part). Residents vote in every part whose area contains where they live."""
    __tablename__ = "budget_parts"
    __table_args__ = (UniqueConstraint("cycle_id", "region_id", name="uq_budget_parts_cycle_region"),
                      CheckConstraint("amount_minor > 0", name="amount_positive"))

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The cycle it is part of.
    cycle_id: Mapped[int] = mapped_column(ForeignKey("budget_cycles.id", ondelete="CASCADE"), index=True)
    #: The area whose residents vote in it (the cycle's own region for the region-wide part).
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"))
    #: Its money, in minor units.
    amount_minor: Mapped[int] = mapped_column(BigInteger)

    cycle: Mapped[BudgetCycle] = relationship(back_populates="parts")
    region: Mapped[Region] = relationship()


class BudgetProject(db.Model):
    """A costed project on a cycle: a qualified proposal an official entered, or one a resident submitted."""
    __tablename__ = "budget_projects"
    __table_args__ = (CheckConstraint(one_of("status", ProjectStatus), name="status_known"),
                      CheckConstraint("cost_minor > 0", name="cost_positive"),
                      CheckConstraint("status <> 'rejected' OR review_reason IS NOT NULL", name="rejection_reasoned"),
                      UniqueConstraint("part_id", "proposal_id", name="uq_budget_projects_part_proposal"))

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The part whose voters decide on it.
    part_id: Mapped[int] = mapped_column(ForeignKey("budget_parts.id", ondelete="CASCADE"), index=True)
    #: The qualified proposal it comes from, if any.
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    #: Who entered or submitted it.
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Its name on the ballot.
    title: Mapped[str] = mapped_column(String(200))
    #: What would be done.
    description: Mapped[str] = mapped_column(Text, default="")
    #: What it costs, in minor units (as submitted, then as reviewed).
    cost_minor: Mapped[int] = mapped_column(BigInteger)
    #: Where it stands in review (ProjectStatus).
    status: Mapped[str] = mapped_column(String(16), default=ProjectStatus.PROPOSED)
    #: The officials' public reason for the last change of cost or for rejecting it.
    review_reason: Mapped[str | None] = mapped_column(Text)
    #: When it was entered.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Its project_id in the published .pb file it was loaded from (imported cycles only).
    source_id: Mapped[str | None] = mapped_column(String(100))
    #: Whether that file marks it selected, i.e. what the city funded (imported cycles only).
    source_selected: Mapped[bool | None] = mapped_column(Boolean)

    part: Mapped[BudgetPart] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    #: The project it became once it won and an official turned it into one (budget_winner_projects).
    project: Mapped[Project | None] = relationship(secondary="budget_winner_projects", uselist=False)


class Ballot(db.Model):
    """One resident's ballot in one part; changed in place until voting closes. A ballot loaded from a published
    file has no voter (each is a different, unknown person; NULLs never collide in the unique constraint)."""
    __tablename__ = "budget_ballots"
    __table_args__ = (UniqueConstraint("part_id", "voter_id", name="uq_budget_ballots_part_voter"),
                      CheckConstraint(one_of("channel", Channel), name="channel_known"),
                      CheckConstraint("(voter_id IS NULL AND channel = 'imported') OR "
                                      "(voter_id IS NOT NULL AND channel <> 'imported')",
                                      name="anonymous_only_imported"))

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The part voted in.
    part_id: Mapped[int] = mapped_column(ForeignKey("budget_parts.id", ondelete="CASCADE"), index=True)
    #: The resident; never shown to officials next to the choices. None only for a ballot loaded from a file.
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: How it was last cast (Channel).
    channel: Mapped[str] = mapped_column(String(8), default=Channel.WEB)
    #: When it was first cast.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When it was last changed.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    part: Mapped[BudgetPart] = relationship()
    voter: Mapped[User | None] = relationship()
    choices: Mapped[list["BallotChoice"]] = relationship(cascade="all, delete-orphan")


class BallotChoice(db.Model):
    """A project a ballot approves."""
    __tablename__ = "budget_ballot_choices"

    #: The ballot.
    ballot_id: Mapped[int] = mapped_column(ForeignKey("budget_ballots.id", ondelete="CASCADE"), primary_key=True)
    #: The project approved.
    project_id: Mapped[int] = mapped_column(ForeignKey("budget_projects.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)


class BudgetResult(db.Model):
    """A part's counted result: every project's outcome under the cycle's rule, with the facts that explain it,
    and what greedy counting would have chosen (for comparison). Written by the counting job, once per part."""
    __tablename__ = "budget_results"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The part counted (one result each).
    part_id: Mapped[int] = mapped_column(ForeignKey("budget_parts.id", ondelete="CASCADE"), unique=True)
    #: The rule it was counted by (Rule).
    rule: Mapped[str] = mapped_column(String(24))
    #: The count under the rule (budgeting.results.as_plain of budgeting.counting.Result): winners, per project
    #: its votes, cost, outcome and the amounts that explain it; exact amounts as "n/d" text.
    outcome: Mapped[dict] = mapped_column(JSON)
    #: The same election counted greedily, for the comparison on the results page.
    greedy: Mapped[dict] = mapped_column(JSON)
    #: When it was counted.
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    part: Mapped[BudgetPart] = relationship()


class WinnerProject(db.Model):
    """The project a winning budget project became (budgeting.winners): one each way."""
    __tablename__ = "budget_winner_projects"

    #: The winning budget project.
    budget_project_id: Mapped[int] = mapped_column(ForeignKey("budget_projects.id", ondelete="CASCADE"),
                                                   primary_key=True)
    #: The project officials made of it.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True)


class BallotCode(db.Model):
    """A one-time code an official gives a resident in person, to vote at a kiosk. Only its digest is kept; it
    works once, until voting closes, and can be cancelled. It says who voted (to keep one ballot per part), never
    what."""
    __tablename__ = "budget_ballot_codes"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The cycle it votes in (every part of it where the resident lives).
    cycle_id: Mapped[int] = mapped_column(ForeignKey("budget_cycles.id", ondelete="CASCADE"), index=True)
    #: The resident it was given to, after the official checked who they are.
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the cycle and the code: the code itself is never stored.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: The official who gave it.
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: When it was given.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a ballot was cast with it (as the kiosk says); None while unused.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The kiosk's id of that ballot: the same ballot delivered again is answered, not refused.
    ballot_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    #: The kiosk it was used at.
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id", ondelete="SET NULL"))
    #: When an official cancelled it (lost, or given by mistake); None while it stands.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cycle: Mapped[BudgetCycle] = relationship()
    voter: Mapped[User] = relationship(foreign_keys=[voter_id])
