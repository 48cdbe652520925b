"""What keeps personal data off caches, and the check that a form was sent from this site.

- A response made for a signed-in reader (by session, API token or kiosk token), or one a view marks as personal
  (an appeal followed by its receipt code), is sent with ``Cache-Control: private, no-store``: no proxy keeps it,
  and a shared computer in a village office keeps no copy after the tab is closed. Files that say how they may be
  kept (photos, recordings: private, for a while) keep their own rule. API answers vary on ``Authorization``.
- A state-changing request from a browser must come from this site's own address: its ``Origin`` (or, without
  one, its ``Referer``) names the host the request was made to (or MINYI_BASE_URL's). The CSRF token already binds a
  form to a session; this refuses a form that carries a valid token but was sent from another site. Requests
  with neither header (programs, old browsers) and those that authenticate by token rather than cookie are
  left to the CSRF token and the token."""

from urllib.parse import urlsplit

from flask import current_app, g, request, session
from flask_babel import gettext as _

from server.web.errors import error_response

#: Methods that change something.
WRITES = ("POST", "PUT", "PATCH", "DELETE")
#: Paths whose clients authenticate with a token or key they send, not a cookie a browser adds by itself.
TOKEN_PATHS = ("/api/", "/open311/")


def init_app(app) -> None:
    app.before_request(same_origin)
    app.after_request(no_store_for_people)


def personal() -> None:
    """Mark the response being made as carrying data about a person, for a reader who may not be signed in."""
    g.minyi_personal = True


def _host(url: str) -> str:
    # The host and port only: behind a proxy that ends TLS the app may see http:// where the browser says https://.
    return urlsplit(url).netloc.lower()


def same_origin():
    if request.method not in WRITES or request.path.startswith(TOKEN_PATHS) or "Authorization" in request.headers:
        return None
    sent_from = request.headers.get("Origin") or request.headers.get("Referer")
    if sent_from is None:
        return None
    allowed = {_host(request.host_url)}
    if current_app.config.get("MINYI_BASE_URL"):
        allowed.add(_host(current_app.config["MINYI_BASE_URL"]))
    if _host(sent_from) in allowed:
        return None
    return error_response(403, _("This form was sent from another site. Open the page on this site and send it "
                                 "again."))


def no_store_for_people(response):
    if request.endpoint == "static" or response.cache_control.private or response.cache_control.no_store:
        return response
    # Read from the session and cookies, not by loading the user: this runs on error pages too, when the
    # database may be away.
    signed_in = session.get("_user_id") is not None or "remember_token" in request.cookies
    if signed_in or g.get("minyi_personal") or "Authorization" in request.headers:
        response.headers["Cache-Control"] = "private, no-store"
    if request.path.startswith("/api/"):
        response.vary.add("Authorization")
    else:
        response.vary.add("Cookie")
    return response
