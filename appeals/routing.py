"""Which department answers an appeal, and by when.

The rules are the departments themselves, as the admin keeps them: each serves some categories in a
region. An appeal goes to a department serving its category in its village, else in its township, else in
its county: the one closest to the problem."""

from datetime import datetime, timedelta

from sqlalchemy import select

from accounts.regions import Category, Department, Region, department_categories, region_tree
from core.db import db
from core.rules import rule


def serving_departments(category: Category, region: Region) -> list[Department]:
    """The departments that serve ``category`` in ``region`` or a region above it, the closest first (among
    equals the oldest). Appeals go to the first; proposals may be made projects by any (projects.recommendations)."""
    path = region_tree().path(region.id)
    candidates = db.session.scalars(
        select(Department).join(department_categories, department_categories.c.department_id == Department.id)
        .where(department_categories.c.category_id == category.id, Department.region_id.in_(path))).all()
    # Deepest region first; among equals the oldest department, so the choice never flips.
    return sorted(candidates, key=lambda d: (-path.index(d.region_id), d.id))


def responsible_department(category: Category, village: Region) -> Department | None:
    """The department closest to ``village`` that serves ``category`` (None when none does)."""
    return next(iter(serving_departments(category, village)), None)


def answer_days(department: Department | None) -> int:
    if department is not None and department.answer_days:
        return department.answer_days
    return int(rule("MINYI_APPEAL_ANSWER_DAYS"))


def due_at(department: Department | None, start: datetime) -> datetime:
    """When an answer is due for an appeal that reached ``department`` at ``start``."""
    return start + timedelta(days=answer_days(department))
