"""The region tree (county → township → village), departments and the categories they handle."""

import enum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.db import db
from accounts.i18n import BilingualName


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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Administrative division code, unique, e.g. "530121" or "530121-101-003".
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: county, township or village.
    level: Mapped[str] = mapped_column(String(16))
    #: The region this one lies in; NULL only for counties.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)

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
        return " / ".join(r.name for r in self.path)

    def contains(self, other: "Region | None") -> bool:
        """True when ``other`` is this region or lies inside it."""
        while other is not None:
            if other.id == self.id:
                return True
            other = other.parent
        return False


def subtree_ids(region: Region):
    """A SELECT of the ids of ``region`` and everything below it (recursive CTE, any database)."""
    tree = select(Region.id).where(Region.id == region.id).cte("tree", recursive=True)
    tree = tree.union_all(select(Region.id).where(Region.parent_id == tree.c.id))
    return select(tree.c.id)


def subtree_id_list(region: Region) -> list[int]:
    """The ids of ``region`` and everything below it, as a list: lets the planner use plain index lookups
    (a county has a few hundred regions; a subquery here hides how few rows a village filter matches)."""
    return list(db.session.scalars(subtree_ids(region)))


department_categories = Table(
    "department_categories",
    db.Model.metadata,
    Column("department_id", Integer, ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", Integer, ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class Category(BilingualName, db.Model):
    __tablename__ = "categories"

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

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable short code, unique (e.g. "fengyi-roads").
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: The region the department serves; its officials see this region and everything in it.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)

    region: Mapped[Region] = relationship()
    categories: Mapped[list[Category]] = relationship(
        secondary=department_categories, back_populates="departments", order_by="Category.code"
    )

    def __repr__(self) -> str:
        return f"<Department {self.code}>"
