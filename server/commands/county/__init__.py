"""A living county for `minyi demo`: a year of history played through the same services residents and officials
use (each step at the moment it happened, core.db.clock_at), so every date, count and figure is one the app itself
would have produced. Deterministic: one seeded ``random.Random`` and an ordered timeline."""

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.db import clock_at, db

SEED = 20261207


@dataclass
class County:
    """What the steps share: the places, people and the timeline."""
    now: datetime
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    regions: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)
    departments: dict = field(default_factory=dict)
    #: Department code → its official.
    officials: dict = field(default_factory=dict)
    admin: object = None
    #: The named demo residents, in the order of server.commands.demo.RESIDENTS.
    residents: list = field(default_factory=list)
    #: Village code → its verified residents (named and neighbours).
    verified: dict = field(default_factory=dict)
    #: Residents who signed up for this year's budget vote (server.commands.county.budgets).
    voters: list = field(default_factory=list)
    kiosks: dict = field(default_factory=dict)
    #: (category code, village code) → the code of the department its appeals go to.
    routes: dict = field(default_factory=dict)
    #: Projects planned so far (every other finished one ends late).
    projects: int = 0
    _queue: list = field(default_factory=list)
    _order: int = 0

    def at(self, moment: datetime, step, *args, **kwargs) -> None:
        """Do ``step(*args, **kwargs)`` at ``moment`` (a moment after now never comes: it stays undone)."""
        if moment <= self.now:
            self._order += 1
            heapq.heappush(self._queue, (moment, self._order, step, args, kwargs))

    def ago(self, days: float, hours: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours)

    def play(self) -> int:
        """Do every step in the order of time (a step may plan later ones); returns how many were done."""
        done = 0
        while self._queue:
            moment, _order, step, args, kwargs = heapq.heappop(self._queue)
            with clock_at(moment):
                step(*args, **kwargs)
            done += 1
            if done % 200 == 0:
                db.session.flush()
        return done

    def official_for(self, department):
        return self.officials.get(department.code) if department is not None else None
