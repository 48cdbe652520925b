"""Early warning: a kind of problem suddenly reported much more often in one township (a burst water
main, a road washed out) shows on the officials' pages with the appeals behind it, before anyone reads
them one by one."""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from accounts.regions import RegionLevel, region_tree
from appeals.models import Appeal
from core.cache import remembered
from core.db import db, utcnow
from core.rules import rule

WINDOW = timedelta(hours=48)
BASELINE = timedelta(days=28)
FACTOR = 3      # at least three times the usual rate ...
MINIMUM = 3     # ... and at least three appeals: one or two are not a wave


@dataclass
class Alert:
    township_id: int
    category_id: int
    recent: int       # appeals in the last 48 hours
    usual: float      # appeals in 48 hours, on average over the four weeks before
    appeal_ids: list = field(default_factory=list)

    @property
    def times(self) -> float | None:
        return round(self.recent / self.usual, 1) if self.usual else None


def rising_cached(*, categories=None, within=None) -> list[Alert]:
    """``rising`` as counted at most MINYI_ALERTS_CACHE_SECONDS ago (the inbox shows it on every page: one
    count a minute for all workers, not one per page)."""
    key = "alerts:{}:{}".format(",".join(map(str, sorted(categories))) if categories is not None else "all",
                                within.id if within is not None else "all")
    return remembered(key, float(rule("MINYI_ALERTS_CACHE_SECONDS")),
                      lambda: rising(categories=categories, within=within))


def _township_of(tree, village_id):
    path = tree.path(village_id)
    return path[1] if len(path) > 1 else village_id


def rising(*, categories=None, within=None, now=None) -> list[Alert]:
    """Township and category pairs whose appeals in the last 48 hours reach three times their usual rate;
    only for ``categories`` (ids) and inside the region ``within`` when given. Biggest waves first."""
    now = now or utcnow()
    tree = region_tree()
    allowed = set(tree.subtree(within.id)) if within is not None else None

    def counts(start, end):
        query = select(Appeal.region_id, Appeal.category_id, func.count()).where(
            Appeal.created_at >= start, Appeal.created_at < end).group_by(Appeal.region_id, Appeal.category_id)
        if categories is not None:
            query = query.where(Appeal.category_id.in_(list(categories)))
        totals: dict = {}
        for region_id, category_id, n in db.session.execute(query):
            if allowed is None or region_id in allowed:
                key = (_township_of(tree, region_id), category_id)
                totals[key] = totals.get(key, 0) + n
        return totals

    recent = counts(now - WINDOW, now)
    earlier = counts(now - WINDOW - BASELINE, now - WINDOW)
    periods = BASELINE / WINDOW
    alerts = []
    for (township, category), n in recent.items():
        usual = earlier.get((township, category), 0) / periods
        if n >= MINIMUM and n >= FACTOR * usual:
            alerts.append(Alert(township, category, n, round(usual, 2)))
    for alert in alerts:
        villages = [r for r in tree.subtree(alert.township_id) if tree.level[r] == RegionLevel.VILLAGE] \
            or [alert.township_id]
        alert.appeal_ids = list(db.session.scalars(
            select(Appeal.id).where(Appeal.created_at >= now - WINDOW, Appeal.category_id == alert.category_id,
                                    Appeal.region_id.in_(villages)).order_by(Appeal.id)))
    return sorted(alerts, key=lambda a: (-a.recent, a.township_id, a.category_id))
