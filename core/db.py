"""The one SQLAlchemy handle the domain packages share.

It lives here, not in ``server``, so that ``proposals`` and ``voting`` can define
models without importing the web layer (dependencies point one way only)."""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import DateTime, MetaData, TypeDecorator, UpdateBase
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint names so Alembic migrations are reproducible on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RoutingSession(FlaskSession):
    """Reads go to the read replica (MINYI_DATABASE_REPLICA_URL) while the request allows it (``use_replica``);
    writes, and every read made while writing (a flush), go to the primary."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and not self._flushing and not isinstance(clause, UpdateBase) and _replica_allowed():
            replica = self._db.engines.get("replica")
            if replica is not None:
                return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    def close(self) -> None:
        """Close, also when the database went away meanwhile (a restart): its connection, found broken, is set
        aside, and there is nothing left to roll back. (Otherwise the end of a request served in full would turn
        it into an error.)"""
        try:
            super().close()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise

    def primary_connection(self):
        """The transaction's connection to the primary, for writing outside a flush (as it commits), whatever
        this request reads from."""
        return self.connection(bind_arguments={"bind": self._db.engine})


def _replica_allowed() -> bool:
    from flask import g, has_app_context

    return has_app_context() and g.get("minyi_replica", False)


def use_replica() -> None:
    """Let this request read from the replica: a page that only reads and may be a moment behind the primary
    (the replica lags by the time replication takes, usually well under a second)."""
    from flask import g

    g.minyi_replica = True


# Objects stay loaded after commit: a view commits, then renders what it changed, without reloading
# every row it touched (a vote would otherwise read the proposal, the voter and their regions twice).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False, "class_": RoutingSession})


class UTCDateTime(TypeDecorator):
    """A moment in time, always timezone-aware in Python and stored as UTC.

    SQLite has no time zones and hands back naive datetimes; this makes both databases agree."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use core.db.utcnow() or give a time zone")
        return value.astimezone(timezone.utc) if dialect.name != "sqlite" else \
            value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


#: The moment ``utcnow`` answers with inside ``clock_at``; None (the real time) everywhere else.
_replayed: ContextVar[datetime | None] = ContextVar("minyi_replayed_now", default=None)


def utcnow() -> datetime:
    """Timezone-aware now, the only clock models use."""
    return _replayed.get() or datetime.now(timezone.utc)


@contextmanager
def clock_at(moment: datetime):
    """Within the block, ``utcnow`` is ``moment``: `minyi demo` plays a year of history through the same services
    residents and officials use, each step at the time it happened, so every date and derived figure is theirs."""
    token = _replayed.set(moment.astimezone(timezone.utc))
    try:
        yield moment
    finally:
        _replayed.reset(token)


def local_zone():
    """The time zone where the residents live (MINYI_TIMEZONE); UTC outside the app."""
    from zoneinfo import ZoneInfo

    from flask import current_app, has_app_context

    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai") if has_app_context() else "UTC")


def insert_unless_present(model, **values) -> bool:
    """INSERT a row unless a unique constraint says it is already there; True when it was inserted.

    One statement (``INSERT … ON CONFLICT DO NOTHING``, PostgreSQL and SQLite alike): no savepoint, and the
    constraint, not a check before the insert, decides."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing()
    return db.session.execute(statement.returning(*model.__table__.primary_key)).first() is not None


def one_of(column: str, values) -> str:
    """SQL for a CHECK that ``column`` holds one of an enum's values."""
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


def _transient(error) -> bool:
    """A write that lost a race and may simply be tried again."""
    text = str(getattr(error, "orig", error)).lower()
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    return "database is locked" in text or code in ("40001", "40P01")


def commit_with_retry(work, attempts: int = 8):
    """Run ``work()`` and commit, retrying when the database reports a transient conflict.

    SQLite lets one writer in at a time and refuses (rather than queues) a reader that wants to
    become a writer; PostgreSQL may abort one side of a deadlock. Either way nothing was written,
    so the whole unit of work runs again on fresh data."""
    import random
    import time

    from sqlalchemy.exc import OperationalError

    for attempt in range(attempts):
        try:
            result = work()
            db.session.commit()
            return result
        except OperationalError as error:
            db.session.rollback()
            if not _transient(error) or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.005, 0.02) * 2**attempt)
