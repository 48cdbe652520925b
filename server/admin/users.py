"""Admin: list, filter, export, create and edit users."""


from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts import services
from accounts.regions import Department, Region, region_tree, subtree_id_list
from accounts.users import Role, User
from core.db import db
from core.search import matching
from server.admin import bp
from server.forms.accounts import NewUserForm, UserEditForm
from server.web.helpers import (
    csv_response,
    department_choices,
    get_from_args,
    get_or_404,
    region_choices,
    submit,
)
from server.web.pagination import keyset


def role_choices():
    labels = {Role.RESIDENT: _("Resident"), Role.OFFICIAL: _("Official"),
              Role.MODERATOR: _("Moderator"), Role.ADMIN: _("Admin")}
    return [(role.value, labels[role]) for role in Role]


def filtered_users(args):
    """The users query for the filters in ``args`` (q, role, region, verified)."""
    query = select(User)
    q = (args.get("q") or "").strip()[:100]
    if q:
        query = matching(query, User.id, [q], User.searched())
    if args.get("role") in {r.value for r in Role}:
        query = query.where(User.role == args["role"])
    region = get_from_args(Region, "region")
    if region is not None:
        query = query.where(User.region_id.in_(subtree_id_list(region)))
    if args.get("verified") == "yes":
        query = query.where(User.verified_at.is_not(None))
    elif args.get("verified") == "no":
        query = query.where(User.verified_at.is_(None))
    return query


@bp.route("/users")
def users():
    rows, following, args = keyset(filtered_users(request.args).options(selectinload(User.department)), [User.id])
    return render_template("admin/users.html", users=rows, roles=role_choices(), regions=region_choices(),
                           args=args, following=following)


@bp.route("/users.csv")
def users_csv():
    """The filtered list as CSV (no password hashes, obviously)."""
    codes, departments = region_tree().code, dict(db.session.execute(select(Department.id, Department.code)).all())
    query = filtered_users(request.args).order_by(User.id).execution_options(yield_per=1000)

    def rows():
        for user in db.session.scalars(query):
            yield [user.id, user.shown_name, user.role, user.phone or "", user.email or "",
                   codes.get(user.region_id, ""), departments.get(user.department_id, ""),
                   user.verified_at.isoformat() if user.verified_at else "", user.verification_method or "",
                   int(user.active), user.created_at.isoformat()]

    return csv_response("minyi-users.csv", ["id", "display_name", "role", "phone", "email", "region_code",
                                            "department_code", "verified_at", "verification_method", "active",
                                            "created_at"], rows)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    form.role.choices = role_choices()
    form.region.choices = region_choices(blank="—")
    form.department.choices = department_choices(blank="—")
    user = submit(form, lambda: services.create_user(
        actor=current_user, role=form.role.data, password=form.password.data,
        display_name=form.display_name.data, phone=form.phone.data, email=form.email.data,
        region=db.session.get(Region, form.region.data) if form.region.data else None,
        department=db.session.get(Department, form.department.data) if form.department.data else None,
        phone_region=current_app.config["MINYI_PHONE_REGION"]))
    if user:
        flash(_("Account created for %(name)s.", name=user.display_name), "success")
        return redirect(url_for("admin.users"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("admin/user_new.html", form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id):
    user = get_or_404(User, user_id)
    form = UserEditForm(obj=None if request.method == "POST" else _edit_defaults(user))
    form.role.choices = role_choices()
    form.region.choices = region_choices(blank="—")
    form.department.choices = department_choices(blank="—")
    if submit(form, lambda: services.update_user(
            user, actor=current_user, role=form.role.data, active=form.active.data,
            region=db.session.get(Region, form.region.data) if form.region.data else None,
            department=db.session.get(Department, form.department.data) if form.department.data else None),
            message=_("Saved.")):
        return redirect(url_for("admin.edit_user", user_id=user.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("admin/user_edit.html", form=form, user=user), status


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
def unlock_user(user_id):
    """Lift an account's lock (after too many wrong passwords) for an owner who proved who they are."""
    user = get_or_404(User, user_id)
    services.unlock(user, actor=current_user)
    db.session.commit()
    flash(_("The account is unlocked: its owner can sign in again."), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


def _edit_defaults(user):
    class Defaults:
        role = user.role
        region = user.region_id
        department = user.department_id
        active = user.active

    return Defaults
