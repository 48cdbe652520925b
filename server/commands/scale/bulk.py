"""Loading generated rows fast: PostgreSQL's COPY, or SQLite's executemany in one transaction.

Rows are plain tuples in the order of the columns given; values are Python objects (aware datetimes, dates,
bools, dicts for JSON columns) and are written as the models' column types would write them."""

import json
from datetime import date, datetime, timezone


class Loader:
    """Bulk writes on one DBAPI connection (``engine.raw_connection()``), committed step by step."""

    def __init__(self, raw_connection, dialect: str):
        self.raw = raw_connection
        self.postgres = dialect == "postgresql"

    def copy(self, table: str, columns: list[str], rows) -> int:
        """Write every row of the iterable ``rows``; returns how many."""
        names = ", ".join(f'"{c}"' for c in columns)
        count = 0
        if self.postgres:
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v for v in row])
                    count += 1
            return count
        cursor = self.raw.cursor()
        statement = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
        batch = []
        for row in rows:
            batch.append(tuple(_sqlite_value(v) for v in row))
            if len(batch) == 10_000:
                cursor.executemany(statement, batch)
                count += len(batch)
                batch.clear()
        cursor.executemany(statement, batch)
        cursor.close()
        return count + len(batch)

    def sequences(self, *tables: str) -> None:
        """Move PostgreSQL's id sequences past the ids written (SQLite takes the next rowid by itself)."""
        if not self.postgres:
            return
        with self.raw.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")

    def execute(self, sql: str) -> None:
        """One statement of plain SQL (both databases' dialect)."""
        cursor = self.raw.cursor()
        cursor.execute(sql)
        cursor.close()

    def commit(self) -> None:
        self.raw.commit()


def _sqlite_value(value):
    """What SQLAlchemy's SQLite types store (core.db.UTCDateTime keeps naive UTC text)."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value
