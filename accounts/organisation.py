"""Admin use cases for reference data: regions, departments, categories."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.db import db
from accounts.errors import Conflict, InvalidInput, NotAllowed
from accounts.permissions import has_role
from accounts.regions import Category, Department, Region, RegionLevel
from accounts.users import Role

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def _require_admin(actor):
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise NotAllowed()


def _clean_code(code: str, model) -> str:
    code = (code or "").strip()
    if not _CODE.match(code):
        raise InvalidInput(_l("Use 1–40 letters, digits, dots, dashes or underscores."), field="code")
    if db.session.scalar(select(model.id).where(model.code == code)) is not None:
        raise Conflict(_l("This code is already used."), field="code")
    return code


def _clean_names(name_zh: str, name_en: str) -> tuple[str, str]:
    name_zh, name_en = (name_zh or "").strip(), (name_en or "").strip()
    if not name_zh:
        raise InvalidInput(_l("Enter the Chinese name."), field="name_zh")
    if not name_en:
        raise InvalidInput(_l("Enter the English name."), field="name_en")
    for field, value in (("name_zh", name_zh), ("name_en", name_en)):
        if len(value) > 120:
            raise InvalidInput(_l("Use at most %(n)d characters.", n=120), field=field)
    return name_zh, name_en


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
    region = Region(code=_clean_code(code, Region), name_zh=name_zh, name_en=name_en,
                    level=level, parent=parent)
    db.session.add(region)
    db.session.flush()
    return region


def rename(thing, *, actor, name_zh, name_en):
    """Rename a region, department or category in both languages."""
    _require_admin(actor)
    thing.name_zh, thing.name_en = _clean_names(name_zh, name_en)
    db.session.flush()
    return thing


def create_category(*, actor, code, name_zh, name_en) -> Category:
    _require_admin(actor)
    name_zh, name_en = _clean_names(name_zh, name_en)
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
                      categories: list[Category] = ()) -> Department:
    _require_admin(actor)
    if region is None or region.level == RegionLevel.VILLAGE:
        raise InvalidInput(_l("A department serves a county or a township."), field="region")
    name_zh, name_en = _clean_names(name_zh, name_en)
    department = Department(code=_clean_code(code, Department), name_zh=name_zh, name_en=name_en,
                            region=region, categories=list(categories))
    db.session.add(department)
    db.session.flush()
    return department


def set_department_categories(department: Department, *, actor, categories: list[Category]) -> Department:
    _require_admin(actor)
    department.categories = list(categories)
    db.session.flush()
    return department
