"""Public pages: home, language switch, health check."""

import logging

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from accounts.regions import Department, Region, RegionLevel
from accounts.users import Role, User
from core.cache import cache
from core.db import db
from server.extensions import csrf, limiter
from server.web.helpers import safe_next
from server.web.i18n import LANGUAGE_COOKIE, normalize_language

bp = Blueprint("web", __name__)
log = logging.getLogger(__name__)


@bp.route("/")
def index():
    counts = {
        "villages": db.session.scalar(select(func.count()).where(Region.level == RegionLevel.VILLAGE)),
        "departments": db.session.scalar(select(func.count()).select_from(Department)),
        "residents": db.session.scalar(select(func.count()).where(User.role == Role.RESIDENT)),
    }
    return render_template("index.html", counts=counts)


@bp.route("/language", methods=["POST"])
@csrf.exempt
def set_language():
    """Remember the chosen language in a cookie, and on the account when logged in (the account's choice is
    protected from forged requests; the anonymous visitor's cookie needs no protection: it only sets the
    language of their own pages)."""
    language = normalize_language(request.form.get("language")) or "zh_Hans"
    if current_user.is_authenticated:
        csrf.protect()
        current_user.locale = language
        db.session.commit()
    response = redirect(safe_next(request.form.get("next"), url_for("web.index")))
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    """For load balancers and kiosks: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    found = {"status": "ok", "database": "ok"}
    # Without Redis or the replica the server still serves (and says so): reported, not fatal.
    if current_app.config.get("MINYI_REDIS_URL"):
        try:
            cache.cache._write_client.ping()
            found["redis"] = "ok"
        except Exception as error:  # noqa: BLE001
            log.warning("health check: Redis unreachable: %s", error)
            found["redis"] = "unreachable"
    if "minyi_replica" in current_app.extensions:  # "behind": anonymous pages read the primary meanwhile
        replica = current_app.extensions["minyi_replica"]
        found["replica"] = replica.check()
        if replica.lag is not None:
            found["replica_lag_seconds"] = round(replica.lag, 3)
    return jsonify(found)
