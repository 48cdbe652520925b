"""Error pages and JSON errors that say what went wrong in the user's language and leak nothing."""

import logging
from urllib.parse import quote

from flask import current_app, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, PendingRollbackError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from core.db import db
from core.errors import DomainError
from server.open311.documents import error_document
from server.web.database import committed_in_request, database_away, in_doubt

log = logging.getLogger(__name__)


#: Machine-readable names for API error statuses.
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 422: "invalid_input", 429: "too_many_requests", 500: "server_error",
         503: "unavailable"}


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/open311/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _messages():
    return {
        400: _("The request could not be understood. Please go back and try again."),
        401: _("Please log in first."),
        403: _("You do not have permission to see this page."),
        404: _("This page does not exist. It may have been moved or removed."),
        405: _("This action is not available here."),
        409: _("This conflicts with the current state. Please reload the page."),
        413: _("What you sent is too large."),
        422: _("Please check what you entered."),
        429: _("Too many attempts. Please wait a while and try again."),
        500: _("Something went wrong on our side. What you saved earlier is safe; please try again later."),
        503: _("The service is briefly unavailable. Nothing was saved; please try again in a minute."),
    }


def error_response(status: int, message: str | None = None, field: str | None = None):
    g.pop("refused_form", None)  # an error page has no form to sum up
    messages = _messages()
    specific = message
    message = message or messages.get(status) or (messages[400] if status < 500 else messages[500])
    if request.path.startswith("/open311/"):

        return error_document(status, str(message))  # Open311 clients read only their own error format
    if wants_json():
        body = {"error": {"code": CODES.get(status, "error"), "status": status, "message": str(message)}}
        if field:
            body["error"]["field"] = field
        return make_response(jsonify(body), status)
    response = make_response(render_template("error.html", status=status, message=message), status)
    if specific and request.headers.get("HX-Request"):  # htmx shows no error page: static/js/minyi.js shows this
        response.headers["X-Error-Message"] = quote(str(message))
    return response


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(400, _("This form has expired or did not come from this site. "
                                     "Please reload the page and send it again."))

    @app.errorhandler(DomainError)
    def domain_error(error):
        return error_response(error.status, str(error.message), error.field)

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(DBAPIError, database_error)
    app.register_error_handler(PendingRollbackError, database_error)  # (after a connection broke mid-request)  # (server/web/replica.py's handler comes here too)

    app.register_error_handler(Exception, unexpected)


def http_error(error: HTTPException):
    """The page or JSON error for an HTTP error (a 405 says which methods the address takes; a rate limit
    says which one was reached, server/web/limits.py)."""
    message = None
    if isinstance(error, RateLimitExceeded) and error.limit.error_message:
        message = error.description
    response = error_response(error.code or 500, message)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


#: Seconds a client should wait before trying again while the database is away (a restart takes a few).
RETRY_AFTER_SECONDS = 60


def database_error(error: DBAPIError):
    """The database is away for a moment (restarting, failing over): 503, "nothing was saved, try again", and the
    app goes on by itself once it is back. Any other database error is unexpected."""

    if not database_away(error):
        return unexpected(error)
    log.warning("database unavailable on %s %s: %s", request.method, request.path,
                getattr(error, "orig", None) or error)
    _roll_back()
    # The page is made as for a visitor: who is signed in, and their unread notifications, are in the database.
    g._login_user = current_app.login_manager.anonymous_user()
    message = _messages()[503]  # "nothing was saved": true of a transaction that never reached its COMMIT
    if request.method not in ("GET", "HEAD"):  # (a reader asked to save nothing)
        if in_doubt(error):  # the connection went during the COMMIT: it may have been saved just before
            message = _("The service was interrupted just as this was being saved, so it may or may not have been "
                        "saved. Please check before sending it again.")
        elif committed_in_request():  # it went after the COMMIT, as the answer was being made
            message = _("This was saved, but the service became unavailable before the answer could be shown. "
                        "Please do not send it again; reload the page in a minute.")
    response = error_response(503, message)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unexpected(error):
    log.exception("unhandled error on %s %s", request.method, request.path)
    # A failed flush leaves the session unusable; the error page itself needs it (user, language).
    _roll_back()
    return error_response(500)


def _roll_back():
    """End the request's failed transaction (on a connection that may be gone: then there is nothing to end)."""
    try:
        db.session.rollback()
    except SQLAlchemyError as error:
        log.warning("rollback after an error failed: %s", error)
