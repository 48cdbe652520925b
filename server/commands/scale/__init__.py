"""A province's worth of realistic, bilingual, deterministic data, for `minyi demo --scale N` and the
benchmarks: regions, residents, proposals with supports and pledges, a year of appeals with answers and
ratings, and projects with milestones and a money trail.

Everything is drawn from one ``random.Random(seed)`` and anchored to a day (midnight UTC), so a seed and a day
give the same database. Derived figures (supports_count, hot, status, answered_late, funded…) are computed
from the generated rows exactly as the app's services would have left them."""

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from accounts import passwords
from accounts.regions import Region
from accounts.users import User
from appeals.rollups import rebuild
from core.db import db
from server.commands.demo import DEMO_PASSWORD
from server.commands.scale import appeals, people, projects, proposals
from server.commands.scale.bulk import Loader

#: Scale 1: what the message board this platform grows from holds (about a million messages).
FULL = {"users": 100_000, "proposals": 100_000, "supports": 1_000_000, "appeals": 1_000_000}


@dataclass
class Sizes:
    townships: int = 10
    villages: int = 200
    users: int = 100_000
    proposals: int = 100_000
    supports: int = 1_000_000
    appeals: int = 0
    seed: int = 20261127

    @classmethod
    def at_scale(cls, scale: float, seed: int = 20261127) -> "Sizes":
        """Scale 1 is FULL; smaller scales keep about 25 residents per village and 20 villages per township."""
        users = max(40, round(FULL["users"] * scale))
        villages = max(4, min(200, users // 25))
        return cls(townships=max(2, min(10, villages // 20)), villages=villages, users=users,
                   proposals=max(20, round(FULL["proposals"] * scale)), supports=round(FULL["supports"] * scale),
                   appeals=max(20, round(FULL["appeals"] * scale)), seed=seed)


@dataclass
class Facts:
    """What the benchmarks and the command's summary need to know about the generated data."""
    townships: list = field(default_factory=list)
    villages: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    visible_ids: list = field(default_factory=list)
    #: Department id → its official's user id.
    officials: dict = field(default_factory=dict)
    #: Logins shown by `minyi demo`: (role, login, name).
    logins: list = field(default_factory=list)
    public_appeal_ids: list = field(default_factory=list)
    #: Department id → ids of its appeals waiting for an answer.
    waiting: dict = field(default_factory=dict)
    #: (body, village id, category id) of the latest appeals, to type as new ones.
    appeal_texts: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    search_terms: dict = field(default_factory=dict)


@dataclass
class Context:
    """The state the generating steps share."""
    load: Loader
    sizes: Sizes
    password_hash: str
    now: datetime
    rng: random.Random
    facts: Facts = field(default_factory=Facts)
    #: Region id → its parent's id.
    parent_of: dict = field(default_factory=dict)
    #: Region id → ids of the residents living in it (a village, its township, the county).
    by_region: dict = field(default_factory=dict)
    #: Accepted proposals, which become projects: (id, village id, category id, title, created_at).
    accepted: list = field(default_factory=list)
    #: How populous each village of facts.villages is, relative to the others.
    village_weights: list = field(default_factory=list)
    _clock: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        """Commit the step and note how long it took."""
        self.load.commit()
        self.facts.timings[name] = time.perf_counter() - self._clock
        self._clock = time.perf_counter()


def generate(load: Loader, sizes: Sizes, password_hash: str, *, now: datetime | None = None) -> Facts:
    """Write every table; ``now`` defaults to today's midnight (UTC). Run it in the app's context: months are
    counted in its time zone (MINYI_TIMEZONE)."""

    now = now or datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    ctx = Context(load, sizes, password_hash, now, random.Random(sizes.seed))
    people.regions(ctx)
    people.residents(ctx)
    proposals.fill(ctx)
    people.staff(ctx)
    if sizes.appeals:
        appeals.fill(ctx)
    projects.fill(ctx)
    return ctx.facts


class NotEmpty(RuntimeError):
    """Generated data goes into an empty database only (its ids start at 1)."""


def ensure_empty() -> None:
    """Raise NotEmpty unless the app's database holds no regions and no users."""
    from sqlalchemy import func, select


    held = db.session.scalar(select(func.count()).select_from(Region)) or \
        db.session.scalar(select(func.count()).select_from(User))
    db.session.rollback()
    if held:
        raise NotEmpty("The database already holds regions or users: load generated data into a new database.")


def load(sizes: Sizes, *, now: datetime | None = None) -> Facts:
    """Generate into the app's database (migrated, empty), count the dashboard's roll-ups, and refresh the
    planner's statistics."""

    ensure_empty()
    raw = db.engine.raw_connection()
    try:
        facts = generate(Loader(raw, db.engine.dialect.name), sizes, passwords.hash_password(DEMO_PASSWORD), now=now)
    finally:
        raw.close()
    began = time.perf_counter()
    rebuild()
    db.session.commit()
    facts.timings["dashboard roll-ups"] = time.perf_counter() - began
    began = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)" if connection.dialect.name == "postgresql" else "ANALYZE")
    facts.timings["statistics (ANALYZE)"] = time.perf_counter() - began
    return facts
