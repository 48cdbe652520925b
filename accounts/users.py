"""Users, their roles and residency verification."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.regions import Department, Region
from core.db import UTCDateTime, db, utcnow
from core.search import grams_of


class Role(enum.StrEnum):
    RESIDENT = "resident"
    OFFICIAL = "official"
    MODERATOR = "moderator"
    ADMIN = "admin"


class VerificationMethod(enum.StrEnum):
    IN_PERSON = "in_person"
    CENSUS = "census"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('resident', 'official', 'moderator', 'admin')", name="role_known"),
        CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="has_login"),
        CheckConstraint("role <> 'official' OR department_id IS NOT NULL", name="official_has_department"),
        CheckConstraint(
            "(verified_at IS NULL) = (verification_method IS NULL)", name="verification_complete"
        ),
        # Counting verified residents of a region (the qualification threshold) reads only this index.
        Index("ix_users_verified_residents", "region_id",
              postgresql_where=text("role = 'resident' AND verified_at IS NOT NULL"),
              sqlite_where=text("role = 'resident' AND verified_at IS NOT NULL")),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Mobile number in E.164 form (+8613800138000); unique when present.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    #: Lower-cased email address; unique when present.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    #: Argon2id hash of the password (never the password itself).
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Name shown next to what the user writes.
    display_name: Mapped[str] = mapped_column(String(80))
    #: resident, official, moderator or admin.
    role: Mapped[str] = mapped_column(String(16), default=Role.RESIDENT, index=True)
    #: For officials: the department they answer for.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    #: Residents: their village. Staff: the region they work in.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    #: When residency was verified; NULL while unverified.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: in_person (checked by an official) or census (matched the imported list).
    verification_method: Mapped[str | None] = mapped_column(String(16))
    #: The official who verified in person.
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Preferred interface language (zh_Hans or en); NULL follows the browser.
    locale: Mapped[str | None] = mapped_column(String(10))
    #: Deactivated accounts cannot log in; their content stays.
    active: Mapped[bool] = mapped_column(default=True)
    #: Bumped on password change so other sessions are logged out.
    session_version: Mapped[int] = mapped_column(default=1)
    #: When the account was made.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When they last signed in with their password; None before that and once deleted.
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Wrong passwords given in a row; at MINYI_LOCKOUT_FAILURES the account is locked for a while.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Until then nobody can sign in to the account, not even with the right password.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The resident deleted their account: nothing of who they were is kept (privacy/personal_data.py).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()
    region: Mapped[Region | None] = relationship()
    verified_by: Mapped["User | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    # Flask-Login: the session stores id and version, so a password change ends old sessions.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @staticmethod
    def searched(*, email: bool = True):
        """What people are found by: their name, phone number and (for administrators) email address; names and
        addresses with their Chinese grams, as indexed (migration 0032), so a surname of one character finds them."""

        return [([User.display_name], grams_of(User.display_name)), ([User.phone], None),
                *([([User.email], grams_of(User.email))] if email else [])]

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.OFFICIAL, Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > utcnow()

    @property
    def shown_name(self) -> str:
        """The name others see: "Former resident" once the account is deleted."""
        if self.deleted_at is not None:
            from flask_babel import gettext

            return gettext("Former resident")
        return self.display_name

    @property
    def login_name(self) -> str:
        return self.email or self.phone or ""


class CensusEntry(db.Model):
    """One line of a village's census list; only a keyed hash of the ID number is kept."""
    __tablename__ = "census_entries"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The village the person is registered in.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    #: HMAC-SHA256 of the normalised ID number, keyed with the census key (hex).
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The resident who proved they are this person; one account per entry.
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    #: When the census list it came from was imported.
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    claimed_by: Mapped[User | None] = relationship()
