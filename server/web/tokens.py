"""Who a request's token speaks for: a person (the JSON API's Bearer token, or Open311's ``api_key``, the same
personal tokens) or a kiosk (the kiosk API). Each is read once per request and kept in ``g``, for the rate limits
and the view alike."""

from flask import g, request

from accounts.tokens import user_for_token
from kiosk_fleet import kiosks


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def bearer_user():
    """The user of the request's Bearer token, or None."""
    if "api_user" not in g:
        token = _bearer()
        g.api_user = user_for_token(token) if token else None
    return g.api_user


def current_kiosk() -> kiosks.Kiosk | None:
    """The kiosk of the request's device token, or None."""
    if "kiosk" not in g:
        token = _bearer()
        g.kiosk = kiosks.kiosk_for_token(token) if token else None
    return g.kiosk


def open311_user():
    """The user of an Open311 request's ``api_key`` (a personal token sent as a form field), or None."""
    if "open311_user" not in g:
        key = (request.form.get("api_key") or "").strip()
        g.open311_user = user_for_token(key) if key else None
    return g.open311_user
