"""Which department answers an appeal, and by when.

The rules are the departments themselves, as the admin keeps them: each serves some categories in a
region. An appeal goes to a department serving its category in its village, else in its township, else in
its county: the one closest to the problem (accounts.regions.serving_departments, which also says who decides
on a proposal)."""

from datetime import datetime, timedelta

from accounts.regions import Category, Department, Region, serving_departments
from core.rules import rule


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
