"""The Minyi web server: ``create_app`` builds a Flask app from environment and overrides."""

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from server import config as settings
from accounts.cache import cache
from server.extensions import csrf, db, htmx, limiter, migrate, talisman

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
    app = Flask(__name__, static_folder=str(ROOT / "static"), instance_relative_config=True,
                instance_path=os.environ.get("MINYI_INSTANCE_PATH") or None)
    app.config.update(settings.DEFAULTS)
    app.config.update(settings.from_environment(app.instance_path))
    app.config.update(config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    settings.finalize(app.config, app.instance_path)

    from server.logs import configure_logging

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
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        strict_transport_security=app.config["MINYI_FORCE_HTTPS"],
    )

    from server import (appeal_pages, auth, board, dashboard_pages, database, discussion_pages,  # noqa: F401
                        errors, i18n, models, official_appeals, official_proposals, page_cache, project_pages,
                        proposal_pages, replica, web)
    from server.admin import bp as admin_bp
    from server.officials import bp as officials_bp

    i18n.init_app(app)
    auth.init_login(app)
    page_cache.init_app(app)
    errors.init_app(app)
    from accounts.regions import forget_region_tree
    from server.helpers import IdConverter, reject_nul_bytes

    app.url_map.converters["int"] = IdConverter
    app.before_request(reject_nul_bytes)
    app.before_request(forget_region_tree)
    replica.init_app(app)
    for blueprint in (web.bp, auth.bp, board.bp, appeal_pages.bp, dashboard_pages.bp, proposal_pages.bp,
                      discussion_pages.bp, project_pages.bp, admin_bp, officials_bp):
        app.register_blueprint(blueprint)

    from server import api, open311

    api.init_app(app)
    app.register_blueprint(open311.bp)

    from server.cli import register_commands

    register_commands(app)
    logging.getLogger(__name__).debug("app created (%s)", app.config["MINYI_ENV"])
    return app
