"""Admin use cases for reference data: regions, departments, categories."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from accounts.permissions import has_role
from accounts.regions import Category, Department, Region, RegionLevel
from accounts.users import Role
from core.db import db
from core.errors import Conflict, InvalidInput, NotAllowed
from core.validation import clean_text

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def _require_admin(actor):
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise NotAllowed()


def _clean_code(code: str, model) -> str:
    code = (code or "").strip()
    if not _CODE.match(code):
        raise InvalidInput(_l("Use 1–40 letters, digits, dots, dashes or underscores."), field="code")
    # Codes are compared without case: "FY" and "fy" would be told apart by no one reading them aloud.
    if db.session.scalar(select(model.id).where(func.lower(model.code) == code.lower())) is not None:
        raise Conflict(_l("This code is already used."), field="code")
    return code


def _clean_names(name_zh: str, name_en: str) -> tuple[str, str]:
    name_zh, name_en = clean_text(name_zh, "name_zh"), clean_text(name_en, "name_en")
    if not name_zh:
        raise InvalidInput(_l("Enter the Chinese name."), field="name_zh")
    if not name_en:
        raise InvalidInput(_l("Enter the English name."), field="name_en")
    for field, value in (("name_zh", name_zh), ("name_en", name_en)):
        if len(value) > 120:
            raise InvalidInput(_l("Use at most %(n)d characters.", n=120), field=field)
    return name_zh, name_en


def _check_unique_names(model, name_zh, name_en, *, same_place=(), exclude=None):
    """Two things with the same name in one list (siblings in the tree, categories) cannot be told apart."""
    for field, column, value in (("name_zh", model.name_zh, name_zh), ("name_en", model.name_en, name_en)):
        query = select(model.id).where(func.lower(column) == value.lower(), *same_place)
        if exclude is not None:
            query = query.where(model.id != exclude.id)
        if db.session.scalar(query.limit(1)) is not None:
            raise Conflict(_l("Another entry here already has this name."), field=field)


def create_region(*, actor, code, name_zh, name_en, parent: Region | None = None) -> Region:
    """Add a county (no parent), a township (in a county) or a village (in a township)."""
    _require_admin(actor)
    if parent is None:
        level = RegionLevel.COUNTY
    else:
        level = RegionLevel(parent.level).child
        if level is None:
            raise InvalidInput(_l("A village cannot contain other regions."), field="parent")
    name_zh, name_en = _clean_names(name_zh, name_en)
    _check_unique_names(Region, name_zh, name_en, same_place=[_siblings(parent)])
    region = Region(code=_clean_code(code, Region), name_zh=name_zh, name_en=name_en,
                    level=level, parent=parent)
    db.session.add(region)
    db.session.flush()
    return region


def _siblings(parent):
    return Region.parent_id.is_(None) if parent is None else Region.parent_id == parent.id


def rename(thing, *, actor, name_zh, name_en):
    """Rename a region, department or category in both languages."""
    _require_admin(actor)
    name_zh, name_en = _clean_names(name_zh, name_en)
    same_place = [_siblings(thing.parent)] if isinstance(thing, Region) else []
    _check_unique_names(type(thing), name_zh, name_en, same_place=same_place, exclude=thing)
    thing.name_zh, thing.name_en = name_zh, name_en
    db.session.flush()
    return thing


def create_category(*, actor, code, name_zh, name_en) -> Category:
    _require_admin(actor)
    name_zh, name_en = _clean_names(name_zh, name_en)
    _check_unique_names(Category, name_zh, name_en)
    category = Category(code=_clean_code(code, Category), name_zh=name_zh, name_en=name_en)
    db.session.add(category)
    db.session.flush()
    return category


def set_category_active(category: Category, *, actor, active: bool) -> Category:
    _require_admin(actor)
    category.active = active
    db.session.flush()
    return category


def create_department(*, actor, code, name_zh, name_en, region: Region,
                      categories: list[Category] = (), answer_days: int | None = None) -> Department:
    _require_admin(actor)
    if region is None or region.level == RegionLevel.VILLAGE:
        raise InvalidInput(_l("A department serves a county or a township."), field="region")
    name_zh, name_en = _clean_names(name_zh, name_en)
    _check_unique_names(Department, name_zh, name_en)
    department = Department(code=_clean_code(code, Department), name_zh=name_zh, name_en=name_en,
                            region=region, categories=list(categories), answer_days=_answer_days(answer_days))
    db.session.add(department)
    db.session.flush()
    return department


def set_department_categories(department: Department, *, actor, categories: list[Category]) -> Department:
    _require_admin(actor)
    department.categories = list(categories)
    db.session.flush()
    return department


def set_answer_days(department: Department, *, actor, days: int | None) -> Department:
    """How many days the department has to answer an appeal (None: the default for all departments)."""
    _require_admin(actor)
    department.answer_days = _answer_days(days)
    db.session.flush()
    return department


def set_project_budget(department: Department, *, actor, amount_minor: int | None) -> Department:
    """The public funds the department may put into projects (None: not tracked)."""
    _require_admin(actor)
    if amount_minor is not None and (isinstance(amount_minor, bool) or not isinstance(amount_minor, int)
                                     or not 0 <= amount_minor <= 10**14):
        raise InvalidInput(_l("Give the budget as an amount of money, or leave it empty."), field="project_budget")
    department.project_budget_minor = amount_minor
    db.session.flush()
    return department


def _answer_days(days):
    if days is None:
        return None
    if not isinstance(days, int) or not 1 <= days <= 365:
        raise InvalidInput(_l("Give a number of days from 1 to 365, or leave it empty."), field="answer_days")
    return days
