"""``create_app`` builds the Flask app from the environment and overrides, with every page, API and command."""

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import server.models  # noqa: F401  (every table in the metadata, for Alembic and create_all)
from accounts.regions import forget_region_tree
from core.cache import cache
from server import admin, api, officials
from server import config as settings
from server.admin import appeals as admin_appeals  # noqa: F401  (routes register on admin.bp)
from server.admin import budgets as admin_budgets  # noqa: F401
from server.admin import kiosks as admin_kiosks  # noqa: F401
from server.admin import organisation as admin_organisation  # noqa: F401
from server.admin import regions_map  # noqa: F401
from server.admin import users as admin_users  # noqa: F401
from server.api import appeals as api_appeals
from server.api import budgets as api_budgets
from server.api import maps as api_maps
from server.api import projects as api_projects
from server.api import proposals as api_proposals
from server.commands import register_commands
from server.extensions import csrf, db, limiter, migrate, talisman
from server.kiosk_api import ballots as _kiosk_ballots  # noqa: F401  (its operations, on kiosk_api.blp)
from server.kiosk_api import endpoints as kiosk_api
from server.logs import configure_logging
from server.officials import appeals as official_appeals  # noqa: F401  (routes register on officials.bp)
from server.officials import appeals_map  # noqa: F401
from server.officials import budgets as official_budgets  # noqa: F401
from server.officials import groups as official_groups  # noqa: F401
from server.officials import in_person as official_in_person  # noqa: F401
from server.officials import proposals as official_proposals  # noqa: F401
from server.officials import residents as official_residents  # noqa: F401
from server.open311 import endpoints as open311
from server.public import appeals as appeal_pages
from server.public import board, budgets, dashboard, home, maps
from server.public import budget_results as budget_result_pages  # noqa: F401  (routes register on budgets.bp)
from server.public import projects as project_pages
from server.public import proposals as proposal_pages
from server.residents import account, discussion, recovery
from server.residents import pledges as pledge_pages  # noqa: F401  (routes register on proposal_pages.bp)
from server.web import database, errors, headers, htmx, i18n, page_cache, replica  # noqa: F401  (database: connection hooks)
from server.web.helpers import IdConverter, reject_nul_bytes
from server.web.maps import tile_origins

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def create_app(config: dict | None = None) -> Flask:
    """Build the app: environment first, then ``config`` overrides (tests inject theirs)."""
    # Named after the package: its templates, its instance folder and its logger ("server") are found by it.
    app = Flask("server", static_folder=str(ROOT / "static"), instance_relative_config=True,
                instance_path=os.environ.get("MINYI_INSTANCE_PATH") or None)
    app.config.update(settings.DEFAULTS)
    app.config.update(settings.from_environment(app.instance_path))
    app.config.update(config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    settings.finalize(app.config, app.instance_path)

    configure_logging(app)
    if app.config["MINYI_PROXY_COUNT"]:
        count = app.config["MINYI_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["MINYI_FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy={**CONTENT_SECURITY_POLICY,  # map tiles come from the tile server set
                                 "img-src": CONTENT_SECURITY_POLICY["img-src"] + tile_origins(app.config)},
        frame_options="DENY",
        referrer_policy="same-origin",
        strict_transport_security=app.config["MINYI_FORCE_HTTPS"],
    )

    i18n.init_app(app)
    account.init_login(app)
    page_cache.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    app.url_map.converters["int"] = IdConverter
    app.before_request(reject_nul_bytes)
    app.before_request(forget_region_tree)
    replica.init_app(app)
    for blueprint in (home.bp, account.bp, recovery.bp, board.bp, appeal_pages.bp, dashboard.bp, proposal_pages.bp,
                      budgets.bp, discussion.bp, project_pages.bp, maps.bp, admin.bp, officials.bp):
        app.register_blueprint(blueprint)
    api.init_app(app, (api_proposals.blp, api_appeals.blp, api_projects.blp, api_budgets.blp, api_maps.blp,
                      kiosk_api.blp))
    app.register_blueprint(open311.bp)
    register_commands(app)
    logging.getLogger(__name__).debug("app created (%s)", app.config["MINYI_ENV"])
    return app
