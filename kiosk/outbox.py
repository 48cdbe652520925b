"""The kiosk's outbox: every appeal the resident confirmed, kept on the kiosk until the server has it.

SQLite in WAL mode with synchronous writes: once ``add`` returns (and the receipt code is shown), the appeal
survives a power cut. The recording is written (and synced) before its row, so a confirmed appeal always has
its recording; a recording without a row (power cut in between) is removed at the next start."""

import secrets
import sqlite3
import time
import uuid as uuids
from dataclasses import dataclass
from pathlib import Path

from kiosk.ballot_box import BallotBox
from kiosk.files import write_whole
from wire.protocol import PREFIX_LENGTH, RECEIPT_ALPHABET, RECEIPT_LENGTH, format_receipt

SCHEMA = """
CREATE TABLE IF NOT EXISTS appeals (
    uuid TEXT PRIMARY KEY,
    receipt_code TEXT NOT NULL UNIQUE,
    transcript TEXT NOT NULL,
    words TEXT,
    audio_file TEXT NOT NULL,
    category TEXT,
    contact_phone TEXT,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'refused')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    server_id INTEGER,
    created_at REAL NOT NULL,
    sent_at REAL,
    set_aside INTEGER NOT NULL DEFAULT 0,
    voice_only INTEGER NOT NULL DEFAULT 0,
    public INTEGER NOT NULL DEFAULT 0,
    no_sms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ix_appeals_due ON appeals (state, next_try);
CREATE TABLE IF NOT EXISTS facts (name TEXT PRIMARY KEY, value TEXT);
"""


@dataclass
class Queued:
    uuid: str
    receipt_code: str
    transcript: str
    words: str | None
    audio_path: Path
    category: str | None
    contact_phone: str | None
    attempts: int
    state: str = "queued"
    server_id: int | None = None
    last_error: str | None = None
    created_at: float = 0.0
    #: The server kept failing on this one while it took the others: it is tried on its own, not in line.
    set_aside: bool = False
    #: The recording is the appeal; the transcript (maybe empty) is only a help for the official who listens.
    voice_only: bool = False
    #: Shown on the public message board (without a name) once its words are known.
    public: bool = False
    #: The resident wants no text message with the answer (the number is for a call only).
    no_sms: bool = False


class Outbox:
    def __init__(self, folder: Path, receipt_prefix: str, clock=time.time):
        #: The wall clock (seconds since the epoch). A Pi has no real-time clock: it may start in 1970 or on the
        #: date it last shut down, then jump when NTP answers. So the outbox never trusts it for order (appeals go
        #: in the order they were kept) and never lets it hold delivery back longer than the longest wait.
        self.clock = clock
        self.folder = Path(folder)
        self.audio_folder = self.folder / "recordings"
        self.audio_folder.mkdir(parents=True, exist_ok=True)
        if len(receipt_prefix) != PREFIX_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in receipt_prefix):
            raise ValueError(f"not a receipt prefix: {receipt_prefix!r}")
        self.prefix = receipt_prefix
        self.db = sqlite3.connect(self.folder / "outbox.sqlite3", timeout=30, isolation_level=None,
                                  check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a committed appeal is on the disk
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(appeals)")}
        for added in ("set_aside", "voice_only", "public", "no_sms"):  # an outbox made by an older version
            if added not in columns:
                self.db.execute(f"ALTER TABLE appeals ADD COLUMN {added} INTEGER NOT NULL DEFAULT 0")
        self._remove_orphans()
        #: Budget ballots cast here, kept in the same file until the server has them.
        self.ballots = BallotBox(self.db, clock)

    def close(self) -> None:
        self.db.close()

    def _remove_orphans(self, older_than: float = 600.0) -> None:
        """Recordings no appeal needs: those of delivered appeals (the power went just after the delivery was
        noted), and old ones whose appeal was never confirmed (the power went between the recording and its
        row). Only old ones of the second kind: another process (the screen) may be between the two right now."""
        rows = self.db.execute("SELECT audio_file, state FROM appeals").fetchall()
        waiting = {name for name, state in rows if state != "sent"}
        delivered = {name for name, state in rows if state == "sent"}
        for path in self.audio_folder.iterdir():
            try:
                if path.name in delivered or (path.name not in waiting
                                              and time.time() - path.stat().st_mtime > older_than):
                    path.unlink(missing_ok=True)
            except FileNotFoundError:
                continue

    def add(self, *, transcript: str, audio: bytes, extension: str = ".ogg", words: str | None = None,
            category: str | None = None, contact_phone: str | None = None, voice_only: bool = False,
            public: bool = False, no_sms: bool = False) -> Queued:
        """Keep a confirmed appeal; returns it with its receipt code (made here, so it works offline)."""
        appeal_id = str(uuids.uuid4())
        audio_file = appeal_id + extension
        write_whole(self.audio_folder / audio_file, audio)
        for _ in range(100):
            # Random, not counted up: a receipt code lets its holder read the answer, so it must not be guessable.
            raw = self.prefix + "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH - PREFIX_LENGTH))
            try:
                self.db.execute(
                    "INSERT INTO appeals (uuid, receipt_code, transcript, words, audio_file, category, contact_phone, "
                    "created_at, voice_only, public, no_sms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (appeal_id, format_receipt(raw), transcript, words, audio_file, category, contact_phone,
                     self.clock(), int(voice_only), int(public), int(no_sms)))
                return self.get(appeal_id)
            except sqlite3.IntegrityError:  # this kiosk gave that code before: draw again
                continue
        raise RuntimeError("no free receipt code found")

    def _row(self, row) -> Queued | None:
        if row is None:
            return None
        (appeal_id, code, transcript, words, audio_file, category, contact, state, attempts, server_id,
         last_error, created_at, set_aside, voice_only, public, no_sms) = row
        return Queued(appeal_id, code, transcript, words, self.audio_folder / audio_file, category, contact,
                      attempts, state, server_id, last_error, created_at, bool(set_aside), bool(voice_only),
                      bool(public), bool(no_sms))

    _COLUMNS = ("uuid, receipt_code, transcript, words, audio_file, category, contact_phone, state, attempts, "
                "server_id, last_error, created_at, set_aside, voice_only, public, no_sms")

    def get(self, appeal_id: str) -> Queued | None:
        return self._row(self.db.execute(f"SELECT {self._COLUMNS} FROM appeals WHERE uuid = ?",
                                         (appeal_id,)).fetchone())

    def by_receipt(self, code: str) -> Queued | None:
        return self._row(self.db.execute(f"SELECT {self._COLUMNS} FROM appeals WHERE receipt_code = ?",
                                         (code,)).fetchone())

    # Queued appeals in the order they were kept. The rowid counts up as rows are added (rows are never deleted
    # and the outbox is never vacuumed), unlike created_at, which follows the wall clock back and forth.
    _QUEUE = "FROM appeals WHERE state = 'queued' AND set_aside = 0 ORDER BY rowid"
    _ASIDE = "FROM appeals WHERE state = 'queued' AND set_aside = 1 ORDER BY rowid"

    def due(self, now: float | None = None, limit: int = 50, longest: float = 900.0) -> list[Queued]:
        """Queued appeals in the order they were spoken, once the oldest one's next try has come: they are
        delivered in that order, so the oldest one's back-off holds the others back (the link is down, not one
        appeal). Appeals set aside (the server kept failing on them while taking the others) come first, each
        when its own next try has come. A next try more than ``longest`` seconds away means the clock was set
        back since it was planned: it is due now."""
        now = self._now(now)
        aside = [row for row in self.db.execute(f"SELECT {self._COLUMNS}, next_try {self._ASIDE}")
                 if self._when(row[-1], now, longest) <= now]
        head = self._head(now, longest)
        line = [] if head is None or head > now else self.db.execute(
            f"SELECT {self._COLUMNS}, next_try {self._QUEUE} LIMIT ?", (limit,)).fetchall()
        return [self._row(row[:-1]) for row in (aside + line)[:limit]]

    def next_try(self, now: float | None = None, longest: float = 900.0) -> float | None:
        """When the queue (its oldest appeal in line), or an appeal set aside, may be tried again; None: nothing
        queued."""
        now = self._now(now)
        times = [self._when(row[0], now, longest) for row in self.db.execute(f"SELECT next_try {self._ASIDE}")]
        head, ballot = self._head(now, longest), self.ballots.next_try(now, longest)
        return min(times + [t for t in (head, ballot) if t is not None], default=None)

    def _head(self, now: float, longest: float) -> float | None:
        row = self.db.execute(f"SELECT next_try {self._QUEUE} LIMIT 1").fetchone()
        return None if row is None else self._when(row[0], now, longest)

    @staticmethod
    def _when(next_try: float, now: float, longest: float) -> float:
        return now if next_try - now > longest else next_try  # the clock went back: do not wait for it to catch up

    def set_aside(self, appeal_id: str) -> None:
        """The server takes the others but keeps failing on this one: it no longer holds them back; it is tried
        on its own back-off (and counted as queued in the heartbeat, for an operator to look at)."""
        self.db.execute("UPDATE appeals SET set_aside = 1 WHERE uuid = ?", (appeal_id,))

    def _now(self, now: float | None) -> float:
        return self.clock() if now is None else now

    def mark_sent(self, appeal_id: str, server_id: int) -> None:
        """The server has it (and its recording): the row stays, for lookups by receipt code; the recording goes,
        so the SD card does not fill up."""
        self.db.execute("UPDATE appeals SET state = 'sent', server_id = ?, sent_at = ?, last_error = NULL "
                        "WHERE uuid = ?", (server_id, self.clock(), appeal_id))
        self._set("last_sync", str(self.clock()))
        row = self.db.execute("SELECT audio_file FROM appeals WHERE uuid = ?", (appeal_id,)).fetchone()
        if row:
            (self.audio_folder / row[0]).unlink(missing_ok=True)

    def mark_failed(self, appeal_id: str, error: str, retry_in: float, now: float | None = None) -> None:
        """A try failed (no network, server trouble): try again after ``retry_in`` seconds."""
        self.db.execute("UPDATE appeals SET attempts = attempts + 1, next_try = ?, last_error = ? WHERE uuid = ?",
                        (self._now(now) + retry_in, error[:500], appeal_id))

    def mark_refused(self, appeal_id: str, error: str) -> None:
        """The server refused it for good (kept, and counted in the heartbeat, for an operator to look at)."""
        self.db.execute("UPDATE appeals SET state = 'refused', attempts = attempts + 1, last_error = ? WHERE uuid = ?",
                        (error[:500], appeal_id))

    def counts(self) -> dict[str, int]:
        found = dict(self.db.execute("SELECT state, count(*) FROM appeals GROUP BY state").fetchall())
        return {state: found.get(state, 0) for state in ("queued", "sent", "refused")}

    def last_sync(self) -> float | None:
        value = self._get("last_sync")
        return float(value) if value else None

    def _get(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM facts WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def _set(self, name: str, value: str) -> None:
        self.db.execute("INSERT INTO facts (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = "
                        "excluded.value", (name, value))
