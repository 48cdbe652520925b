"""Rate limits on what people write, so one person, one address or one kiosk cannot flood the platform:

- **posting** (proposals, comments, appeals, photos): per account (by session, API token or Open311 api_key
  alike); requests nobody is identified by, per address;
- **backing** (supports, pledges, "my problem too", ratings): per account;
- **receipts** (looking an appeal up by its receipt code): per address, so codes cannot be guessed;
- **kiosk uploads**: per kiosk;
- **password resets** (asking for a link or code, trying codes): per address, and per phone number or email;
- **codes to log in** (asking for one, trying them): the same counts as password resets, so codes by SMS of
  either kind share one allowance per address and one per phone number.

An account is the signed-in person, or the holder of an API token, Open311 api_key or kiosk token. Views check
the token before the limit (the limit decorator sits under the token's), so a bad token gets 401 or 403, never a
429 for others' tries. Limits are strings like "20 per hour;100 per day" (MINYI_*_LIMIT), counted in Redis when
configured, so every app server shares them. A request over a limit gets 429 with a message in the person's
language and a Retry-After header; a page's form (``in_form``) comes back, still with 429, holding what was typed
and saying how long to wait."""

import hashlib
import math
import time
from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user

from core.errors import DomainError, InvalidInput
from core.validation import looks_like_email, normalize_phone
from server.extensions import limiter
from server.web.tokens import bearer_user, current_kiosk, open311_user

WRITES = ["POST", "PUT", "DELETE"]


def actor_key() -> str:
    """Who is writing: the signed-in person, the person or kiosk a token belongs to (all of a person's tokens
    share one allowance, whether sent as a Bearer token or as Open311's api_key), else the address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    if request.path.startswith("/open311/") and open311_user() is not None:
        return f"user:{open311_user().id}"
    header = request.headers.get("Authorization", "")
    text = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if text:
        user = bearer_user()
        if user is not None:
            return f"user:{user.id}"
        kiosk = current_kiosk()
        if kiosk is not None:
            return f"kiosk:{kiosk.id}"
        return "token:" + hashlib.sha256(text.encode()).hexdigest()[:32]
    return "address:" + get_remote_address()


def address_key() -> str:
    return "address:" + get_remote_address()


def reset_identifier_key() -> str:
    """The phone number or email a new password is asked for, known or not (so the limit reveals nothing)."""
    identifier = (request.form.get("identifier") or "").strip().lower()[:254]
    if identifier and not looks_like_email(identifier):
        try:
            identifier = normalize_phone(identifier, current_app.config["MINYI_PHONE_REGION"])
        except InvalidInput:
            pass
    return "reset:" + identifier


def _rule(name):
    return lambda: current_app.config[name]


POSTING_MESSAGE = _l("You have posted a lot in a short time. Please wait a while, then go back and send it "
                     "again.")
BACKING_MESSAGE = _l("That is a lot of support in a short time. Please wait a while and try again.")
RECEIPT_MESSAGE = _l("Too many receipt codes tried from here. Please wait an hour, or sign in to see your "
                     "appeals.")
RESET_MESSAGE = _l("Too many requests for a new password. Please wait an hour, then try again.")
CODE_MESSAGE = _l("Too many codes asked for or tried. Please wait an hour, then try again, or log in with your "
                  "password.")
KIOSK_MESSAGE = _l("This kiosk has sent a great many appeals. It will send the rest later.")

posting = limiter.shared_limit(_rule("MINYI_POSTING_LIMIT"), scope="posting", key_func=actor_key,
                               methods=WRITES, error_message=POSTING_MESSAGE)
posting_from_address = limiter.shared_limit(_rule("MINYI_POSTING_ADDRESS_LIMIT"), scope="posting-address",
                                            key_func=address_key, methods=WRITES, error_message=POSTING_MESSAGE,
                                            exempt_when=lambda: not actor_key().startswith("address:"))
"""Only for writers nobody has identified: residents behind one address (a village office, a carrier's NAT, an
Open311 app posting for many) each have their own allowance."""
backing = limiter.shared_limit(_rule("MINYI_BACKING_LIMIT"), scope="backing", key_func=actor_key,
                               methods=WRITES, error_message=BACKING_MESSAGE)
receipts = limiter.shared_limit(_rule("MINYI_RECEIPT_LIMIT"), scope="receipts", key_func=address_key,
                                error_message=RECEIPT_MESSAGE,
                                exempt_when=lambda: request.path.endswith("/receipt") and "code" not in request.args)
"""Web and API lookups share one count; the web page counts only when a code is looked up, not when its
form is shown."""
password_resets = limiter.shared_limit(_rule("MINYI_RESET_LIMIT"), scope="password-reset", key_func=address_key,
                                       methods=["POST"], error_message=RESET_MESSAGE)
"""Asking for a new password and trying codes, per address."""
password_reset_accounts = limiter.shared_limit(_rule("MINYI_ACCOUNT_RESET_LIMIT"), scope="password-reset-account",
                                               key_func=reset_identifier_key, methods=["POST"],
                                               error_message=RESET_MESSAGE)
"""Asking for a new password, per phone number or email, from any address."""
sign_in_codes = limiter.shared_limit(_rule("MINYI_RESET_LIMIT"), scope="password-reset", key_func=address_key,
                                     methods=["POST"], error_message=CODE_MESSAGE)
"""Asking for a code to log in and trying codes, per address: counted with password resets (the same scope)."""
sign_in_code_numbers = limiter.shared_limit(_rule("MINYI_ACCOUNT_RESET_LIMIT"), scope="password-reset-account",
                                            key_func=reset_identifier_key, methods=["POST"],
                                            error_message=CODE_MESSAGE)
"""Asking for a code to log in, per phone number, from any address: counted with password resets."""
kiosk_receipts = limiter.shared_limit(_rule("MINYI_RECEIPT_LIMIT"), scope="kiosk-receipts", key_func=actor_key,
                                      error_message=RECEIPT_MESSAGE)
"""Receipt codes looked up at a kiosk: per kiosk."""
kiosk_uploads = limiter.shared_limit(_rule("MINYI_KIOSK_UPLOAD_LIMIT"), scope="kiosk-uploads",
                                     key_func=actor_key, methods=WRITES, error_message=KIOSK_MESSAGE)


def limited_posting(view):
    """Both posting limits: the account's and the address's."""
    return posting(posting_from_address(view))


class Limited(DomainError):
    """A form sent over a limit: nothing is done, the form comes back with what was typed."""
    status = 429


def in_form(*limits):
    """The ``limits`` (decorators, outermost first) of a page whose form comes back when refused: over one, the
    view still runs, its form is refused (``refuse_when_limited``, which ``server.web.helpers.submit`` calls) and
    the page comes back with everything typed and how long to wait, as a 429, instead of a bare error page that
    loses the text. htmx requests and the other methods get the usual 429. Every such view must refuse."""
    def decorate(view):
        checked = view
        for limit in reversed(limits):
            checked = limit(checked)

        @wraps(view)
        def page(*args, **kwargs):
            try:
                return checked(*args, **kwargs)
            except RateLimitExceeded as exceeded:
                if request.method != "POST" or request.headers.get("HX-Request"):
                    raise
                g.limit_refusal = _wait_message(getattr(exceeded.limit, "scope", None))
                response = current_app.make_response(view(*args, **kwargs))
                if not g.get("limit_refused"):  # (a view that did not show its form again)
                    raise exceeded from None
                response.status_code = 429
                return response
        return page
    return decorate


def refuse_when_limited() -> None:
    """Raise ``Limited`` when this request is over a limit of ``in_form``."""
    message = g.get("limit_refusal")
    if message:
        g.limit_refused = True
        raise Limited(message)


#: What a form page says was reached, by the limit's scope (others: FORM_REASON).
FORM_REASONS = {"posting": _l("You have posted a lot in a short time."),
                "posting-address": _l("You have posted a lot in a short time."),
                "backing": _l("That is a lot of support in a short time."),
                "password-reset": _l("Too many codes or new passwords asked for in a short time."),
                "password-reset-account": _l("Too many codes or new passwords asked for in a short time.")}
FORM_REASON = _l("Too many tries in a short time.")


def _wait_message(scope) -> str:
    """What was refused and how long until the limit that was reached lets the next one through."""
    reached = limiter.current_limit
    seconds = reached.reset_at - time.time() if reached is not None else 60
    minutes = math.ceil(max(seconds - 1, 1) / 60)  # (reset_at is rounded up to the next second)
    if minutes < 120:
        wait = ngettext("Please try again in %(num)d minute.", "Please try again in %(num)d minutes.", minutes)
    else:
        hours = math.ceil(minutes / 60)
        wait = ngettext("Please try again in %(num)d hour.", "Please try again in %(num)d hours.", hours)
    reason = FORM_REASONS.get(scope, FORM_REASON)
    return " ".join((str(reason), _("Nothing was sent; what you typed is kept here."), wait))
