"""Appeals: requests and complaints to officials, from the web, a kiosk, or recorded by an official.

An appeal is routed to a department, answered in public before its deadline, resolved, rated, and
may be reopened. Its timeline (``AppealEvent``) keeps every step; co-signers share it."""

import enum
import secrets
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from accounts.regions import Category, Department, Region
from accounts.users import User
from appeals.grams import stored as stored_grams
from core.db import UTCDateTime, db, one_of, utcnow
from core.photos import StoredPhoto
from kiosk_fleet.kiosks import KIOSK_PREFIX_FIRST, Kiosk
from wire.protocol import RECEIPT_ALPHABET, RECEIPT_LENGTH, format_receipt


class AppealStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


#: Waiting for the department: these count as overdue once their deadline has passed.
WAITING = (AppealStatus.SUBMITTED, AppealStatus.ACCEPTED, AppealStatus.IN_PROGRESS)
WAITING_SQL = "status IN ('submitted', 'accepted', 'in_progress')"
#: Public appeals a resident who types a new one may join: waiting or answered (appeals.similarity).
JOINABLE_SQL = "public IS true AND status IN ('submitted', 'accepted', 'in_progress', 'answered')"
#: Kiosk recordings still in WAV, to be kept as Ogg/Opus (the "transcode" job of server/worker/tasks.py).
WAV_SQL = "audio_file LIKE '%.wav'"
#: Finished from the department's side; a resident may still reopen answered, resolved or rejected ones.
CLOSED = (AppealStatus.RESOLVED, AppealStatus.REJECTED, AppealStatus.DUPLICATE)


class Channel(enum.StrEnum):
    WEB = "web"
    KIOSK = "kiosk"
    PHONE = "phone"
    LETTER = "letter"
    VISIT = "visit"


#: Channels through which an official records an appeal on a resident's behalf.
RECORDED = (Channel.PHONE, Channel.LETTER, Channel.VISIT)
RECEIPT_LETTERS = "".join(ch for ch in RECEIPT_ALPHABET if ch not in KIOSK_PREFIX_FIRST)

def new_receipt_code() -> str:
    """Eight unambiguous characters shown as XXXX-XXXX (23 × 31^7 ≈ 630 billion codes). Codes made here start
    with a letter; those a kiosk makes up offline start with its own prefix, which starts with a digit."""
    raw = secrets.choice(RECEIPT_LETTERS) + "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH - 1))
    return format_receipt(raw)


class Appeal(db.Model):
    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint(one_of("status", AppealStatus), name="status_known"),
        CheckConstraint(one_of("channel", Channel), name="channel_known"),
        CheckConstraint("cosigns_count >= 0", name="cosigns_not_negative"),
        Index("ix_appeals_department_id_id", "department_id", "id"),
        Index("ix_appeals_region_id_id", "region_id", "id"),
        # The board's "recently answered" order (keyset paging on both) and the home page's latest answers.
        Index("ix_appeals_answered", "answered_at", "id"),
        # The officials' inbox: what waits for a department, the soonest due first (and the overdue ones).
        Index("ix_appeals_waiting", "department_id", "due_at", "id",
              postgresql_where=text(WAITING_SQL), sqlite_where=text(WAITING_SQL)),
        # Similar appeals: the joinable ones of a township's villages, recent first, with what they are compared
        # by (an index-only scan: the appeals table is far larger than the database's memory).
        Index("ix_appeals_joinable", "region_id", "created_at", postgresql_include=["id", "category_id", "body_grams"],
              postgresql_where=text(JOINABLE_SQL), sqlite_where=text(JOINABLE_SQL)),
        # Recordings still waiting to be made smaller (server/worker/tasks.py): few, found without reading the rest.
        Index("ix_appeals_wav", "created_at", postgresql_where=text(WAV_SQL), sqlite_where=text(WAV_SQL)),
    )

    # Columns marked active_history keep their value before a change, which the dashboard's roll-ups
    # subtract (appeals.rollups).
    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Code with which anyone holding it follows the appeal without an account.
    receipt_code: Mapped[str] = mapped_column(String(9), unique=True, default=new_receipt_code)
    #: A short line naming the problem: typed by the resident or an official, else the text's first sentence
    #: (``appeals.titles``). The board, the inbox, receipts and notices show it.
    title: Mapped[str] = mapped_column(String(120))
    #: What the resident asks or reports.
    body: Mapped[str] = mapped_column(Text)
    #: The grams ``body`` is compared by (``appeals.grams.stored``), kept in step with it. Only the comparison
    #: reads them (from its index): deferred, so no list of appeals carries them.
    body_grams: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)
    #: The language it was made in, "zh_Hans" or "en" (mail to its contact is written in it).
    language: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    #: What kind of problem it is; with the village it decides the department (appeals.routing).
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    #: The village the appeal concerns.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True,
                                           active_history=True)
    #: Where the problem is, in decimal degrees (WGS84); both or neither are given.
    latitude: Mapped[float | None] = mapped_column(Float)
    #: Longitude of that place, in decimal degrees (WGS84).
    longitude: Mapped[float | None] = mapped_column(Float)
    #: Where exactly, in words ("the well behind the school").
    address: Mapped[str | None] = mapped_column(String(200))
    #: NULL for kiosk appeals made without an account and for appeals recorded by an official.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The official who recorded a phone, letter or visit appeal.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Name and contact given for the answer; shown only to the officials handling the appeal.
    contact_name: Mapped[str | None] = mapped_column(String(80))
    #: Contact phone number, in E.164 form.
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    #: Whether the resident wants the answer by SMS at ``contact_phone`` (they may say no; core.sms).
    sms_ok: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: Contact email address (lower-cased); mail about the appeal's progress goes there.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    #: The department responsible for answering (NULL when no department serves the category there).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"), index=True,
                                                      active_history=True)
    #: web, kiosk, phone, letter or visit.
    channel: Mapped[str] = mapped_column(String(8), default=Channel.WEB)
    #: Public appeals appear on the message board; private ones only to their officials (and the receipt code).
    public: Mapped[bool] = mapped_column(default=True)
    #: Where it stands: an ``AppealStatus`` value (submitted … resolved, rejected, duplicate).
    status: Mapped[str] = mapped_column(String(16), default=AppealStatus.SUBMITTED, index=True, active_history=True)
    #: The answer is due by then (the department's deadline, counted again after a reopen).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: The first public answer (response time is measured to it).
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)
    #: Whether that first answer came after the deadline (kept, since a reopen sets a new deadline).
    answered_late: Mapped[bool | None] = mapped_column(active_history=True)
    #: Seconds from arrival to that first answer, kept for the dashboard's percentiles.
    response_seconds: Mapped[int | None] = mapped_column(Integer, active_history=True)
    #: "2026-11": the month it came in, where the residents live (the dashboard's month).
    month: Mapped[str] = mapped_column(String(7), index=True, active_history=True)
    #: When it was resolved, rejected or marked a duplicate; cleared by a reopen.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Public reason of a rejection.
    closing_reason: Mapped[str | None] = mapped_column(Text)
    #: Times residents reopened it: each counts against the department's figures.
    reopened_count: Mapped[int] = mapped_column(Integer, default=0, active_history=True)
    #: The appeal this one repeats; its co-signers and followers moved there.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id", ondelete="SET NULL"))
    #: How many residents co-signed it (rows of ``Cosign``), kept in step by the services.
    cosigns_count: Mapped[int] = mapped_column(Integer, default=0, index=True)
    #: A finished project that residents say did not solve the problem (this appeal follows it up).
    follow_up_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"))
    #: The kiosk a spoken appeal came from, and the id the kiosk gave it (a retry finds the same appeal).
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id", ondelete="SET NULL"), index=True)
    #: The kiosk's own id for the appeal (a UUID), unique, so a retried upload finds it.
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    #: The resident's recording (file name in the upload folder) and its length.
    audio_file: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Length of the recording, in seconds.
    audio_seconds: Mapped[float | None] = mapped_column(Float)
    #: What speech recognition made of it, kept when an official corrects the text (``body``).
    machine_transcript: Mapped[str | None] = mapped_column(Text)
    #: The recognized words with their confidence (0–1): [{"word": "...", "conf": 0.93}, ...].
    transcript_words: Mapped[list | None] = mapped_column(JSON)
    #: A voice-only appeal not yet written down: its recording is the appeal (recognition found nothing sure, or
    #: the resident said the read-back was wrong). Until an official writes down what was said it stays off the
    #: public board and out of similar-appeal grouping; deadlines and the dashboard count it from arrival.
    to_listen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    #: When it arrived (response times and the dashboard count from here).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True, active_history=True)
    #: When the row last changed; None until then (Open311's ``updated_datetime``).
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, onupdate=utcnow)

    category: Mapped[Category] = relationship()
    region: Mapped[Region] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    department: Mapped[Department | None] = relationship()
    duplicate_of: Mapped["Appeal | None"] = relationship(remote_side=[id])
    kiosk: Mapped[Kiosk | None] = relationship()

    def __repr__(self) -> str:
        return f"<Appeal {self.id} {self.status}>"

    @validates("body")
    def _index_body(self, _key, body):
        self.body_grams = stored_grams(body)
        return body

    @property
    def says_more(self) -> bool:
        """Whether the text says more than the title (lists show an excerpt of it only then)."""
        return self.body.strip().rstrip(".。") != self.title

    @property
    def overdue(self) -> bool:
        return self.status in WAITING and self.due_at is not None and self.due_at < utcnow()


class EventKind(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    STARTED = "started"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    REASSIGNED = "reassigned"
    NOTE = "note"
    REOPENED = "reopened"


class AppealEvent(db.Model):
    """One step in an appeal's life; the public timeline shows the public ones, officials see all."""
    __tablename__ = "appeal_events"
    __table_args__ = (CheckConstraint(one_of("kind", EventKind), name="kind_known"),)

    #: Primary key (the timeline is shown in its order).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The appeal it happened to.
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    #: What happened: an ``EventKind`` value.
    kind: Mapped[str] = mapped_column(String(16))
    #: Who did it; NULL for the system (and for kiosk residents without an account).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The answer, the reason or the note.
    body: Mapped[str | None] = mapped_column(Text)
    #: False for internal notes and for reassignments' reasons: officials only.
    public: Mapped[bool] = mapped_column(default=True)
    #: Details: {"from": department id, "to": ...}, {"original": appeal id}.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: When it happened.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: An answer the official also spoke: its Ogg recording (file name in the upload folder's ``audio/``), which the
    #: public page and the kiosk play, the text above being its transcript; NULL for a written answer only.
    audio_file: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Length of that recording, in seconds.
    audio_seconds: Mapped[float | None] = mapped_column(Float)

    actor: Mapped[User | None] = relationship()


class Cosign(db.Model):
    """"This is my problem too": a resident joins an appeal, follows it and may rate its answer."""
    __tablename__ = "appeal_cosigns"

    #: The appeal joined.
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True)
    #: The resident who joined it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    #: When they joined.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rating(db.Model):
    """How the author or a co-signer judges the answer: 1 to 5, once each (a new rating replaces it)."""
    __tablename__ = "appeal_ratings"
    __table_args__ = (UniqueConstraint("appeal_id", "user_id"),
                      CheckConstraint("score BETWEEN 1 AND 5", name="score_1_to_5"))

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The appeal whose answer is rated.
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    #: Who rated (the author or a co-signer).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: 1 (very poor) to 5 (very good).
    score: Mapped[int] = mapped_column(Integer, active_history=True)
    #: What they said with it, if anything.
    comment: Mapped[str | None] = mapped_column(Text)
    #: When they last rated (rating again moves it).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnswerTemplate(db.Model):
    """A reusable answer for a category ("Thank you, the repair team will come within …")."""
    __tablename__ = "answer_templates"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: NULL: offered for every category.
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    #: Name officials pick it by (templates are listed by it).
    title: Mapped[str] = mapped_column(String(120))
    #: The answer's text.
    body: Mapped[str] = mapped_column(Text)
    #: When it was made.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppealImage(StoredPhoto, db.Model):
    """A photo of the problem (re-encoded without EXIF by ``proposals.images.store_photo``)."""
    __tablename__ = "appeal_images"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The appeal it shows.
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
