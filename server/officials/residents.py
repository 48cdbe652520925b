"""Officials: the residents of their region, verified in person (one or many at once)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from accounts import services
from accounts.permissions import jurisdiction, oversees
from accounts.regions import Region, RegionLevel, subtree_id_list
from accounts.users import Role, User
from core.db import db
from core.errors import DomainError
from core.search import matching
from server.officials import bp
from server.web.errors import error_response
from server.web.helpers import get_from_args, get_or_404, safe_next, ticked_ids
from server.web.pagination import keyset


def _residents_query(args):
    query = select(User).where(User.role == Role.RESIDENT)
    scope = jurisdiction(current_user)
    if scope is not None:
        query = query.where(User.region_id.in_(subtree_id_list(scope)))
    village = get_from_args(Region, "village")
    if village is not None and oversees(current_user, village):
        query = query.where(User.region_id == village.id)
    status = args.get("status", "unverified")
    if status == "unverified":
        query = query.where(User.verified_at.is_(None))
    elif status == "verified":
        query = query.where(User.verified_at.is_not(None))
    q = (args.get("q") or "").strip()[:100]
    if q:
        query = matching(query, User.id, [q], User.searched(email=False))
    return query


def _villages():
    query = select(Region).where(Region.level == RegionLevel.VILLAGE).order_by(Region.code)
    scope = jurisdiction(current_user)
    if scope is not None:
        query = query.where(Region.id.in_(subtree_id_list(scope)))
    return db.session.scalars(query).all()


@bp.route("/residents")
def residents():
    rows, following, args = keyset(_residents_query(request.args), [User.id])
    return render_template("officials/residents.html", residents=rows, villages=_villages(), args=args,
                           status=request.args.get("status", "unverified"), following=following)


def _change_residency(user_id, service, message):
    """Run ``service`` on one resident; htmx gets the row back (it replaces itself), others a redirect."""
    resident = get_or_404(User, user_id)
    if not oversees(current_user, resident.region):
        abort(403)
    try:
        service(resident, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        return error_response(error.status, error.message)
    db.session.commit()
    if request.htmx:
        return render_template("officials/_resident_row.html", resident=resident)
    flash(message % {"name": resident.display_name}, "success")
    return redirect(safe_next(request.form.get("next"), url_for("officials.residents")))


@bp.route("/residents/<int:user_id>/verify", methods=["POST"])
def verify(user_id):
    return _change_residency(user_id, services.verify_in_person, _("%(name)s is now verified."))


@bp.route("/residents/verify", methods=["POST"])
def verify_many():
    """Bulk action: verify every ticked resident that this official oversees."""
    ids = set(ticked_ids())
    if not ids:
        flash(_("Tick at least one resident first."), "warning")
        return redirect(safe_next(request.form.get("next"), url_for("officials.residents")))
    ids = sorted(ids)[:500]
    done = 0
    for resident in db.session.scalars(select(User).where(User.id.in_(ids))):
        try:
            services.verify_in_person(resident, actor=current_user)
            done += 1
        except DomainError:
            continue  # not theirs to verify, or not a resident: skipped, reported below
    db.session.commit()
    skipped = len(ids) - done
    flash(ngettext("%(num)d resident verified.", "%(num)d residents verified.", done), "success")
    if skipped:
        flash(ngettext("%(num)d could not be verified by you.", "%(num)d could not be verified by you.", skipped),
              "warning")
    return redirect(safe_next(request.form.get("next"), url_for("officials.residents")))


@bp.route("/residents/<int:user_id>/unverify", methods=["POST"])
def unverify(user_id):
    return _change_residency(user_id, services.revoke_verification, _("%(name)s is no longer verified."))
