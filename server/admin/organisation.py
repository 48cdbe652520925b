"""Admin: the region tree, departments, categories and the census list."""

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from accounts import census, organisation
from accounts.regions import Category, Department, Region, RegionLevel
from accounts.users import CensusEntry
from core.db import db
from core.errors import DomainError
from core.money import parse_amount
from server.admin import bp
from server.forms.accounts import (
    CategoryForm,
    CensusImportForm,
    DepartmentCategoriesForm,
    DepartmentForm,
    NamesForm,
    RegionForm,
)
from server.web.helpers import category_choices, get_or_404, region_choices, show_error, submit


def _save(form, action):
    return submit(form, action, message=_("Saved."))


def _status(*forms):
    return 422 if any(f.errors or f.form_errors for f in forms) else 200


@bp.route("/regions", methods=["GET", "POST"])
def regions():
    form = RegionForm()
    form.parent.choices = [("", _("— none (a new county) —"))] + [
        choice for choice in region_choices() if db.session.get(Region, choice[0]).level != RegionLevel.VILLAGE
    ]

    def create():
        parent = db.session.get(Region, form.parent.data) if form.parent.data else None
        organisation.create_region(actor=current_user, code=form.code.data, name_zh=form.name_zh.data,
                                   name_en=form.name_en.data, parent=parent)

    if _save(form, create):
        return redirect(url_for("admin.regions"))
    counties = db.session.scalars(select(Region).where(Region.parent_id.is_(None)).order_by(Region.code)).all()
    return render_template("admin/regions.html", counties=counties, form=form), _status(form)


@bp.route("/<any(regions, categories):kind>/<int:thing_id>/names", methods=["GET", "POST"])
def rename(kind, thing_id):
    """Correct the Chinese and English names of a region or category."""
    thing = get_or_404(Region if kind == "regions" else Category, thing_id)
    form = NamesForm(obj=thing if request.method == "GET" else None)

    def update():
        organisation.rename(thing, actor=current_user, name_zh=form.name_zh.data, name_en=form.name_en.data)

    if _save(form, update):
        return redirect(url_for(f"admin.{kind}"))
    return render_template("admin/rename.html", thing=thing, kind=kind, form=form), _status(form)


@bp.route("/categories", methods=["GET", "POST"])
def categories():
    form = CategoryForm()

    def create():
        organisation.create_category(actor=current_user, code=form.code.data, name_zh=form.name_zh.data,
                                     name_en=form.name_en.data)

    if _save(form, create):
        return redirect(url_for("admin.categories"))
    rows = db.session.scalars(select(Category).order_by(Category.code)).all()
    return render_template("admin/categories.html", categories=rows, form=form), _status(form)


@bp.route("/categories/<int:category_id>/active", methods=["POST"])
def toggle_category(category_id):
    category = get_or_404(Category, category_id)
    organisation.set_category_active(category, actor=current_user, active=not category.active)
    db.session.commit()
    return redirect(url_for("admin.categories"))


@bp.route("/departments", methods=["GET", "POST"])
def departments():
    form = DepartmentForm()
    form.region.choices = [c for c in region_choices() if db.session.get(Region, c[0]).level != RegionLevel.VILLAGE]
    form.categories.choices = category_choices()

    def create():
        chosen = [db.session.get(Category, cid) for cid in form.categories.data or [] if cid]
        organisation.create_department(actor=current_user, code=form.code.data, name_zh=form.name_zh.data,
                                       name_en=form.name_en.data, region=db.session.get(Region, form.region.data),
                                       categories=[c for c in chosen if c is not None])

    if _save(form, create):
        return redirect(url_for("admin.departments"))
    rows = db.session.scalars(select(Department).order_by(Department.code)).all()
    return render_template("admin/departments.html", departments=rows, form=form), _status(form)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
def edit_department(department_id):
    department = get_or_404(Department, department_id)
    current = None if request.method == "POST" else {"categories": [c.id for c in department.categories],
                                                       "name_zh": department.name_zh, "name_en": department.name_en,
                                                       "answer_days": department.answer_days,
                                                       "project_budget": f"{department.project_budget_minor / 100:.2f}"
                                                       if department.project_budget_minor is not None else ""}
    form = DepartmentCategoriesForm(data=current)
    form.categories.choices = category_choices(active_only=False)

    def update():
        chosen = [db.session.get(Category, cid) for cid in form.categories.data or [] if cid]
        organisation.rename(department, actor=current_user, name_zh=form.name_zh.data, name_en=form.name_en.data)
        organisation.set_department_categories(department, actor=current_user,
                                               categories=[c for c in chosen if c is not None])
        organisation.set_answer_days(department, actor=current_user, days=form.answer_days.data)

        organisation.set_project_budget(department, actor=current_user, amount_minor=parse_amount(
            form.project_budget.data, "project_budget", allow_zero=True) if (form.project_budget.data or "").strip() else None)

    if _save(form, update):
        return redirect(url_for("admin.departments"))
    return render_template("admin/department_edit.html", department=department, form=form), _status(form)


@bp.route("/census", methods=["GET", "POST"])
def census_import():
    form = CensusImportForm()
    result = None
    if form.validate_on_submit():
        try:
            result = census.import_census(form.file.data.read(), actor=current_user,
                                          key=current_app.config["MINYI_CENSUS_KEY"].encode())
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            if result.errors:
                db.session.rollback()
            else:
                db.session.commit()
    entries = db.session.scalar(select(func.count()).select_from(CensusEntry))
    claimed = db.session.scalar(select(func.count()).where(CensusEntry.claimed_by_id.is_not(None)))
    status = 422 if form.errors or form.form_errors or (result and result.errors) else 200
    return render_template("admin/census.html", form=form, result=result, entries=entries,
                           claimed=claimed), status
