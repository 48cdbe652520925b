"""Appeals: requests and complaints to officials, from the web or a kiosk.

The appeals issue adds answers, deadlines, routing rules, co-signs and ratings."""

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.db import UTCDateTime, db, one_of, utcnow
from accounts.regions import Category, Department, Region
from accounts.users import User


class AppealStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"



RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed on a keypad


def new_receipt_code() -> str:
    """Eight unambiguous characters shown as XXXX-XXXX (31^8 ≈ 850 billion codes)."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


class Appeal(db.Model):
    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint(one_of("status", AppealStatus), name="status_known"),
        CheckConstraint("channel IN ('web', 'kiosk')", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Code with which anyone holding it follows the appeal without an account.
    receipt_code: Mapped[str] = mapped_column(String(9), unique=True, default=new_receipt_code)
    #: What the resident asks or reports.
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    #: The village the appeal concerns.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    #: NULL for kiosk appeals made without an account.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The department responsible for answering.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"), index=True)
    #: web or kiosk.
    channel: Mapped[str] = mapped_column(String(8), default="web")
    #: Public appeals appear on the message board; private ones only to their officials.
    public: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default=AppealStatus.SUBMITTED, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    category: Mapped[Category] = relationship()
    region: Mapped[Region] = relationship()
    author: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship()
