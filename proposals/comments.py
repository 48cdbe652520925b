"""Comments on proposals (with a stance, one level of replies) and flags residents raise on content."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.users import User
from core.db import UTCDateTime, db, one_of, utcnow
from proposals.models import Proposal


class Stance(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"
    NEUTRAL = "neutral"


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (CheckConstraint(one_of("stance", Stance), name="stance_known"),)

    #: Primary key (comments and replies are shown in its order).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The proposal discussed.
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    #: Who wrote it.
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: The comment this one answers; replies are one level deep (a reply to a reply joins its thread).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    #: for, against or neutral.
    stance: Mapped[str] = mapped_column(String(8), default=Stance.NEUTRAL)
    #: What the author wrote.
    body: Mapped[str] = mapped_column(Text)
    #: When it was posted.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Last edit; authors may edit for a short while after posting.
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Hidden by a moderator or by flags; the text is kept for review.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why it was hidden: the moderator's words, or "auto:reports" when flags hid it; None when shown.
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    proposal: Mapped[Proposal] = relationship()
    author: Mapped[User] = relationship()
    replies: Mapped[list["Comment"]] = relationship(order_by="Comment.id")


class Flag(db.Model):
    """A resident's report that a proposal or comment breaks the rules. One per person and item."""

    __tablename__ = "flags"
    __table_args__ = (
        CheckConstraint("target IN ('proposal', 'comment')", name="target_known"),
        UniqueConstraint("target", "target_id", "user_id", name="uq_flags_once_per_person"),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: proposal or comment.
    target: Mapped[str] = mapped_column(String(10))
    #: The id of the proposal or comment reported.
    target_id: Mapped[int] = mapped_column(index=True)
    #: The resident who reported it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: What they say is wrong with it.
    reason: Mapped[str] = mapped_column(String(200))
    #: When it was reported.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when a moderator has looked at it (kept hidden or restored).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
