"""Supports (one per resident and proposal), pledges of money, hours and materials, and collections."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.users import User
from core.db import UTCDateTime, db, one_of, utcnow
from proposals.models import Proposal


class Support(db.Model):
    """A verified resident's vote for a proposal. The unique constraint is the one-person-one-vote rule."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id", name="uq_supports_proposal_user"),)

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The proposal supported.
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    #: The resident who supports it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: When they supported it.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship()
    user: Mapped[User] = relationship()


class PledgeKind(enum.StrEnum):
    MONEY = "money"
    HOURS = "hours"
    MATERIALS = "materials"


class PledgeStatus(enum.StrEnum):
    PLEDGED = "pledged"      # promised, deadline not reached
    CANCELLED = "cancelled"  # withdrawn by the backer before the deadline
    COMMITTED = "committed"  # the goal was reached: the backer now owes it
    RELEASED = "released"    # the goal was missed: nobody owes anything


class Pledge(db.Model):
    __tablename__ = "pledges"
    __table_args__ = (
        CheckConstraint(one_of("kind", PledgeKind), name="kind_known"),
        CheckConstraint(one_of("status", PledgeStatus), name="status_known"),
        CheckConstraint("kind <> 'money' OR (amount_minor IS NOT NULL AND amount_minor > 0)", name="money_amount"),
        CheckConstraint("kind <> 'hours' OR (hours IS NOT NULL AND hours > 0)", name="hours_positive"),
        CheckConstraint("kind <> 'materials' OR (quantity IS NOT NULL AND quantity > 0 AND description IS NOT NULL)",
                        name="materials_described"),
        CheckConstraint("estimated_value_minor IS NULL OR estimated_value_minor >= 0", name="value_not_negative"),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The proposal pledged to.
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    #: The resident who pledged.
    backer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: money, hours or materials.
    kind: Mapped[str] = mapped_column(String(10))
    #: Money: amount in minor units (fen) of ``currency``.
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    #: ISO 4217 code of ``amount_minor``: the proposal's currency ("CNY").
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    #: Hours: how many, doing what, and when the volunteer is free.
    hours: Mapped[int | None] = mapped_column(Integer)
    #: Hours: the work the volunteer offers (e.g. "masonry").
    skill: Mapped[str | None] = mapped_column(String(80))
    #: Hours: when the volunteer is free, in their words (optional).
    availability: Mapped[str | None] = mapped_column(String(200))
    #: Materials: what, how many, in which unit.
    description: Mapped[str | None] = mapped_column(String(200))
    #: Materials: how many ``unit`` of them (two decimals).
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    #: Materials: the unit ``quantity`` counts in (e.g. "bags").
    unit: Mapped[str | None] = mapped_column(String(20))
    #: Hours and materials: the backer's estimate of their worth, in minor units.
    estimated_value_minor: Mapped[int | None] = mapped_column(BigInteger)
    #: The public list shows "anonymous"; officials still see the name.
    anonymous: Mapped[bool] = mapped_column(default=False)
    #: pledged, cancelled, committed or released (a ``PledgeStatus`` value).
    status: Mapped[str] = mapped_column(String(10), default=PledgeStatus.PLEDGED, index=True)
    #: The project it went to with its proposal (the money trail counts it there).
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    #: What the project's officials confirmed was delivered (hours worked, materials received), and when.
    delivered_hours: Mapped[int | None] = mapped_column(Integer)
    #: Materials received, in ``unit``; None until confirmed.
    delivered_quantity: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    #: When an official confirmed the delivery; None until then.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The official who confirmed it.
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: When it was pledged.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When it was cancelled, committed or released.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship()
    backer: Mapped[User] = relationship(foreign_keys=[backer_id])
    collections: Mapped[list["Collection"]] = relationship(back_populates="pledge", order_by="Collection.id")

    @property
    def value_minor(self) -> int:
        """What the pledge is worth toward a goal, in minor units."""
        return self.amount_minor if self.kind == PledgeKind.MONEY else (self.estimated_value_minor or 0)


class Collection(db.Model):
    """One entry of the cash/transfer ledger: money received against a committed pledge."""

    __tablename__ = "collections"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("method IN ('cash', 'transfer')", name="method_known"),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The committed money pledge it pays (part of).
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="RESTRICT"), index=True)
    #: The official (village treasurer) who received the money and recorded it.
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: Money received, in minor units (fen) of the pledge's currency; above zero.
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    #: cash or transfer.
    method: Mapped[str] = mapped_column(String(10))
    #: The day the money was received (not in the future).
    received_on: Mapped[date] = mapped_column(Date)
    #: Number on the paper receipt or the bank reference; unique so nothing is booked twice.
    receipt_number: Mapped[str] = mapped_column(String(60), unique=True)
    #: When it was recorded.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pledge: Mapped[Pledge] = relationship(back_populates="collections")
    recorded_by: Mapped[User] = relationship()
