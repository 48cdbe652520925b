"""Slow work off the request path, asked for by name and key (``enqueue("transcode", 42)``) and done by
``minyi worker`` (the tasks are in server/worker/tasks.py).

With MINYI_REDIS_URL the queue is RQ's, and a job is handed to Redis once the transaction that asks for it has
committed (never for something rolled back). Without it the queue is a table, and the job is a row written in
that same transaction. Either way the database stays the record of what is left to do: the workers' periodic
sweep asks again for whatever is still undone, so a job lost with Redis, or with a worker, is done all the same.
Every task is idempotent, so doing one twice changes nothing.

The database queue:

A worker claims a row with one UPDATE (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's single writer does
the same), and deletes it when the work is done. A worker that dies leaves its row ``running``: once the lease
has passed without the worker finishing, another worker takes it over. A job that fails is tried again later,
waiting longer each time, and is kept as ``failed`` after its last attempt for the operator (``minyi jobs``).
"""

import logging
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    case,
    delete,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import RoutingSession, UTCDateTime, db, utcnow
from core.rules import rule

log = logging.getLogger(__name__)

#: RQ's marker of a job already waiting (so a thousand requests wake one job, not a thousand), and its count of
#: a job's recent failures (the sweep leaves a job alone once it has failed every attempt, for COOL_DOWN).
WAITING_KEY = "minyi:jobs:{queue}:waiting:{name}:{key}"
FAILURES_KEY = "minyi:jobs:{queue}:failures:{name}:{key}"
#: A job that failed every attempt is asked for again by the sweep after this long (a settlement that failed
#: for an hour of database trouble runs again by itself); the operator may retry it sooner (`minyi jobs retry`).
COOL_DOWN = timedelta(hours=1)

QUEUED, RUNNING, FAILED = "queued", "running", "failed"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("name", "key"),
                      CheckConstraint(f"state IN ('{QUEUED}', '{RUNNING}', '{FAILED}')", name="state"),
                      Index("ix_jobs_due", "state", "run_after"))

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: What to do (a task of server/worker/tasks.py), and for what: ``("transcode", "42")``; one row per pair.
    name: Mapped[str] = mapped_column(String(40))
    #: What the task works on, as text (an appeal's or an announcement's id); "" for tasks that need none (mail).
    key: Mapped[str] = mapped_column(String(80), default="")
    #: QUEUED, RUNNING or FAILED (kept after its last attempt, for the operator).
    state: Mapped[str] = mapped_column(String(10), default=QUEUED)
    #: Not before this time (set further out after each failure).
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Attempts started since it was last queued afresh (a worker's claim adds one).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Asked for again while it was running: it runs once more afterwards, since it may have missed the news.
    again: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The worker running it, and since when (its lease).
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    #: When the worker claimed it; the lease runs from here. None unless running.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the last failed attempt said; None until one fails.
    last_error: Mapped[str | None] = mapped_column(Text)
    #: When it was first asked for (asking again for a waiting job keeps this).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def enqueue(name: str, key="", *, revive: bool = True) -> None:
    """Ask for ``name(key)`` to be done once the current transaction commits."""
    key = str(key)
    if has_app_context() and current_app.config.get("MINYI_REDIS_URL"):
        db.session.info.setdefault("minyi_jobs", set()).add((name, key))
    else:
        add(name, key, revive=revive)


def settings() -> tuple[timedelta, int]:
    """(lease, attempts): how long a worker may hold a job before another takes it over, and how often a
    failing job is tried."""
    return timedelta(seconds=float(rule("MINYI_JOB_LEASE_SECONDS"))), int(rule("MINYI_JOB_ATTEMPTS"))


def rq_queue(app=None):
    """RQ's queue on the configured Redis (one client per app)."""
    from redis import Redis
    from rq import Queue

    app = app or current_app._get_current_object()
    queue = app.extensions.get("minyi_rq")
    if queue is None:
        queue = app.extensions["minyi_rq"] = Queue(app.config.get("MINYI_JOB_QUEUE", "minyi"), connection=Redis.from_url(
            app.config["MINYI_REDIS_URL"], socket_connect_timeout=1, socket_timeout=1))
    return queue


def push(queue, name: str, key: str, *, revive: bool = True) -> bool:
    """Hand ``name(key)`` to RQ unless it is already waiting there (or, for the sweep, ``revive`` False, unless it
    failed every attempt within the cool-down); True when it was pushed."""
    from rq import Retry

    lease, attempts = settings()
    if not revive and int(queue.connection.get(failures_key(queue, name, key)) or 0) >= attempts:
        return False
    if not queue.connection.set(waiting_key(queue, name, key), 1, nx=True,
                                ex=max(1, int(lease.total_seconds()))):
        return False
    backoff = [min(10 * 2**n, 3600) for n in range(attempts - 1)]
    queue.enqueue("server.worker.tasks.run_rq_job", name, key, retry=Retry(max=attempts - 1, interval=backoff) if backoff
                  else None, job_timeout=int(lease.total_seconds()), description=f"{name}({key})")
    return True


def waiting_key(queue, name: str, key: str) -> str:
    return WAITING_KEY.format(queue=queue.name, name=name, key=key)


def failures_key(queue, name: str, key: str) -> str:
    return FAILURES_KEY.format(queue=queue.name, name=name, key=key)


@event.listens_for(RoutingSession, "after_commit")
def _hand_to_redis(session) -> None:
    asked = session.info.pop("minyi_jobs", None)
    if not asked or not has_app_context():
        return
    from redis import RedisError

    try:
        queue = rq_queue()
        for name, key in sorted(asked):
            push(queue, name, key)
    except RedisError as error:  # the change is saved; the sweep finds the work still undone and asks again
        log.warning("Redis unavailable, %d job(s) left for the next sweep: %s", len(asked), error)


@event.listens_for(RoutingSession, "after_soft_rollback")
def _forget(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop("minyi_jobs", None)


def add(name: str, key: str, *, revive: bool = True) -> None:
    """Ask for a job in the current transaction (once: asking again for a queued job changes nothing).

    Asked for while it runs, it runs once more afterwards. ``revive`` brings a failed job back at once; the
    periodic sweep passes False, so a job that failed every attempt waits for the cool-down (or the operator)
    instead of failing every minute."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    statement = dialect.insert(Job).values(name=name, key=key, state=QUEUED, run_after=now, attempts=0,
                                           again=False, created_at=now)
    table = Job.__table__.c
    if revive:
        was_failed = table.state == FAILED
        statement = statement.on_conflict_do_update(index_elements=["name", "key"], set_={
            "again": table.again | (table.state == RUNNING),
            "state": case((was_failed, QUEUED), else_=table.state),
            "attempts": case((was_failed, 0), else_=table.attempts),
            "run_after": case((was_failed, now), else_=table.run_after)})
    else:
        statement = statement.on_conflict_do_update(
            index_elements=["name", "key"], set_={"state": QUEUED, "attempts": 0, "run_after": now},
            where=(table.state == FAILED) & (table.run_after <= now))
    db.session.execute(statement)


def claim(worker: str, lease: timedelta, max_attempts: int) -> Job | None:
    """The next job that is due (or whose worker has not finished within the lease), now this worker's."""
    now = utcnow()
    abandoned = (Job.state == RUNNING) & (Job.claimed_at < now - lease) & (Job.attempts < max_attempts)
    due = (select(Job.id).where(or_((Job.state == QUEUED) & (Job.run_after <= now), abandoned))
           .order_by(Job.run_after, Job.id).limit(1).with_for_update(skip_locked=True).scalar_subquery())
    claimed = db.session.execute(
        update(Job).where(Job.id == due)
        .values(state=RUNNING, claimed_by=worker, claimed_at=now, attempts=Job.attempts + 1, again=False)
        .returning(Job.id).execution_options(synchronize_session=False)).scalar()
    db.session.commit()
    return db.session.get(Job, claimed, populate_existing=True) if claimed else None


def finish(job_id: int, worker: str) -> None:
    """The job is done: gone, unless it was asked for again meanwhile (then it is due at once)."""
    mine = (Job.id == job_id) & (Job.claimed_by == worker) & (Job.state == RUNNING)
    # The DELETE first: a request that sets ``again`` meanwhile either commits before it (the DELETE, waiting for
    # its row lock, then sees ``again`` and leaves the row, for the UPDATE to see as well) or waits for it (and
    # then inserts the job anew). The other order could miss it on PostgreSQL.
    gone = db.session.execute(delete(Job).where(mine, Job.again.is_(False))
                              .execution_options(synchronize_session=False)).rowcount
    if not gone:
        db.session.execute(update(Job).where(mine, Job.again)
                           .values(state=QUEUED, again=False, attempts=0, run_after=utcnow(), claimed_by=None,
                                   claimed_at=None, last_error=None)
                           .execution_options(synchronize_session=False))
    db.session.commit()


def fail(job_id: int, worker: str, error: str, max_attempts: int, backoff: timedelta) -> bool:
    """The job raised: due again after ``backoff`` (doubling with each attempt), or kept as failed after the
    last attempt. True when it will be tried again."""
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or job.claimed_by != worker or job.state != RUNNING:
        db.session.commit()
        return False  # taken over by another worker meanwhile: theirs to report
    retry = job.attempts < max_attempts or job.again
    job.state, job.claimed_by, job.claimed_at, job.last_error = (QUEUED if retry else FAILED), None, None, error
    job.run_after = utcnow() + (backoff * 2 ** max(job.attempts - 1, 0) if retry else COOL_DOWN)
    if job.again:
        job.attempts, job.again = 0, False
    db.session.commit()
    return retry


def give_up_abandoned(max_attempts: int, lease: timedelta) -> int:
    """Jobs whose worker died during each of their attempts are kept as failed (not taken over forever)."""
    count = db.session.execute(
        update(Job).where(Job.state == RUNNING, Job.claimed_at < utcnow() - lease, Job.attempts >= max_attempts)
        .values(state=FAILED, claimed_by=None, run_after=utcnow() + COOL_DOWN,
                last_error="the worker stopped during every attempt")
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return count


def retry_failed() -> int:
    """Put every failed job back in the queue; returns how many."""
    count = db.session.execute(update(Job).where(Job.state == FAILED)
                               .values(state=QUEUED, attempts=0, run_after=utcnow())
                               .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return count


def counts() -> dict[str, int]:
    """How many jobs are queued, running and failed."""
    rows = db.session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return {QUEUED: 0, RUNNING: 0, FAILED: 0, **dict(rows)}


def failures(limit: int = 50) -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.state == FAILED).order_by(Job.id).limit(limit)))
