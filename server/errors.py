"""Error pages and JSON errors that say what went wrong in the user's language and leak nothing."""

import logging
from urllib.parse import quote

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from accounts.errors import DomainError

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
    }


def error_response(status: int, message: str | None = None, field: str | None = None):
    messages = _messages()
    specific = message
    message = message or messages.get(status) or (messages[400] if status < 500 else messages[500])
    if request.path.startswith("/open311/"):
        from server.open311_format import error_document

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

    app.register_error_handler(Exception, unexpected)


def http_error(error: HTTPException):
    """The page or JSON error for an HTTP error (a 405 says which methods the address takes; a rate limit
    says which one was reached, server/limits.py)."""
    message = None
    if isinstance(error, RateLimitExceeded) and error.limit.error_message:
        message = error.description
    response = error_response(error.code or 500, message)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def unexpected(error):
    log.exception("unhandled error on %s %s", request.method, request.path)
    # A failed flush leaves the session unusable; the error page itself needs it (user, language).
    from accounts.db import db

    db.session.rollback()
    return error_response(500)
