"""Public pages: home, language switch, health check."""

import logging

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from accounts.regions import RegionLevel, region_tree
from appeals.dashboard import this_month
from appeals.queries import recently_answered
from core.cache import cache
from core.db import db
from core.i18n import current_language
from core.photos import thumbnail_set
from projects.queries import in_progress
from proposals.queries import closing_soon, trending
from server.extensions import csrf, limiter, talisman
from server.web.cards import appeal_cards, project_cards, proposal_cards
from server.web.helpers import arg_id, safe_next
from server.web.i18n import LANGUAGE_COOKIE, normalize_language

bp = Blueprint("web", __name__)
bp.add_app_template_global(thumbnail_set, "thumbnails")  # the cards' photos, on every list
log = logging.getLogger(__name__)


def home_region(tree) -> int | None:
    """The region the home page is about: the one chosen (``?region=``), else a signed-in person's township
    (their village and its neighbours), else the county; None when there are several counties."""
    chosen = arg_id("region")
    if chosen in tree.parent:
        return chosen
    mine = getattr(current_user, "region_id", None) if current_user.is_authenticated else None
    if mine in tree.parent:
        path = tree.path(mine)
        return path[1] if len(path) > 2 else mine
    counties = tree.children.get(None, [])
    return counties[0] if len(counties) == 1 else None


def townships_of(tree, region_id) -> list[int] | None:
    """The townships whose figures are the region's (the dashboard counts by township): None for everything."""
    if region_id is None or tree.parent[region_id] is None and len(tree.children.get(None, [])) == 1:
        return None
    if tree.level[region_id] == RegionLevel.VILLAGE:
        return [tree.parent[region_id]]
    if tree.level[region_id] == RegionLevel.TOWNSHIP:
        return [region_id]
    return tree.children.get(region_id, [])


@bp.route("/")
def index():
    """What is happening in the visitor's region: proposals closing soon and gaining support, appeals just
    answered, projects under way, and how many of this month's appeals are answered."""
    tree = region_tree()
    region_id = home_region(tree)
    everywhere = region_id is None or (tree.parent[region_id] is None and len(tree.children.get(None, [])) == 1)
    within = None if everywhere else tree.subtree(region_id)
    closing = closing_soon(within)
    rising = trending(within, leaving_out=[p.id for p in closing])
    answered = recently_answered(within)
    projects = in_progress(within)
    names = tree.full_names(current_language())
    choices = [(r, names[r]) for r in sorted(tree.parent, key=lambda r: tree.code[r])
               if tree.level[r] != RegionLevel.VILLAGE or r == region_id]
    return render_template("index.html", region_id=region_id, region_choices=choices, closing=closing,
                           trending=rising, answered=answered, projects=projects,
                           proposal_cards=proposal_cards([*closing, *rising]), appeal_cards=appeal_cards(answered),
                           project_cards=project_cards(projects), rate=this_month(townships_of(tree, region_id)))


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
@talisman(force_https=False)
def healthz():
    """For load balancers, monitoring and kiosks: 200 when the database answers, 503 otherwise. Answered over
    plain HTTP too, whatever MINYI_FORCE_HTTPS says: monitoring asks app servers on their internal address."""
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
