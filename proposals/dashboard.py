"""The public instrument panel: how well each department, township and month answers appeals.

Figures are honest by construction: an appeal counts as resolved only while it is resolved (a reopened
one is not), overdue means first answered after its deadline or waiting past it now, and a group's figures
are only shown above a minimum number of appeals (a department with two appeals has no "rate")."""

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import JSON, Integer, case, func, select
from sqlalchemy.orm import Mapped, aliased, mapped_column

from accounts.db import UTCDateTime, db, utcnow
from accounts.regions import Department, Region, region_tree
from accounts.rules import rule
from proposals.appeals import WAITING, Appeal, AppealStatus, Rating

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


def _group_column(by: str):
    """What appeals are grouped by; townships through the village's parent (every appeal is about a village)."""
    return {"department": Appeal.department_id, "month": Appeal.month, "township": _village.parent_id}[by]


#: The appeal's village, joined when grouping by township.
_village = aliased(Region)


def _from(query, by):
    return query.join(_village, _village.id == Appeal.region_id) if by == "township" else query


def figures(by: str | None = None, *, months: int | None = None) -> list[Figures]:
    """Figures per department, township or month (``by``), or one row for everything; the last ``months``
    months only when given."""
    group = _group_column(by) if by else None
    now = utcnow()
    answered = Appeal.answered_at.is_not(None)
    # Late: the first answer came after its deadline, or it waits past its (possibly renewed) deadline now.
    overdue = (Appeal.answered_late.is_(True)
               | (Appeal.status.in_(WAITING) & (Appeal.due_at < now)))
    columns = [func.count(), func.sum(case((answered, 1), else_=0)),
               func.sum(case((Appeal.status == AppealStatus.RESOLVED, 1), else_=0)),
               func.sum(case((overdue, 1), else_=0)), func.sum(case((Appeal.reopened_count > 0, 1), else_=0))]
    where = [Appeal.month >= _first_month(months)] if months else []
    key = [group.label("key")] if group is not None else []
    rows = db.session.execute(_from(select(*key, *columns), by).where(*where).group_by(*key)).all() if key else \
        [(None, *db.session.execute(select(*columns).where(*where)).one())]
    found = {row[0]: Figures(key=str(row[0]), label="", appeals=row[1], answered=row[2] or 0,
                             resolved=row[3] or 0, overdue=row[4] or 0, reopened=row[5] or 0) for row in rows}
    rating_rows = db.session.execute(
        _from(select(*key, func.count(Rating.id), func.avg(Rating.score)).select_from(Appeal)
              .join(Rating, Rating.appeal_id == Appeal.id), by).where(*where).group_by(*key)).all() if key else \
        [(None, *db.session.execute(select(func.count(Rating.id), func.avg(Rating.score))
                                    .join(Appeal, Rating.appeal_id == Appeal.id).where(*where)).one())]
    for k, count, average in rating_rows:
        if k in found and count:
            found[k].ratings, found[k].satisfaction = count, round(float(average), 2)
    for k, (median, p90) in _response_percentiles(key, where, by).items():
        if k in found:
            found[k].median_hours, found[k].p90_hours = median, p90
    return sorted(_labelled(found.values(), by), key=lambda f: f.key if by == "month" else f.label)


def _response_percentiles(key, where, by) -> dict:
    """Median and 90th percentile of hours to the first answer, per group. PostgreSQL computes them;
    SQLite (small installations) hands the durations over to Python."""
    seconds = Appeal.response_seconds
    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(
            _from(select(*key, func.percentile_cont(0.5).within_group(seconds),
                         func.percentile_cont(0.9).within_group(seconds)).select_from(Appeal), by)
            .where(seconds.is_not(None), *where).group_by(*key)).all()
        rows = rows if key else [(None, *row) for row in rows]
        return {k: (_hours(m), _hours(p)) for k, m, p in rows if m is not None}
    values: dict = {}
    for row in db.session.execute(_from(select(*key, seconds).select_from(Appeal), by)
                                  .where(seconds.is_not(None), *where)):
        values.setdefault(row[0] if key else None, []).append(row[-1])
    return {k: (_hours(_percentile(v, 0.5)), _hours(_percentile(v, 0.9))) for k, v in values.items()}


def _percentile(values, fraction):
    """Linear interpolation between the closest ranks, as PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _hours(seconds):
    return None if seconds is None else round(float(seconds) / 3600, 1)


def _first_month(months: int) -> str:
    from proposals.appeal_services import month_of

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

    months: Mapped[int] = mapped_column(Integer, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict] = mapped_column(JSON)


#: The periods offered on the dashboard, refreshed by `minyi tick`.
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
    MINYI_DASHBOARD_CACHE_SECONDS (`minyi tick` keeps them fresh, so readers rarely wait)."""
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
