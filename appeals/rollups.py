"""The dashboard's roll-ups: counts per day, department and township, and times to the first answer per
month, kept current in the same transaction as every change to an appeal or a rating, so the dashboard adds
up a few thousand small rows instead of counting a million appeals.

Each appeal contributes to the roll-up of its key (the local day it was made, its department, its village's
township): one appeal, answered or not, answered late or not, resolved or not, reopened or not, and its
ratings. When the appeal or a rating changes, the difference between its contribution before and after is
taken at each flush and added when the transaction commits (``INSERT … ON CONFLICT DO UPDATE``, so
concurrent writers add up instead of overwriting): every roll-up row a transaction changes is taken at that
moment, in one order, so two transactions never wait for each other's roll-up rows (a bulk step over many
appeals holds them for the commit only); what a rolled-back savepoint had changed is not added. The time
to its first answer goes into a histogram of logarithmic buckets five percent wide, per month and department
and per month and township; each bucket keeps the sum of its times, so a percentile is exact when the times
in a bucket are equal and otherwise within two and a half percent. ``rebuild`` counts everything again from
the appeals (migration 0024, `minyi demo --scale`, `minyi dashboard rebuild`)."""

import math
from collections import defaultdict
from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String, event, func, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from accounts.regions import Region, region_tree
from appeals.models import Appeal, AppealStatus, Rating
from core.db import db, local_zone

COUNTERS = ("appeals", "answered", "answered_late", "resolved", "reopened", "ratings", "rating_sum")
#: Times to the first answer are counted in buckets this much wider than the one before (5%: a year's
#: histogram of a department is a few hundred rows, read in milliseconds).
GROWTH = 1.05


class AppealRollup(db.Model):
    """What the appeals made on one local day, of one department and one township, add up to now."""
    __tablename__ = "appeal_rollups"

    #: The local day the appeals were made (their ``created_at`` in the site's time zone).
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: 0 for appeals no department serves (yet).
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: The township of the appeal's village (0 when the village has none).
    township_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: How many appeals.
    appeals: Mapped[int] = mapped_column(Integer, default=0)
    #: How many of them have been answered (have an ``answered_at``).
    answered: Mapped[int] = mapped_column(Integer, default=0)
    #: How many were first answered after their deadline.
    answered_late: Mapped[int] = mapped_column(Integer, default=0)
    #: How many are resolved now.
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    #: How many were reopened at least once.
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    #: How many ratings their answers have.
    ratings: Mapped[int] = mapped_column(Integer, default=0)
    #: The sum of those ratings' scores (average = rating_sum / ratings).
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)


class ResponseTimes(db.Model):
    """How many appeals of a month were first answered within one bucket of time, per department or township."""
    __tablename__ = "appeal_response_times"

    #: The appeals' ``month`` ("2026-11").
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    #: "department" or "township".
    dimension: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: The department's or township's id (0: none).
    key_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: Which bucket of time to the first answer: ``bucket_of(seconds)``, each GROWTH times wider.
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: How many appeals were first answered within this bucket.
    count: Mapped[int] = mapped_column(Integer, default=0)
    #: The sum of their times to the first answer, in seconds.
    seconds_sum: Mapped[int] = mapped_column(BigInteger, default=0)


def bucket_of(seconds: int) -> int:
    return int(math.log(max(seconds, 0) + 1) / math.log(GROWTH))


def contribution(appeal: dict, ratings=(0, 0), parents=None) -> dict:
    """What one appeal (its column values) and its ratings (count, sum) add to the roll-ups, as
    {row key: (counter values…)}; row keys are ("day", day, department, township) and
    ("times", month, dimension, key id, bucket). ``parents`` maps regions to their parent (the region tree's
    by default)."""
    township = (parents if parents is not None else region_tree().parent).get(appeal["region_id"]) or 0
    department = appeal["department_id"] or 0
    day = appeal["created_at"].astimezone(local_zone()).date()
    answered = appeal["answered_at"] is not None
    rows = {("day", day, department, township): (
        1, int(answered), int(bool(appeal["answered_late"])), int(appeal["status"] == AppealStatus.RESOLVED),
        int((appeal["reopened_count"] or 0) > 0), ratings[0], ratings[1])}
    seconds = appeal["response_seconds"]
    if seconds is not None:
        for dimension, key in (("department", department), ("township", township)):
            rows[("times", appeal["month"], dimension, key, bucket_of(seconds))] = (1, seconds)
    return rows


TRACKED = ("created_at", "department_id", "region_id", "status", "answered_at", "answered_late",
           "reopened_count", "response_seconds", "month")


def _values(appeal: Appeal, *, before: bool) -> dict:
    """The tracked columns now, or before this flush (the model keeps their old values: active_history)."""
    if not before:
        return {name: getattr(appeal, name) for name in TRACKED}
    return {name: _old(appeal, name) for name in TRACKED}


def _add(deltas, rows: dict, sign: int) -> None:
    for key, values in rows.items():
        total = deltas[key]
        deltas[key] = [a + sign * b for a, b in zip(total, values, strict=False)] if total else \
            [sign * b for b in values]


@event.listens_for(Session, "before_flush")
def _before(session, _context, _instances):
    """Lock the appeals (and ratings) this flush changes and read them as stored: another transaction may have
    changed them since they were loaded, and the difference must be taken from what is really there."""
    ids = sorted({a.id for a in session.dirty if isinstance(a, Appeal) and _changed(a)}
                 | {r.appeal_id for r in (*session.new, *session.dirty, *session.deleted) if isinstance(r, Rating)})
    if ids:
        # A no-op UPDATE holds the rows until the transaction ends: a row lock on PostgreSQL, the write lock on
        # SQLite (whose SELECT … FOR UPDATE does nothing); what is read after it is what is really there.
        connection, table = session.connection(), Appeal.__table__
        connection.execute(table.update().where(table.c.id.in_(ids)).values(id=table.c.id))
        rows = connection.execute(select(table.c.id, *[table.c[name] for name in TRACKED]).where(table.c.id.in_(ids)))
        session.info["rollup_locked"] = {row[0]: _stored(row[1:]) for row in rows}
        # Every change to a rating holds its appeal first, so its stored score cannot change under us either.
        rescored = [r.id for r in session.dirty if isinstance(r, Rating) and inspect(r).attrs.score.history.has_changes()]
        if rescored:
            ratings = Rating.__table__
            session.info["rollup_scores"] = {i: score for i, score in connection.execute(
                select(ratings.c.id, ratings.c.score).where(ratings.c.id.in_(rescored)))}
    # Appeals about to be deleted take their ratings with them (ON DELETE CASCADE): count those now.
    gone = [a for a in session.deleted if isinstance(a, Appeal)]
    if gone:
        session.info["rollup_gone_ratings"] = _ratings_of(session, [a.id for a in gone])


def _changed(appeal) -> bool:
    """A tracked column changes in this flush (a department or village set through the relationship counts:
    its column only follows during the flush)."""
    state = inspect(appeal)
    return any(state.attrs[name].history.has_changes() for name in (*TRACKED, "department", "region"))


def _stored(values) -> dict:
    found = dict(zip(TRACKED, values, strict=True))
    found["created_at"] = _aware(found["created_at"])
    return found


@event.listens_for(Session, "after_flush")
def _after(session, _context):
    """Add what this flush changed (the session's lists and histories still show the state before it)."""
    locked = session.info.pop("rollup_locked", {})
    scores = session.info.pop("rollup_scores", {})

    def now(appeal) -> dict:
        """The appeal as this flush leaves it: the stored row with this flush's changes."""
        if appeal.id not in locked:
            return _values(appeal, before=False)
        state = inspect(appeal)
        return {**locked[appeal.id], **{name: getattr(appeal, name) for name in TRACKED
                                        if state.attrs[name].history.has_changes()}}

    deltas = defaultdict(list)
    rating_moves = defaultdict(lambda: [0, 0])  # appeal id -> ratings changed by this flush
    for obj in session.new:
        if isinstance(obj, Rating):
            rating_moves[obj.appeal_id][0] += 1
            rating_moves[obj.appeal_id][1] += obj.score
    for obj in session.dirty:
        if isinstance(obj, Rating) and obj.id in scores:
            rating_moves[obj.appeal_id][1] += obj.score - scores[obj.id]
    for obj in session.deleted:
        if isinstance(obj, Rating):
            rating_moves[obj.appeal_id][0] -= 1
            rating_moves[obj.appeal_id][1] -= _old(obj, "score")
    appeals = {a.id: a for a in (*session.new, *session.dirty, *session.deleted) if isinstance(a, Appeal)}
    stored = _ratings_of(session, [i for i, a in appeals.items() if a not in session.new and a not in session.deleted])
    gone = session.info.pop("rollup_gone_ratings", {})
    for appeal_id, appeal in appeals.items():
        if appeal in session.new:
            _add(deltas, contribution(_values(appeal, before=False)), 1)
            continue
        if appeal in session.deleted:
            _add(deltas, contribution(_values(appeal, before=True), gone.get(appeal_id, (0, 0))), -1)
            continue
        before = locked.get(appeal_id) or _values(appeal, before=True)
        after = now(appeal)
        if before == after:
            continue
        # The appeal's ratings as they were before this flush move with it (this flush's go to the new key).
        now_stored = stored.get(appeal_id, (0, 0))
        moved = rating_moves.get(appeal_id, (0, 0))
        earlier = (now_stored[0] - moved[0], now_stored[1] - moved[1])
        _add(deltas, contribution(before, earlier), -1)
        _add(deltas, contribution(after, earlier), 1)
    for appeal_id, (count, total) in rating_moves.items():
        if (count, total) == (0, 0):
            continue
        appeal = appeals.get(appeal_id)
        if appeal is not None and appeal in session.deleted:
            continue
        values = now(appeal) if appeal is not None else locked.get(appeal_id)
        if values is None:
            continue
        rows = contribution(values, (count, total))
        _add(deltas, {k: (0, 0, 0, 0, 0, count, total) for k in rows if k[0] == "day"}, 1)
    deltas = {k: v for k, v in deltas.items() if any(v)}
    if deltas:
        where = session.get_nested_transaction() or session.get_transaction()
        session.info.setdefault("rollup_pending", []).append((where, deltas))


@event.listens_for(Session, "before_commit", insert=True)  # before the audit log takes its head (core.audit)
def _commit(session):
    """Add up every flush's differences and write them, once, as the whole transaction commits."""
    if session.in_nested_transaction():
        return  # a savepoint released: its differences wait for the transaction's commit
    session.flush()
    total = defaultdict(list)
    for _where, deltas in session.info.pop("rollup_pending", []):
        _add(total, deltas, 1)
    _write(session, {k: v for k, v in total.items() if any(v)})


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    """Differences taken inside what was rolled back are not added."""
    pending = session.info.get("rollup_pending")
    if pending:
        session.info["rollup_pending"] = [(where, deltas) for where, deltas in pending
                                          if not _within(where, previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _end(session, transaction):
    if transaction.parent is None:
        session.info.pop("rollup_pending", None)


def _within(transaction, outer) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _old(obj, name):
    history = inspect(obj).attrs[name].history
    if not history.has_changes():
        return getattr(obj, name)
    return history.deleted[0] if history.deleted else None  # (a value set where there was none)


def _ratings_of(executor, appeal_ids=None) -> dict:
    """Appeal id → (ratings, sum of scores), of the given appeals (None: of all), read with a session or a
    connection."""
    if appeal_ids is not None and not appeal_ids:
        return {}
    table = Rating.__table__
    query = select(table.c.appeal_id, func.count(), func.sum(table.c.score)).group_by(table.c.appeal_id)
    if appeal_ids is not None:
        query = query.where(table.c.appeal_id.in_(appeal_ids))
    return {i: (n, int(s or 0)) for i, n, s in executor.execute(query)}


def _write(session, deltas: dict) -> None:
    """Add the differences, creating the rows that are not there yet, one statement per row."""
    if not deltas:
        return
    connection = session.primary_connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for key, values in sorted(deltas.items(), key=lambda item: repr(item[0])):  # one order: no deadlocks
        if key[0] == "day":
            model, names = AppealRollup, dict(zip(("day", "department_id", "township_id"), key[1:], strict=True))
            counters = dict(zip(COUNTERS, values, strict=True))
        else:
            model = ResponseTimes
            names = dict(zip(("month", "dimension", "key_id", "bucket"), key[1:], strict=True))
            counters = {"count": values[0], "seconds_sum": values[1]}
        table = model.__table__
        statement = insert(table).values(**names, **counters)
        statement = statement.on_conflict_do_update(
            index_elements=list(names), set_={c: table.c[c] + statement.excluded[c] for c in counters})
        connection.execute(statement)


def rebuild() -> None:
    """Count every roll-up again from the appeals and ratings (replacing what is there)."""
    rebuild_with(db.session.connection())


def rebuild_with(connection) -> None:
    """``rebuild`` on one connection (a migration's, whose new tables no other connection sees yet)."""
    from sqlalchemy import delete, insert


    if connection.dialect.name == "postgresql":
        # Writers wait until the recount is committed, then add their differences to it (SQLite has one writer).
        connection.exec_driver_sql("LOCK TABLE appeal_rollups, appeal_response_times IN EXCLUSIVE MODE")
    connection.execute(delete(AppealRollup.__table__))
    connection.execute(delete(ResponseTimes.__table__))
    parents = dict(connection.execute(select(Region.id, Region.parent_id)).all())
    ratings = _ratings_of(connection)
    totals = defaultdict(list)
    columns = [Appeal.__table__.c[name] for name in ("id", *TRACKED)]
    for row in connection.execute(select(*columns).execution_options(yield_per=20_000)):
        values = dict(zip(TRACKED, row[1:], strict=True))
        values["created_at"] = _aware(values["created_at"])
        _add(totals, contribution(values, ratings.get(row[0], (0, 0)), parents), 1)
    days, times = [], []
    for key, values in totals.items():
        if key[0] == "day":
            days.append({"day": key[1], "department_id": key[2], "township_id": key[3],
                         **dict(zip(COUNTERS, values, strict=True))})
        else:
            times.append({"month": key[1], "dimension": key[2], "key_id": key[3], "bucket": key[4],
                          "count": values[0], "seconds_sum": values[1]})
    for table, rows in ((AppealRollup.__table__, days), (ResponseTimes.__table__, times)):
        for start in range(0, len(rows), 5000):
            connection.execute(insert(table), rows[start:start + 5000])


def _aware(moment):
    """Core reads of SQLite give naive UTC (core.db.UTCDateTime makes them aware for the models)."""
    from datetime import timezone

    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
