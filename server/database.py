"""Per-connection database settings."""

import math
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


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


def include_object(obj, name, type_, reflected, compare_to):
    """For Alembic: database-specific search indexes live only in migrations, not in the models."""
    return not (type_ == "index" and name and name.endswith(("_trgm", "_grams")))
