"""The region tree (county → township → village), departments and the categories they handle."""

import enum
import threading

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    event,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core import revisions
from core.db import db
from core.i18n import BilingualName, current_language


class RegionLevel(enum.StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def child(self) -> "RegionLevel | None":
        order = list(RegionLevel)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None


class Region(BilingualName, db.Model):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("level IN ('county', 'township', 'village')", name="level_known"),
        CheckConstraint("(level = 'county') = (parent_id IS NULL)", name="only_counties_are_roots"),
        CheckConstraint("(centre_latitude IS NULL) = (centre_longitude IS NULL)", name="centre_whole"),
        CheckConstraint("centre_latitude IS NULL OR (centre_latitude BETWEEN -90 AND 90)", name="centre_latitude_range"),
        CheckConstraint("centre_longitude IS NULL OR (centre_longitude BETWEEN -180 AND 180)",
                        name="centre_longitude_range"),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Administrative division code, unique, e.g. "530121" or "530121-101-003".
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: county, township or village.
    level: Mapped[str] = mapped_column(String(16))
    #: The region this one lies in; NULL only for counties.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    #: Its boundary as a GeoJSON Polygon or MultiPolygon geometry (WGS84 longitude, latitude), checked by
    #: ``accounts.geography``; NULL when not known. Loaded only when asked for: most pages need just the name.
    outline: Mapped[str | None] = mapped_column(Text, deferred=True)
    #: Latitude of the point a map centres on for this region (WGS84); NULL when not known.
    centre_latitude: Mapped[float | None] = mapped_column(Float)
    #: Longitude of that point (WGS84); given with ``centre_latitude`` or not at all.
    centre_longitude: Mapped[float | None] = mapped_column(Float)

    parent: Mapped["Region | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Region"]] = relationship(back_populates="parent", order_by="Region.code")

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.level}>"

    @property
    def path(self) -> list["Region"]:
        """This region and its ancestors, county first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def full_name(self) -> str:
        """"County / Township / Village" in the reader's language."""
        return region_tree().full_name(self.id)

    def contains(self, other: "Region | None") -> bool:
        """True when ``other`` is this region or lies inside it."""
        return other is not None and region_tree().contains(self.id, other.id)


class RegionTree:
    """Every region's parent, level and names, read in one query. Ancestry, subtrees and full names are
    then worked out in memory: a vote, a list page and a filter no longer walk the tree row by row."""

    def __init__(self, rows):
        self.parent, self.level, self.code, self.names, self.children = {}, {}, {}, {}, {}
        self._full_names: dict[str, dict[int, str]] = {}
        for id_, parent_id, level, code, name_zh, name_en in rows:
            self.parent[id_], self.level[id_], self.code[id_] = parent_id, level, code
            self.names[id_] = (name_zh, name_en)
            self.children.setdefault(parent_id, []).append(id_)

    def path(self, region_id: int) -> list[int]:
        """The ids of this region and its ancestors, county first."""
        chain = []
        while region_id is not None and region_id in self.parent:
            chain.append(region_id)
            region_id = self.parent[region_id]
        return chain[::-1]

    def contains(self, outer_id: int, inner_id: int | None) -> bool:
        return inner_id is not None and outer_id in self.path(inner_id)

    def subtree(self, region_id: int) -> list[int]:
        """This region and everything below it."""
        found, todo = [], [region_id]
        while todo:
            node = todo.pop()
            found.append(node)
            todo.extend(self.children.get(node, ()))
        return found

    def full_name(self, region_id: int) -> str:
        """"County / Township / Village" in the reader's language."""
        return self.full_names(current_language())[region_id]

    def full_names(self, language: str) -> dict[int, str]:
        """Every region's full name in ``language``, worked out once per tree and language."""
        if language not in self._full_names:
            pick = (lambda zh, en: en or zh) if language == "en" else (lambda zh, en: zh or en)
            self._full_names[language] = {
                r: " / ".join(pick(*self.names[a]) for a in self.path(r)) for r in self.parent}
        return self._full_names[language]


_tree_lock = threading.Lock()
_tree: tuple[str | None, RegionTree] | None = None  # (revision token, tree), shared by the process


def region_tree() -> RegionTree:
    """The current region tree: kept in memory per process, checked against the revision token once per
    database session (one small query: a web request starts with a fresh check, see ``forget_region_tree``),
    and read again only after a region was added, renamed or moved."""
    global _tree
    if "region_tree" in db.session.info:
        return db.session.info["region_tree"]
    token = revisions.current("regions")
    cached = _tree
    if cached is None or cached[0] != token:
        rows = db.session.execute(select(Region.id, Region.parent_id, Region.level, Region.code,
                                         Region.name_zh, Region.name_en)).all()
        cached = (token, RegionTree(rows))
        with _tree_lock:
            _tree = cached
    db.session.info["region_tree"] = cached[1]
    return cached[1]


@event.listens_for(Session, "after_flush")
def _regions_changed(session, _context):
    """Any change to a region gives the tree a new revision token, in the same transaction."""
    global _tree
    if not any(isinstance(obj, Region) for obj in (*session.new, *session.dirty, *session.deleted)):
        return
    revisions.renew(session.connection(), "regions")
    with _tree_lock:
        _tree = None
    session.info.pop("region_tree", None)


def forget_region_tree() -> None:
    """Check the revision token again on the next use (called as every web request starts)."""
    db.session.info.pop("region_tree", None)


def subtree_id_list(region: Region) -> list[int]:
    """The ids of ``region`` and everything below it, as a list: lets the planner use plain index lookups
    (a county has a few hundred regions; a subquery would hide how few rows a village filter matches)."""
    return region_tree().subtree(region.id)


#: Which categories of appeals each department serves (appeals are routed by it): one row per
#: department (``department_id``) and category (``category_id``) it handles.
department_categories = Table(
    "department_categories",
    db.Model.metadata,
    Column("department_id", Integer, ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", Integer, ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class Category(BilingualName, db.Model):
    __tablename__ = "categories"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable short code used in URLs, the API and Open311 (e.g. "roads").
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: Retired categories stay for history but are not offered in forms.
    active: Mapped[bool] = mapped_column(default=True)

    departments: Mapped[list["Department"]] = relationship(
        secondary=department_categories, back_populates="categories"
    )

    def __repr__(self) -> str:
        return f"<Category {self.code}>"


class Department(BilingualName, db.Model):
    __tablename__ = "departments"

    #: Primary key (among departments equally close to a village, the lowest id gets its appeals).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable short code, unique (e.g. "fengyi-roads").
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: The region the department serves; its officials see this region and everything in it.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)

    #: Days the department has to answer an appeal; NULL: MINYI_APPEAL_ANSWER_DAYS.
    answer_days: Mapped[int | None] = mapped_column(Integer)
    #: Public funds it may put into projects, in minor units (NULL: not tracked here); what its projects'
    #: budgets have not taken is shown to its officials as they decide.
    project_budget_minor: Mapped[int | None] = mapped_column(BigInteger)

    region: Mapped[Region] = relationship()
    categories: Mapped[list[Category]] = relationship(
        secondary=department_categories, back_populates="departments", order_by="Category.code"
    )

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


def serving_departments_of(places) -> dict[tuple[int, int], list[Department]]:
    """(category id, region id) → the departments that serve the category in the region or a region above it, the
    closest first (among equals the oldest, so the order never flips), for each of ``places``; in one query."""
    places = set(places)
    categories = {category_id for category_id, _region_id in places}
    serving = db.session.execute(
        select(Department, department_categories.c.category_id)
        .join(department_categories, department_categories.c.department_id == Department.id)
        .where(department_categories.c.category_id.in_(categories))).all() if categories else []
    tree, found = region_tree(), {}
    for category_id, region_id in places:
        path = tree.path(region_id)
        found[(category_id, region_id)] = sorted(
            (d for d, serves in serving if serves == category_id and d.region_id in path),
            key=lambda d, path=path: (-path.index(d.region_id), d.id))
    return found


def serving_departments(category: Category, region: Region) -> list[Department]:
    """The departments that serve ``category`` in ``region`` or a region above it, the closest first. Appeals go to
    the first (appeals.routing); a proposal that reached the officials is decided by any of them
    (proposals.queries.may_decide)."""
    return serving_departments_of([(category.id, region.id)])[(category.id, region.id)]
