"""Small helpers shared by the blueprints: role guards, inline form errors, safe redirects."""

import io
import re
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from accounts.regions import Category, Department, Region, RegionLevel
from core.db import db
from core.errors import DomainError, InvalidInput
from core.storage import LocalStorage
from server.web.limits import refuse_when_limited

# Ids are PostgreSQL integers: a larger number cannot name anything, so it is "not found", not an error.
MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """A usable row id from user input, or None (for blanks, words, '²', negatives, huge numbers)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


def arg_id(name: str) -> int | None:
    return parse_id(request.args.get(name))


def get_from_args(model, name: str):
    """The row named by ``?name=<id>``, or None when absent or unknown."""
    ident = arg_id(name)
    return db.session.get(model, ident) if ident else None


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs, limited to ids that can exist (a huge number is a 404, not a 500)."""
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def role_required(*roles):
    """Anonymous users go to the login page; logged-in users without the role get 403."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def submit(form, action, *, message=None):
    """The one way a form reaches a service: validate, run ``action()``, commit and flash ``message``.

    Returns what the action returned (True when it returned nothing), or None when the form is invalid
    or the service refused; then the error sits next to its field and nothing was saved."""
    from flask import flash, g


    valid = form.validate_on_submit()
    try:
        refuse_when_limited()  # over a rate limit: the form comes back with what was typed (limits.in_form)
    except DomainError as error:
        show_error(form, error)
        valid = False
    if not valid:
        g.refused_form = form  # base.html sums its errors up at the top of the page (the form may be far below)
        return None
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        g.refused_form = form
        return None
    db.session.commit()
    if message:
        flash(message, "success")
    return True if result is None else result


def button_action(action, *, message) -> bool:
    """A one-button form (no fields): check its CSRF token, run ``action()``, commit and flash ``message``;
    a refusal is flashed as a warning and saves nothing. Returns whether it was done."""
    from flask import flash
    from flask_wtf import FlaskForm


    if not FlaskForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "warning")
        return False
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
        return False
    db.session.commit()
    flash(message, "success")
    return True


def show_error(form, error) -> None:
    """Put a domain error next to the field it concerns (or above the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def safe_next(target: str | None, default: str) -> str:
    """Only follow same-site relative redirects (no open redirect via ?next=), and no control characters: a line
    break would split the Location header, which Werkzeug refuses with a 500."""
    if not target:
        return default
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(char) < 32 or ord(char) == 127 for char in target)):
        return default
    return target


def get_or_404(model, ident):
    if ident is None:
        abort(404)
    return db.session.get(model, ident) or abort(404)


def region_choices(level=None, blank=None):
    query = select(Region).order_by(Region.code)
    if level is not None:
        query = query.where(Region.level == level)
    regions = db.session.scalars(query).all()
    choices = [(r.id, r.full_name) for r in regions]
    return ([("", blank)] if blank else []) + choices


def village_choices():
    return region_choices(RegionLevel.VILLAGE, blank=_("Choose…"))


def department_choices(blank=None):
    departments = db.session.scalars(select(Department).order_by(Department.code)).all()
    return ([("", blank)] if blank else []) + [(d.id, d.name) for d in departments]


def category_choices(active_only=True):
    query = select(Category).order_by(Category.code)
    if active_only:
        query = query.where(Category.active.is_(True))
    return [(c.id, c.name) for c in db.session.scalars(query)]


def refuse_nul_bytes(texts) -> None:
    """No text legitimately holds a NUL byte, and PostgreSQL can neither store nor compare one: refuse it clearly."""
    if any("\x00" in text for text in texts):
        raise InvalidInput(_("What you sent contains a character that is not allowed (a NUL byte)."))


def reject_nul_bytes():
    """Before every request: its address, query string and form (the API's JSON: server.api.Parser)."""
    refuse_nul_bytes([request.path, *(v for source in (request.args, request.form) for _k, v in source.items(multi=True))])


def spreadsheet_safe(text: str) -> str:
    """Residents' text as a spreadsheet cell: never read as a formula (=, +, -, @ start one in Excel). A number
    (a phone number in international form, a negative amount) stays as it is."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not NUMBER.fullmatch(text):
        return "'" + text
    return text


NUMBER = re.compile(r"[+-]?[0-9][0-9 .]*")


#: A CSV download is sent in pieces of about this many characters, as its rows are read.
CSV_PIECE = 64 * 1024


def csv_response(filename: str, header: list[str], rows):
    """A CSV download that Excel reads in Chinese (a BOM), every text cell made spreadsheet-safe.

    ``rows`` is a list, or a function that reads them (a query with ``yield_per``): then the file is sent while
    they are read, in an app context of its own (the request's is gone by then) and the reader's language, so
    the first bytes leave at once and the server holds a batch of rows and a piece of the file, never all of it."""
    import csv
    import io

    from flask import Response
    from flask_babel import force_locale, get_locale

    app, locale = current_app._get_current_object(), str(get_locale())
    rows = rows if callable(rows) else list(rows)  # read now, while the request's session is open

    def pieces():
        out = io.StringIO()
        writer = csv.writer(out)
        out.write("\ufeff")
        writer.writerow(header)
        with app.app_context(), force_locale(locale):
            for row in rows() if callable(rows) else rows:
                writer.writerow([spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in row])
                if out.tell() >= CSV_PIECE:
                    yield out.getvalue()
                    out.seek(0)
                    out.truncate()
        yield out.getvalue()

    return Response(_in_own_context(pieces()), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def _in_own_context(generator):
    """``generator``'s items, each made in one context of its own: the app context it holds open between items
    is never seen by (nor taken from) whoever is reading it, whichever context they read in."""
    import contextvars

    own = contextvars.Context()
    try:
        while True:
            try:
                yield own.run(next, generator)
            except StopIteration:
                return
    finally:
        own.run(generator.close)


def send_stored(storage, name: str, *, mimetype: str, max_age: int = 0, etag: str | None = None):
    """A stored upload as a response: from the folder with ranges and conditional requests, or, from object
    storage, small files through the app and large ones (speech models) by a short-lived link to the object."""
    from flask import abort, redirect, send_file, send_from_directory


    if isinstance(storage, LocalStorage):
        return send_from_directory(storage.root, name, mimetype=mimetype, conditional=True, etag=etag or True,
                                   max_age=max_age)
    if mimetype == "application/zip":  # hundreds of MB, fetched with ranges by kiosks
        return redirect(storage.url(name), code=302)
    try:
        data = storage.read(name)
    except FileNotFoundError:
        abort(404)  # (storage that is away: StorageError, a 503 with its message)
    return send_file(io.BytesIO(data), mimetype=mimetype, max_age=max_age, etag=etag or True, conditional=True)


#: The most rows one bulk action takes (a page shows far fewer; more would be a crafted request).
MOST_TICKED = 1000


def ticked_ids() -> list[int]:
    """The ids ticked on a list (``ids`` in the form), without duplicates or ones that are no id."""
    from flask import request
    from flask_babel import gettext as _


    ids = list(dict.fromkeys(i for i in (parse_id(v) for v in request.form.getlist("ids")) if i))
    if len(ids) > MOST_TICKED:
        raise InvalidInput(_("Tick at most %(n)d at a time.", n=MOST_TICKED), field="ids")
    return ids

