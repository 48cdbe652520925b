"""Proposals: ideas residents put forward, back with supports and pledges, and discuss."""

import enum
import math
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Index, String, Text, case, cast, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.regions import Category, Region, region_tree
from accounts.users import User
from core.db import UTCDateTime, db, one_of, utcnow


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    QUALIFIED = "qualified"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Scope(enum.StrEnum):
    """Whose supports count: residents of the proposal's village, its township or its county."""

    VILLAGE = "village"
    TOWNSHIP = "township"
    COUNTY = "county"


#: Statuses in which residents can still support, pledge and comment.
ACTIVE = (ProposalStatus.OPEN, ProposalStatus.QUALIFIED)


class Proposal(db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(one_of("status", ProposalStatus), name="status_known"),
        CheckConstraint(one_of("scope", Scope), name="scope_known"),
        CheckConstraint("supports_count >= 0", name="supports_not_negative"),
        CheckConstraint("goal_minor IS NULL OR goal_minor > 0", name="goal_positive"),
        CheckConstraint("(goal_minor IS NULL) = (deadline IS NULL)", name="goal_has_deadline"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"),
        Index("ix_proposals_region_id_id", "region_id", "id"),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: One-line summary.
    title: Mapped[str] = mapped_column(String(200))
    #: The idea in the author's words.
    body: Mapped[str] = mapped_column(Text)
    #: Language the author wrote in (zh_Hans or en); content is not machine-translated.
    language: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    #: What kind of idea it is (roads, water …).
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    #: The village the proposal is for.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    #: The resident who made it.
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: open → qualified → accepted | rejected | withdrawn | expired.
    status: Mapped[str] = mapped_column(String(16), default=ProposalStatus.OPEN, index=True)
    #: Who may support it: residents of the village, the township or the county.
    scope: Mapped[str] = mapped_column(String(16), default=Scope.VILLAGE)
    #: Optional place: coordinates and/or an address in words.
    latitude: Mapped[float | None] = mapped_column(Float)
    #: Longitude of that place, in decimal degrees (WGS84); given with ``latitude`` or not at all.
    longitude: Mapped[float | None] = mapped_column(Float)
    #: The place in words.
    address: Mapped[str | None] = mapped_column(String(200))
    #: Optional funding goal in minor units (fen) of ``currency``; needs a deadline.
    goal_minor: Mapped[int | None] = mapped_column(BigInteger)
    #: ISO 4217 code of ``goal_minor`` and of money pledged to it ("CNY").
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    #: Pledges settle at this moment: committed if the goal is reached, released otherwise.
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: Whether hours and materials count toward the goal at their estimated value.
    in_kind_counts: Mapped[bool] = mapped_column(default=False)
    #: When pledges were settled (committed or released); NULL until the deadline passes.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Whether the goal was reached at settlement.
    funded: Mapped[bool | None] = mapped_column()
    #: Number of supports, kept by the database in step with the supports table.
    supports_count: Mapped[int] = mapped_column(default=0, index=True)
    #: Ranking for "trending": log of supports plus recency, updated on every support.
    hot: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    #: When it reached the threshold (entered the officials' queue).
    qualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Public reason for rejection or withdrawal.
    closing_reason: Mapped[str | None] = mapped_column(Text)
    #: Hidden by a moderator or by flags; the content is kept.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why it was hidden: the moderator's words, or "auto:reports" when flags hid it; None when shown.
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    #: When it was made.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: When the row last changed (a support changes it too); None until then.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, onupdate=utcnow)

    category: Mapped[Category] = relationship()
    region: Mapped[Region] = relationship()
    author: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.status}>"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE and self.hidden_at is None

    @property
    def scope_region_id(self) -> int:
        """The region whose verified residents may support this proposal."""
        path = region_tree().path(self.region_id)
        return {Scope.COUNTY: path[0], Scope.TOWNSHIP: path[min(1, len(path) - 1)]}.get(self.scope, self.region_id)


#: Newness in seconds that weighs as much as a tenfold of supports (12.5 hours).
HOT_SECONDS = 45000


def hot_score(supports: int, created_at: datetime) -> float:
    """Reddit-style rank: every tenfold of supports weighs as much as 12.5 hours of newness."""
    return math.log10(max(supports, 1)) + created_at.timestamp() / HOT_SECONDS


def hot_score_sql(supports, created_at: datetime):
    """``hot_score`` as SQL over a count expression, so a vote sets the count and the rank in one UPDATE
    (``log`` of one argument is the base-10 logarithm on PostgreSQL and SQLite alike)."""
    return (case((supports > 1, func.log(cast(supports, Float))), else_=0.0)
            + created_at.timestamp() / HOT_SECONDS)
