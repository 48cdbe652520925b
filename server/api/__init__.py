"""The JSON API under /api/v1, documented at /api/v1/openapi.json (flask-smorest generates it).

Clients authenticate with a personal token (``Authorization: Bearer minyi_...``), never with the
browser session, so the API needs no CSRF token and a logged-in browser cannot be tricked into it."""

import json
from functools import wraps

import flask_smorest
from flask_smorest import Api
from webargs.flaskparser import FlaskParser

from core.db import db
from server.api.schemas import ErrorSchema
from server.extensions import csrf
from server.web.errors import error_response, http_error
from server.web.helpers import refuse_nul_bytes
from server.web.tokens import bearer_user


class Parser(FlaskParser):
    """webargs' parser, refusing JSON nested past any sane depth as the broken JSON it is (Python's parser
    gives up with a RecursionError, which would otherwise be a 500)."""

    def _raw_load_json(self, req):
        try:
            data = super()._raw_load_json(req)
        except RecursionError as error:
            raise json.JSONDecodeError("nested too deeply", "[", 0) from error
        refuse_nul_bytes(_texts(data))
        return data


def _texts(data):
    """Every string in a JSON document, keys too (without recursion: the document may be deep)."""
    waiting = [data]
    while waiting:
        item = waiting.pop()
        if isinstance(item, dict):
            waiting.extend(item.keys())
            waiting.extend(item.values())
        elif isinstance(item, list):
            waiting.extend(item)
        elif isinstance(item, str):
            yield item


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()


class MinyiApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        """Every API error has one shape: {"error": {"code", "status", "message", ...}}."""
        messages = (getattr(error, "data", None) or {}).get("messages")
        response = http_error(error)
        if messages:
            body = response.get_json()
            fields = {}
            for location, found in messages.items():
                # {"json": {"field": [...]}}, or {"json": ["Invalid JSON body."]} for a body that is not JSON
                fields.update(found if isinstance(found, dict) else {location: found})
            body["error"]["fields"] = fields
            response.set_data(json.dumps(body))
        return response


api = MinyiApi()


def documented_errors(blp, *statuses):
    """Document the error responses an endpoint of ``blp`` can give (in the one error shape)."""
    def decorator(view):
        for status in statuses:
            view = blp.alt_response(status, schema=ErrorSchema, description="Error")(view)
        return view
    return decorator


def by_code(model, code):
    """The region or category with this code (None when absent or unknown)."""
    from sqlalchemy import select


    return db.session.scalar(select(model).where(model.code == code)) if code else None


def token_required(view):
    """401 with a WWW-Authenticate challenge unless a valid personal token is sent."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if bearer_user() is None:
            response = error_response(401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="minyi"'
            return response
        return view(*args, **kwargs)

    return wrapped


def init_app(app, blueprints) -> None:
    app.config.setdefault("API_TITLE", "Minyi API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api.init_app(app, spec_kwargs={"info": {"description": __doc__}})
    api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer",
                                                   "description": "A personal token from your account page"})
    api.spec.components.security_scheme("kiosk", {"type": "http", "scheme": "bearer",
                                                   "description": "A kiosk's device token (from enrolment)"})
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
