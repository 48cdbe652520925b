"""The audit log: every official action, who did it, when, and what changed (before and after).

The log is tamper-evident. Each entry has a number (``seq``, 1, 2, 3 … with no gaps) and a hash of its
content chained to the hash of the entry before it; ``audit_head`` holds the number and hash of the last.
Changing an entry breaks its hash, removing one leaves a gap, slipping one in breaks the next entry's link,
and removing the last ones no longer matches the head: ``verify`` (``minyi audit verify``) finds each. Someone
able to rewrite the whole chain and the head could hide it; operators who note the head down elsewhere now and
then (``minyi audit verify`` prints it) will see the chain no longer leads to it (docs/security.md)."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import JSON, ForeignKey, Index, String, bindparam, event, func, inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from core.db import UTCDateTime, db, utcnow

#: The "hash before" the first entry.
GENESIS = "0" * 64


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "subject_type", "subject_id"),)

    #: Primary key (the entries one commit adds are chained in this order).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: NULL when the system acted (a deadline, a command).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: What was done, e.g. "appeal.answer", "appeal.reassign".
    action: Mapped[str] = mapped_column(String(40), index=True)
    #: What it was done to: "appeal" and its id.
    subject_type: Mapped[str] = mapped_column(String(20))
    #: The id of the row acted on (of the table named by ``subject_type``).
    subject_id: Mapped[int] = mapped_column()
    #: The fields that changed, as they were and as they became.
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The same fields as they became.
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    #: When it was done (UTC); part of the hashed content.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Its place in the chain, from 1 (given as its transaction commits: NULL only before that).
    seq: Mapped[int | None] = mapped_column(unique=True)
    #: sha256 of the hash before it and its content (``entry_hash``).
    hash: Mapped[str | None] = mapped_column(String(64))

    #: Who did it (accounts.users.User: core names it by its mapped name and never imports it).
    actor: Mapped["User | None"] = relationship("User")  # noqa: F821


class AuditHead(db.Model):
    """The end of the chain (one row): the last entry's number and hash. Each transaction that adds entries
    holds this row while it commits, so entries are chained one after another even when officials act at the
    same moment."""
    __tablename__ = "audit_head"

    #: Always 1: the table has one row.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Number of the last chained entry (0 before the first).
    seq: Mapped[int] = mapped_column(default=0)
    #: Hash of the last chained entry (``GENESIS`` before the first).
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


def entry_hash(previous: str, entry) -> str:
    """The hash of ``entry`` (an AuditEntry, or a row with its columns) chained to ``previous``."""
    created = entry.created_at.astimezone(timezone.utc)  # as the database gives it back
    content = json.dumps([entry.seq, entry.actor_id, entry.action, entry.subject_type, entry.subject_id,
                          entry.before, entry.after, _plain(created)],
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous}\n{content}".encode()).hexdigest()


@event.listens_for(Session, "after_flush")
def _written(session, _context):
    """Entries written by this flush wait for the commit to be chained."""
    new = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if new:
        session.info.setdefault("audit_pending", []).extend(new)


@event.listens_for(Session, "before_commit")
def _chain(session):
    """Number and hash this transaction's entries after the last one, as it commits. The head is taken last,
    after every other row the transaction holds (the roll-ups' before_commit runs first), and only for the
    commit: officials acting at once wait a moment for each other and never deadlock."""
    if session.in_nested_transaction():
        return
    session.flush()
    entries = sorted((e for e in session.info.get("audit_pending", []) if inspect(e).persistent),
                     key=lambda e: e.id)  # not those of a savepoint rolled back
    if not entries:
        return
    connection, head, log = session.primary_connection(), AuditHead.__table__, AuditEntry.__table__
    # A no-op UPDATE holds the head until commit: a row lock on PostgreSQL, the write lock on SQLite. What is
    # read after it is the end of the chain as committed, and nobody else adds to it meanwhile.
    hold = head.update().where(head.c.id == 1).values(seq=head.c.seq)
    if connection.execute(hold).rowcount == 0:  # the very first entry (or a database emptied by hand)
        insert = (postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert)(head)
        connection.execute(insert.values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing())
        connection.execute(hold)
    seq, previous = connection.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1)).one()
    links = []
    for entry in entries:
        seq += 1
        set_committed_value(entry, "seq", seq)
        set_committed_value(entry, "hash", entry_hash(previous, entry))
        previous = entry.hash
        links.append({"entry_id": entry.id, "seq": seq, "hash": previous})
    connection.execute(log.update().where(log.c.id == bindparam("entry_id"))
                       .values(seq=bindparam("seq"), hash=bindparam("hash")), links)
    connection.execute(head.update().where(head.c.id == 1).values(seq=seq, hash=previous))
    session.info.pop("audit_pending", None)  # only now: a commit that failed half-way chains them again


@event.listens_for(Session, "after_transaction_end")
def _end(session, transaction):
    if transaction.parent is None:
        session.info.pop("audit_pending", None)


@event.listens_for(AuditEntry, "before_insert")
def _as_stored(_mapper, _connection, entry):
    """What is hashed is what the database gives back: times in UTC, enums as their values."""
    if entry.created_at is None:
        entry.created_at = utcnow()
    entry.before, entry.after = (json.loads(json.dumps(value or {})) for value in (entry.before, entry.after))


@dataclass
class Verdict:
    entries: int
    head_seq: int
    head_hash: str
    problems: list[str]


def _head() -> tuple[int, str]:
    found = db.session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one_or_none()
    return tuple(found) if found is not None else (0, GENESIS)


def verify(batch: int = 5000) -> Verdict:
    """Walk the chain from the first entry to the end it had when we began, and say what does not hold.
    Officials may go on acting meanwhile: what they add is past that end, and is looked at next time."""
    table, problems = AuditEntry.__table__, []
    head_seq, head_hash = _head()
    expected_seq, previous, last_hash, count = 1, GENESIS, GENESIS, 0
    columns = [table.c[name] for name in ("id", "seq", "hash", "actor_id", "action", "subject_type",
                                            "subject_id", "before", "after", "created_at")]
    after = 0
    while True:
        rows = db.session.execute(select(*columns).where(table.c.seq > after, table.c.seq <= head_seq)
                                  .order_by(table.c.seq).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            count += 1
            if row.seq > expected_seq:
                problems.append(f"entry {expected_seq} is missing" if row.seq == expected_seq + 1
                                else f"entries {expected_seq} to {row.seq - 1} are missing")
                previous = None  # the link is broken anyway
            if previous is not None and entry_hash(previous, row) != row.hash:
                problems.append(f"entry {row.seq} (id {row.id}) was changed, or does not follow the one before")
            previous, last_hash, expected_seq = row.hash, row.hash, row.seq + 1
        after = rows[-1].seq
    if expected_seq - 1 < head_seq:
        problems.append(f"entries after {expected_seq - 1} are missing (the chain ends at {head_seq})")
    elif last_hash != head_hash:
        problems.append(f"the end of the chain does not match its last entry ({head_seq})")
    for entry_id in db.session.scalars(select(table.c.id).where(table.c.seq.is_(None)).order_by(table.c.id)):
        problems.append(f"entry id {entry_id} is not in the chain")  # written around the app
    # Entries past the end: read their number first, then the end (which every commit moves with its entries).
    furthest = db.session.scalar(select(func.max(table.c.seq))) or 0
    if furthest > _head()[0]:
        problems.append(f"entries after the end of the chain (up to {furthest}) were slipped in")
    return Verdict(count, head_seq, head_hash, problems)


def audited(actor, action: str, subject, fields: tuple[str, ...]):
    """Record ``action`` on ``subject``: use as ``with audited(...):`` around the change; the listed fields
    are read before and after it, and only those that changed are kept."""
    return _Audit(actor, action, subject, fields)


class _Audit:
    def __init__(self, actor, action, subject, fields):
        self.actor, self.action, self.subject, self.fields = actor, action, subject, fields

    def __enter__(self):
        self.before = {f: _plain(getattr(self.subject, f)) for f in self.fields}
        return self

    def __exit__(self, kind, _value, _traceback):
        if kind is not None:
            return False
        after = {f: _plain(getattr(self.subject, f)) for f in self.fields}
        changed = [f for f in self.fields if after[f] != self.before[f]]
        db.session.add(AuditEntry(
            actor_id=getattr(self.actor, "id", None), action=self.action,
            subject_type=self.subject.__tablename__.rstrip("s"), subject_id=self.subject.id,
            before={f: self.before[f] for f in changed}, after={f: after[f] for f in changed}))
        return False


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value  # datetimes are dates too
