"""Public pages for anonymous visitors, kept for a few seconds (MINYI_PAGE_CACHE_SECONDS) in the shared cache:
most visitors read without signing in, and a page made a moment ago serves them all alike.

Only a visitor who carries no session (no sign-in, no message waiting, no form in progress) is served a kept
page, in their language; only a page that sets no cookie and came out whole (200, HTML) is kept. Signed-in
people always get the page made for them, so everyone sees at once what they have just done; anonymous
visitors see others' changes within those few seconds."""

import logging

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale

from core.cache import cache
from core.rules import rule

log = logging.getLogger(__name__)

#: Requests that are never answered from the cache: machine clients, files, the health check.
PASSING = ("static", "web.healthz")
PASSING_PATHS = ("/api/", "/open311/")


def init_app(app) -> None:
    app.before_request(serve_kept)
    app.after_request(keep)


def _key() -> str | None:
    seconds = float(rule("MINYI_PAGE_CACHE_SECONDS"))
    if seconds <= 0 or request.method != "GET" or request.endpoint in PASSING or request.endpoint is None \
            or request.path.startswith(PASSING_PATHS) or request.headers.get("HX-Request") \
            or "Authorization" in request.headers:
        return None
    cookies = request.cookies
    if current_app.config["SESSION_COOKIE_NAME"] in cookies or "remember_token" in cookies:
        return None
    return f"page:{get_locale()}:{request.full_path}"


def serve_kept():
    key = _key()
    if key is None:
        return None
    g.minyi_page_key = key
    try:
        kept = cache.get(key)
    except Exception as error:  # noqa: BLE001  (the cache is away: the page is made as usual)
        log.warning("page cache unavailable: %s", error)
        return None
    if kept is None:
        return None
    g.minyi_page_kept = True
    response = make_response(kept[0])
    response.content_type = kept[1]
    return response


def keep(response):
    key = g.pop("minyi_page_key", None)
    if key is None or g.get("minyi_page_kept") or response.status_code != 200 or response.direct_passthrough \
            or response.mimetype != "text/html" or "Set-Cookie" in response.headers or session.modified:
        return response
    try:
        cache.set(key, (response.get_data(), response.content_type),
                  timeout=max(1, round(float(rule("MINYI_PAGE_CACHE_SECONDS")))))
    except Exception as error:  # noqa: BLE001
        log.warning("page cache unavailable, page not kept: %s", error)
    return response
