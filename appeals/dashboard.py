"""The public instrument panel: how well each department, township and month answers appeals.

Figures are honest by construction: an appeal counts as resolved only while it is resolved (a reopened
one is not), overdue means first answered after its deadline or waiting past it now, and a group's figures
are only shown above a minimum number of appeals (a department with two appeals has no "rate")."""

from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import JSON, Integer, func, select
from sqlalchemy.orm import Mapped, aliased, mapped_column

from accounts.regions import Department, Region, region_tree
from appeals.models import WAITING, Appeal
from appeals.rollups import COUNTERS, AppealRollup, ResponseTimes
from appeals.services import month_of
from core.cache import remembered
from core.db import UTCDateTime, db, utcnow
from core.rules import rule

DIMENSIONS = ("department", "township", "month")


@dataclass
class Figures:
    key: str
    label: str
    appeals: int = 0
    answered: int = 0
    resolved: int = 0
    overdue: int = 0
    reopened: int = 0
    ratings: int = 0
    satisfaction: float | None = None  # average of 1–5
    median_hours: float | None = None  # time to the first answer
    p90_hours: float | None = None

    @property
    def shown(self) -> bool:
        """Enough appeals for the shares to mean something (MINYI_DASHBOARD_MIN_APPEALS)."""
        return self.appeals >= int(rule("MINYI_DASHBOARD_MIN_APPEALS"))

    def share(self, part: int, whole: int | None = None) -> float | None:
        whole = self.appeals if whole is None else whole
        return round(part / whole, 4) if whole else None

    @property
    def response_rate(self):
        return self.share(self.answered)

    @property
    def resolution_rate(self):
        return self.share(self.resolved)

    @property
    def overdue_share(self):
        return self.share(self.overdue)

    @property
    def reopen_rate(self):
        return self.share(self.reopened, self.answered)

    def as_dict(self) -> dict:
        """Everything, for JSON and CSV; the shares are None when the group is too small to show."""
        shown = self.shown
        data = asdict(self)
        data.update(shown=shown, **{name: getattr(self, name) if shown else None for name in
                                    ("response_rate", "resolution_rate", "overdue_share", "reopen_rate")})
        if not shown:
            data.update(satisfaction=None, median_hours=None, p90_hours=None)
        return data


def figures(by: str | None = None, *, months: int | None = None,
            townships: list[int] | None = None) -> list[Figures]:
    """Figures per department, township or month (``by``), or one row for everything; the last ``months``
    months only when given, the appeals of villages in ``townships`` only when given. Read from the roll-ups
    (appeals.rollups), and, for appeals waiting past their deadline now, from the waiting appeals (a few
    thousand at most, on the inbox's index)."""
    first = _first_month(months) if months else None
    group = {"department": AppealRollup.department_id, "township": AppealRollup.township_id,
             "month": AppealRollup.day, None: None}[by]
    sums = [func.sum(getattr(AppealRollup, name)) for name in COUNTERS]
    query = select(*([group] if group is not None else []), *sums)
    if first:
        query = query.where(AppealRollup.day >= date(int(first[:4]), int(first[5:]), 1))
    if townships is not None:
        query = query.where(AppealRollup.township_id.in_(townships))
    if group is not None:
        query = query.group_by(group)
    found: dict = {} if by else {"all": Figures(key="all", label="")}  # everything: one row, even of nothing
    for row in db.session.execute(query):
        key = _key(by, row[0]) if by else "all"
        counts = row[1:] if by else row
        if counts[0] is None:  # no appeals at all
            continue
        f = found.setdefault(key, Figures(key=key, label=""))
        f.appeals += counts[0]
        f.answered += counts[1]
        f.overdue += counts[2]
        f.resolved += counts[3]
        f.reopened += counts[4]
        f.ratings += counts[5]
        f.satisfaction = (f.satisfaction or 0) + counts[6]  # the sum of scores, for now
    for f in found.values():
        f.satisfaction = round(f.satisfaction / f.ratings, 2) if f.ratings else None
    for key, late in _waiting_past_deadline(by, first, townships).items():
        if key in found:
            found[key].overdue += late
    for key, (median, p90) in _response_percentiles(by, first, townships).items():
        if key in found:
            found[key].median_hours, found[key].p90_hours = median, p90
    return sorted(_labelled(found.values(), by), key=lambda f: f.key if by == "month" else f.label)


def this_month(townships: list[int] | None = None) -> Figures:
    """This month's figures, everywhere or in the villages of ``townships``: the same sums as the dashboard's
    row for this month (``figures("month")``), narrowed to those townships; kept as long as the dashboard keeps
    its own (MINYI_DASHBOARD_CACHE_SECONDS), since the home page shows them to every visitor."""
    key = f"month-figures:{month_of(utcnow())}:{','.join(map(str, sorted(townships))) if townships is not None else 'all'}"
    return remembered(key, float(rule("MINYI_DASHBOARD_CACHE_SECONDS")),
                      lambda: figures(months=1, townships=townships)[0])


def _key(by, value) -> str:
    """The group's key as the dashboard has always shown it: a department's or township's id ("None" for
    appeals without one), or the month."""
    if by == "month":
        return value.strftime("%Y-%m") if isinstance(value, date) else str(value)
    return "None" if not value else str(value)


def _waiting_past_deadline(by, first, townships=None) -> dict:
    """Appeals waiting past their deadline now that were not already counted as answered late."""
    column = {"department": Appeal.department_id, "township": _village.parent_id, "month": Appeal.month}.get(by)
    query = select(*([column] if column is not None else []), func.count()).select_from(Appeal).where(
        Appeal.status.in_(WAITING), Appeal.due_at < utcnow(), Appeal.answered_late.is_not(True))
    if by == "township" or townships is not None:
        query = query.join(_village, _village.id == Appeal.region_id)
    if townships is not None:
        query = query.where(_village.parent_id.in_(townships))
    if first:
        query = query.where(Appeal.month >= first)
    if column is None:
        return {"all": db.session.scalar(query) or 0}
    return {_key(by, key): count for key, count in db.session.execute(query.group_by(column))}


#: The appeal's village, joined when grouping by township.
_village = aliased(Region)


def _response_percentiles(by, first, townships=None) -> dict:
    """Median and 90th percentile of hours to the first answer, per group, from the roll-ups' histograms
    (each bucket's times stand at their mean; see appeals.rollups)."""
    dimension = "township" if by == "township" or townships is not None else "department"
    group = {"department": ResponseTimes.key_id, "township": ResponseTimes.key_id, "month": ResponseTimes.month,
             None: None}[by]
    query = (select(*([group] if group is not None else []), ResponseTimes.bucket,
                    func.sum(ResponseTimes.count), func.sum(ResponseTimes.seconds_sum))
             .where(ResponseTimes.dimension == dimension))
    if first:
        query = query.where(ResponseTimes.month >= first)
    if townships is not None:
        query = query.where(ResponseTimes.key_id.in_(townships))
    query = query.group_by(*([group] if group is not None else []), ResponseTimes.bucket)
    buckets: dict = {}
    for row in db.session.execute(query):
        key = _key(by, row[0]) if by else "all"
        bucket, count, total = row[-3:]
        if count:
            buckets.setdefault(key, []).append((bucket, int(count), float(total) / int(count)))
    return {key: (_hours(_percentile(found, 0.5)), _hours(_percentile(found, 0.9))) for key, found in buckets.items()}


def _percentile(buckets, fraction):
    """Linear interpolation between the closest ranks, as PostgreSQL's percentile_cont, over (bucket, count,
    value) triples: ``count`` times ``value``."""
    ordered = sorted(buckets)
    total = sum(count for _b, count, _v in ordered)
    position = fraction * (total - 1)
    low = int(position)
    return _at(ordered, low) + (_at(ordered, min(low + 1, total - 1)) - _at(ordered, low)) * (position - low)


def _at(ordered, rank):
    for _bucket, count, value in ordered:
        if rank < count:
            return value
        rank -= count
    raise IndexError(rank)


def _hours(seconds):
    return None if seconds is None else round(float(seconds) / 3600, 1)


def _first_month(months: int) -> str:

    now = utcnow()
    year, month = divmod(int(month_of(now)[:4]) * 12 + int(month_of(now)[5:]) - 1 - (months - 1), 12)
    return f"{year:04d}-{month + 1:02d}"


def _labelled(found, by):
    tree = region_tree() if by == "township" else None
    departments = {d.id: d.name for d in db.session.scalars(select(Department))} if by == "department" else {}
    for f in found:
        if by is None:
            f.key, f.label = "all", "all"
        elif by == "department":
            f.label = departments.get(int(f.key), "—") if f.key != "None" else "—"
        elif by == "township":
            f.label = tree.full_name(int(f.key)) if f.key != "None" and int(f.key) in tree.parent else "—"
        else:
            f.label = f.key
    return list(found)


class Snapshot(db.Model):
    """The dashboard's figures for one period, computed at most every few minutes and shared by every
    worker: counting a year of appeals takes seconds, reading them back a millisecond."""
    __tablename__ = "dashboard_snapshots"

    #: The period: the last this many months (one row per period, e.g. 12).
    months: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: When the figures were counted (recounted once older than MINYI_DASHBOARD_CACHE_SECONDS).
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The figures as the dashboard reads them (``compute``): overall and per dimension.
    data: Mapped[dict] = mapped_column(JSON)


#: The periods offered on the dashboard, refreshed by the "dashboard" job (server/worker/tasks.py).
PERIODS = (3, 6, 12, 24)


def compute(months: int) -> dict:
    """Every figure of the dashboard for the last ``months`` months, as plain data."""
    return {"months": months, "computed_at": utcnow().isoformat(), "all": figures(months=months)[0].as_dict(),
            **{by: [f.as_dict() for f in figures(by, months=months)] for by in DIMENSIONS}}


def shown_periods() -> list[int]:
    """The periods to keep counted: the default year and any period someone has looked at."""
    return sorted({12, *db.session.scalars(select(Snapshot.months))})


def snapshot(months: int) -> dict:
    """The figures for the period, as last computed; computed now when missing or older than
    MINYI_DASHBOARD_CACHE_SECONDS (the workers keep them fresh, so readers rarely wait)."""
    found = db.session.get(Snapshot, months)
    if found is not None and (utcnow() - found.computed_at).total_seconds() < float(rule("MINYI_DASHBOARD_CACHE_SECONDS")):
        return found.data
    return refresh(months)


def refresh(months: int) -> dict:
    from sqlalchemy.exc import IntegrityError

    data = compute(months)
    found = db.session.get(Snapshot, months)
    if found is None:
        db.session.add(Snapshot(months=months, computed_at=utcnow(), data=data))
    else:
        found.computed_at, found.data = utcnow(), data
    try:
        db.session.commit()
    except IntegrityError:  # another worker stored this period first: its figures are as good
        db.session.rollback()
    return data
