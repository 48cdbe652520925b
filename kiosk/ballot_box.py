"""Budget ballots cast at the kiosk, kept until the server has them, like appeals in the outbox (and in the same
SQLite file, synchronous writes: once the resident is told "your ballot is kept", it survives a power cut).

Each ballot has a UUID made here: the server records a ballot once per UUID, so a retry after a lost answer (or a
power cut between the server's answer and our note of it) never casts a second one. The resident's one-time code
is kept only until the server has the ballot. ``cast_at`` is the time the resident confirmed it: a ballot cast
before voting closed counts even when it is delivered after."""

import json
import sqlite3
import uuid as uuids
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS ballots (
    uuid TEXT PRIMARY KEY,
    cycle_id INTEGER NOT NULL,
    code TEXT,
    parts TEXT NOT NULL,
    cast_at REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'refused')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at REAL
);
"""


@dataclass
class QueuedBallot:
    uuid: str
    cycle_id: int
    code: str | None
    #: [{"part_id": ..., "projects": [...]}, ...]
    parts: list
    cast_at: float
    attempts: int = 0
    state: str = "queued"
    last_error: str | None = None


class BallotBox:
    def __init__(self, db: sqlite3.Connection, clock):
        self.db, self.clock = db, clock
        self.db.executescript(SCHEMA)

    _COLUMNS = "uuid, cycle_id, code, parts, cast_at, attempts, state, last_error"

    def _row(self, row) -> QueuedBallot | None:
        if row is None:
            return None
        ballot_id, cycle_id, code, parts, cast_at, attempts, state, last_error = row
        return QueuedBallot(ballot_id, cycle_id, code, json.loads(parts), cast_at, attempts, state, last_error)

    def add(self, *, cycle_id: int, code: str, parts: list) -> QueuedBallot:
        """Keep a confirmed ballot (``parts``: each part's approved project ids)."""
        ballot_id = str(uuids.uuid4())
        self.db.execute("INSERT INTO ballots (uuid, cycle_id, code, parts, cast_at) VALUES (?, ?, ?, ?, ?)",
                        (ballot_id, cycle_id, code, json.dumps(parts), self.clock()))
        return self.get(ballot_id)

    def get(self, ballot_id: str) -> QueuedBallot | None:
        return self._row(self.db.execute(f"SELECT {self._COLUMNS} FROM ballots WHERE uuid = ?",
                                         (ballot_id,)).fetchone())

    def due(self, now: float | None = None, longest: float = 900.0, limit: int = 50) -> list[QueuedBallot]:
        """Queued ballots whose next try has come, oldest first (a next try further away than ``longest``: the
        clock was set back since, so it is due now)."""
        now = self.clock() if now is None else now
        return [self._row(row) for row in self.db.execute(
            f"SELECT {self._COLUMNS} FROM ballots WHERE state = 'queued' AND (next_try <= ? OR next_try > ?) "
            "ORDER BY rowid LIMIT ?", (now, now + longest, limit))]

    def next_try(self, now: float | None = None, longest: float = 900.0) -> float | None:
        now = self.clock() if now is None else now
        row = self.db.execute("SELECT min(next_try) FROM ballots WHERE state = 'queued'").fetchone()
        return None if row[0] is None else (now if row[0] - now > longest else row[0])

    def mark_sent(self, ballot_id: str) -> None:
        """The server has it: the code goes (it is used up anyway), the row stays for the log."""
        self.db.execute("UPDATE ballots SET state = 'sent', code = NULL, sent_at = ?, last_error = NULL "
                        "WHERE uuid = ?", (self.clock(), ballot_id))

    def mark_failed(self, ballot_id: str, error: str, retry_in: float) -> None:
        self.db.execute("UPDATE ballots SET attempts = attempts + 1, next_try = ?, last_error = ? WHERE uuid = ?",
                        (self.clock() + retry_in, error[:500], ballot_id))

    def mark_refused(self, ballot_id: str, error: str) -> None:
        """The server refused it for good (an unknown, used or expired code): kept with the reason, code dropped."""
        self.db.execute("UPDATE ballots SET state = 'refused', code = NULL, attempts = attempts + 1, last_error = ? "
                        "WHERE uuid = ?", (error[:500], ballot_id))

    def counts(self) -> dict[str, int]:
        found = dict(self.db.execute("SELECT state, count(*) FROM ballots GROUP BY state").fetchall())
        return {state: found.get(state, 0) for state in ("queued", "sent", "refused")}
