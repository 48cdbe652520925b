"""Per-connection database settings, and what a failed database call means for the request."""

import math
import sqlite3

import psycopg
from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from sqlalchemy.orm import Session

#: SQLSTATEs of a PostgreSQL server that is away for a moment: shutting down, crashed, starting up, or out of
#: connections (and class 08, every connection exception).
AWAY = ("57P01", "57P02", "57P03", "53300")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # SQLite ignores foreign keys unless asked, and WAL lets readers work while one process writes.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # log(x), base 10, as on PostgreSQL (the trending rank); not every SQLite build has math functions.
        dbapi_connection.create_function("log", 1, math.log10, deterministic=True)


def database_away(error) -> bool:
    """Whether ``error`` says the database could not be reached or went away in the middle (a restart, a crash,
    a failover, a cut network) rather than that the request went wrong: the same request works once it is back.
    (Stale pooled connections are pinged before use, SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"], and one found
    dead sets aside every connection older than it, so nothing stale is handed out once the database is back.)"""
    if isinstance(error, PendingRollbackError):
        # A second query after the connection broke under the first (the rate limiter asks again for the token's
        # owner): the transaction is dead because the database went away, if that is what broke it.
        cause = error.__cause__ or error.__context__
        return cause is not None and database_away(cause)
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    code = getattr(error.orig, "sqlstate", None)
    if code:
        return code.startswith("08") or code in AWAY
    # No answer from the server at all (refused, reset, closed): psycopg has no SQLSTATE to give, and says so in
    # words (unlike a query it refused to send, e.g. one with too many parameters, which is the request's fault).
    text = str(error.orig).lower()
    return isinstance(error.orig, (psycopg.OperationalError, psycopg.InterfaceError)) and any(
        words in text for words in ("connection", "server closed", "terminat", "timeout", "timed out"))


def in_doubt(error) -> bool:
    """Whether ``error`` broke off the COMMIT itself: the server may have committed just before the connection
    went, so nobody can say whether the transaction was saved."""
    return getattr(error, "minyi_in_doubt", False)


def committed_in_request() -> bool:
    """Whether the request has committed a transaction (then failed after it, e.g. reading for its answer)."""
    return has_request_context() and g.get("minyi_committed", False)


@event.listens_for(Session, "after_commit")
def _committed(_session):
    if has_request_context():
        g.minyi_committed = True


# Connection.info lives as long as the pooled connection: the mark is set as a COMMIT is sent and taken away as
# the next transaction begins (or rolls back), so it marks only an error of that COMMIT.
@event.listens_for(Engine, "commit")
def _committing(connection):
    connection.info["minyi_committing"] = True


@event.listens_for(Engine, "begin")
@event.listens_for(Engine, "rollback")
def _not_committing(connection):
    if not connection.invalidated:  # (the info of an invalidated connection would connect again)
        connection.info.pop("minyi_committing", None)


@event.listens_for(Engine, "handle_error")
def _mark_in_doubt(context):
    connection = context.connection
    if connection is not None and context.statement is None and context.sqlalchemy_exception is not None \
            and not connection.invalidated and connection.info.get("minyi_committing"):
        context.sqlalchemy_exception.minyi_in_doubt = True


def include_object(obj, name, type_, reflected, compare_to):
    """For Alembic: database-specific search indexes live only in migrations, not in the models."""
    return not (type_ == "index" and name and name.endswith(("_trgm", "_grams")))
