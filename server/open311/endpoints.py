"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) under /open311/v2, in JSON and XML.

A service is an active category, a service request a public appeal (its id is the service_request_id,
its receipt code the token). Clients post requests with a resident's personal API token as ``api_key``.

An appeal's title is the one attribute every service declares in its definition: ``attribute[title]``, as the spec
sends attributes and as FixMyStreet sends a report's title to servers that declare one (``title`` alone, the
name a request's title is read back under, is taken too). Without one, the description's first sentence is the
title, as for every appeal sent without one."""

from datetime import timedelta
from functools import wraps

from flask import Blueprint, current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.permissions import has_role
from accounts.regions import Category, Department, Region, RegionLevel, region_tree
from accounts.users import Role
from appeals.models import CLOSED, Appeal, AppealEvent, EventKind
from appeals.queries import public_appeals, visible_events
from appeals.services import find_by_receipt, submit_appeal
from appeals.titles import TITLE_MAX
from core.db import commit_with_retry, db, local_zone, utcnow
from core.errors import DomainError
from core.i18n import current_language
from server.extensions import csrf
from server.open311.documents import CONTENT_TYPES, document, error_document, parse_w3c, w3c
from server.web.helpers import parse_id
from server.web.limits import limited_posting
from server.web.tokens import open311_user

bp = Blueprint("open311", __name__, url_prefix="/open311")
csrf.exempt(bp)  # clients authenticate with api_key, never with the browser session

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: When this endpoint's description last changed (Service Discovery's sortable changeset).
CHANGESET = "2026-12-07 21:30"
#: The spec's response volume: at most 90 days and 1000 requests.
WINDOW, MOST = timedelta(days=90), 1000
#: Timeline steps whose public text explains an appeal's status (the department's answer or reason).
NOTE_KINDS = (EventKind.ANSWERED, EventKind.RESOLVED, EventKind.REJECTED)
#: Appeal fields as the Open311 parameters a client sent, so an error names what to fix.
PARAMETERS = {"body": "description", "category": "service_code", "village": "address_id", "latitude": "lat",
              "longitude": "long", "address": "address_string", "contact_email": "email", "contact_phone": "phone",
              "title": "attribute[title]"}
#: Where a client may send the appeal's title: the attribute of the service definition, or the name a request's
#: title is read back under.
TITLE_PARAMETERS = ("attribute[title]", "title")


class Open311Error(Exception):
    """An error answered in the Open311 format: ``[{"code": status, "description": ...}, ...]``."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(*descriptions)
        self.status, self.descriptions = status, descriptions


@bp.errorhandler(Open311Error)
def open311_error(error):
    return error_document(error.status, *error.descriptions)


def _format(fmt: str) -> str:
    if fmt not in CONTENT_TYPES:
        raise Open311Error(404, _("Unknown format: use .json or .xml."))
    return fmt


def _split(resource: str) -> tuple[str, str]:
    """"roads.json" → ("roads", "json"); the identifier may itself contain dots."""
    name, dot, fmt = resource.rpartition(".")
    if not dot or not name:
        raise Open311Error(404, _("Unknown format: use .json or .xml."))
    return name, _format(fmt)


def _arg(name: str) -> str:
    """An optional argument: empty means absent, as the spec requires."""
    return (request.args.get(name) or "").strip()


def _list_arg(name: str) -> list[str]:
    """A comma separated argument that may also be given several times."""
    return [part.strip() for value in request.args.getlist(name) for part in value.split(",") if part.strip()]


@bp.route("/discovery.<fmt>")
def discovery(fmt):
    """Service Discovery: where the GeoReport v2 endpoint is and what it speaks."""
    fmt = _format(fmt)
    return document(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": _("Minyi, %(url)s: ask your village office or the administrators.", url=request.url_root),
        "key_service": _("Residents create a personal API token on their account page (%(url)s) and send it as "
                         "api_key.", url=url_for("auth.account", _external=True)),
        "endpoints": [{"specification": SPECIFICATION, "url": request.url_root.rstrip("/") + "/open311/v2",
                       "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    })


def _service(category: Category) -> dict:
    separator = "、" if current_language() == "zh_Hans" else ", "
    return {"service_code": category.code, "service_name": category.name,
            "description": separator.join(d.name for d in sorted(category.departments, key=lambda d: d.code)),
            "metadata": True, "type": "realtime", "keywords": "", "group": ""}  # (metadata: the title attribute)


@bp.route("/v2/services.<fmt>")
def services(fmt):
    """GET Service List: every active category."""
    fmt = _format(fmt)
    categories = db.session.scalars(select(Category).where(Category.active.is_(True))
                                    .options(selectinload(Category.departments)).order_by(Category.code)).all()
    return document(fmt, "services", [_service(c) for c in categories])


def _active_category(code: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.code == code, Category.active.is_(True)))


def _title_attribute() -> dict:
    """The appeal's title, an attribute a client may fill (in the spec's order of an attribute's fields)."""
    return {"variable": True, "code": "title", "datatype": "string", "required": False,
            "datatype_description": _("At most %(n)d characters, on one line.", n=TITLE_MAX), "order": 1,
            "description": _("A short title for the request. Without one, the first sentence of the description "
                             "is its title.")}


@bp.route("/v2/services/<resource>")
def service_definition(resource):
    """GET Service Definition: every service asks for one attribute, the appeal's title (optional)."""
    code, fmt = _split(resource)
    if _active_category(code) is None:
        raise Open311Error(404, _("service_code %(code)s was not found.", code=code))
    return document(fmt, "service_definition", {"service_code": code, "attributes": [_title_attribute()]})


def _notes(appeal_ids: list[int]) -> dict[int, str]:
    """The latest public answer or reason of each appeal."""
    if not appeal_ids:
        return {}
    rows = db.session.execute(
        visible_events(None, appeal_ids).with_only_columns(AppealEvent.appeal_id, AppealEvent.body)
        .where(AppealEvent.kind.in_(NOTE_KINDS), AppealEvent.body.is_not(None))
        .order_by(None).order_by(AppealEvent.created_at, AppealEvent.id)).all()
    return {appeal_id: body for appeal_id, body in rows}  # later rows overwrite earlier ones


def _service_request(appeal, notes: dict[int, str], known: dict) -> dict:
    """One appeal as a service request; ``known`` holds what every row shares (``_shared``)."""
    name, code = known["categories"][appeal.category_id]
    return {
        "service_request_id": str(appeal.id),
        "status": "closed" if appeal.status in CLOSED else "open",
        "status_notes": notes.get(appeal.id, ""),
        "service_name": name,
        "service_code": code,
        "description": appeal.body,
        "agency_responsible": known["departments"].get(appeal.department_id, ""),
        "service_notice": "",
        "requested_datetime": w3c(appeal.created_at, known["zone"]),
        "updated_datetime": w3c(appeal.updated_at or appeal.created_at, known["zone"]),
        "expected_datetime": w3c(appeal.due_at, known["zone"]),
        "address": appeal.address or "",
        "address_id": known["regions"].get(appeal.region_id, ""),
        "zipcode": "",
        "lat": appeal.latitude,
        "long": appeal.longitude,
        "media_url": "",
        "title": appeal.title,  # an extension after the standard fields: the short line the board and inbox show
    }


def _shared() -> dict:
    """Looked up once per answer, not per row: names in the reader's language, region codes, the time zone."""
    return {"categories": {c.id: (c.name, c.code) for c in db.session.scalars(select(Category))},
            "departments": {d.id: d.name for d in db.session.scalars(select(Department))},
            "regions": region_tree().code, "zone": local_zone()}


def _public_appeals():
    """Public appeals as the columns a service request shows: rows, not objects, a thousand at a time."""
    return public_appeals().with_only_columns(
        Appeal.id, Appeal.status, Appeal.title, Appeal.body, Appeal.category_id, Appeal.department_id, Appeal.created_at,
        Appeal.updated_at, Appeal.due_at, Appeal.address, Appeal.region_id, Appeal.latitude, Appeal.longitude)


def _requests_document(fmt: str, appeals):
    notes, known = _notes([a.id for a in appeals]), _shared()
    return document(fmt, "service_requests", [_service_request(a, notes, known) for a in appeals])


def _date_arg(name: str):
    text = _arg(name)
    if not text:
        return None
    try:
        moment = parse_w3c(text)
        if not 1900 <= moment.year <= 2200:  # (year 1 or 9999 would overflow the 90-day window arithmetic)
            raise ValueError(text)
        return moment
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a W3C datetime with a time zone, e.g. 2026-11-27T15:20:00+08:00.",
                                  name=name)) from None


def _window():
    """[start, end] of requested_datetime: the spec's most recent 90 days unless given, never more than 90."""
    start, end = _date_arg("start_date"), _date_arg("end_date")
    if start is not None and end is not None:
        if start > end:
            raise Open311Error(400, _("start_date must not be after end_date."))
        if end - start > WINDOW:
            raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
        return start, end
    if start is not None:
        return start, start + WINDOW
    if end is not None:
        return end - WINDOW, end
    return utcnow() - WINDOW, None


@bp.route("/v2/requests.<fmt>", methods=["GET"])
def service_requests(fmt):
    """GET Service Requests: public appeals, newest first, filtered as the spec describes."""
    fmt = _format(fmt)
    query = _public_appeals()
    ids = _list_arg("service_request_id")
    if ids:  # "This overrides all other arguments."
        wanted = [i for i in map(parse_id, ids[:MOST]) if i is not None]
        query = query.where(Appeal.id.in_(wanted))
    else:
        statuses = set(_list_arg("status"))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed (several may be separated by commas)."))
        start, end = _window()
        query = query.where(Appeal.created_at >= start)
        if end is not None:
            query = query.where(Appeal.created_at <= end)
        codes = _list_arg("service_code")
        if codes:
            query = query.join(Appeal.category).where(Category.code.in_(codes))
        if statuses == {"open"}:
            query = query.where(Appeal.status.not_in(CLOSED))
        elif statuses == {"closed"}:
            query = query.where(Appeal.status.in_(CLOSED))
    appeals = db.session.execute(query.order_by(Appeal.created_at.desc(), Appeal.id.desc()).limit(MOST)).all()
    return _requests_document(fmt, appeals)


@bp.route("/v2/requests/<resource>")
def service_request(resource):
    """GET Service Request: one public appeal."""
    ident, fmt = _split(resource)
    appeal_id = parse_id(ident)
    appeal = appeal_id and db.session.execute(_public_appeals().where(Appeal.id == appeal_id)).first()
    if not appeal:
        raise Open311Error(404, _("service_request_id %(id)s was not found.", id=ident))
    return _requests_document(fmt, [appeal])


@bp.route("/v2/tokens/<resource>")
def token(resource):
    """GET service_request_id from a token: the token is the appeal's receipt code."""
    code, fmt = _split(resource)
    try:
        appeal = find_by_receipt(code)
    except DomainError:
        raise Open311Error(404, _("token %(token)s was not found.", token=code)) from None
    return document(fmt, "service_requests", [{"service_request_id": str(appeal.id), "token": appeal.receipt_code}])


def _point(form):
    lat, long = (form.get("lat") or "").strip(), (form.get("long") or "").strip()
    if not lat and not long:
        return None, None
    if not (lat and long):
        raise Open311Error(400, _("Send both lat and long."))
    try:
        return float(lat), float(long)
    except ValueError:
        raise Open311Error(400, _("lat and long must be decimal degrees (WGS84).")) from None


def _title(form) -> tuple[str | None, str]:
    """The title sent (None: none) and the parameter it came in, for an error to name."""
    sent = [(name, value.strip()) for name in TITLE_PARAMETERS for value in form.getlist(name) if value.strip()]
    if len({value for _name, value in sent}) > 1:
        raise Open311Error(400, _("Send one title, in attribute[title]."))
    return (sent[0][1], sent[0][0]) if sent else (None, TITLE_PARAMETERS[0])


def _village(form, user) -> Region:
    """The village named by address_id, else the one the resident lives in."""
    address_id = (form.get("address_id") or "").strip()
    if address_id:
        village = db.session.scalar(select(Region).where(Region.code == address_id))
        if village is None or village.level != RegionLevel.VILLAGE:
            raise Open311Error(400, _("address_id must be the code of a village."))
        return village
    if user.region is None or user.region.level != RegionLevel.VILLAGE:
        raise Open311Error(400, _("Send address_id (a village code): your account has no village."))
    return user.region


def resident_key(view):
    """The api_key checked before anything else (the posting limit included): a bad key gets 403, and a good one
    is counted as its resident, wherever they post from."""
    @wraps(view)
    def checked(*args, **kwargs):
        user = open311_user()
        if user is None:
            raise Open311Error(403, _("Missing or invalid api_key: create a personal API token on your account "
                                      "page."))
        if not has_role(user, Role.RESIDENT):
            raise Open311Error(403, _("Only residents can send service requests with their api_key."))
        return view(*args, **kwargs)
    return checked


@bp.route("/v2/requests.<fmt>", methods=["POST"])
@resident_key
@limited_posting
def create_request(fmt):
    """POST Service Request: a resident's appeal, sent with their personal API token as api_key."""
    fmt = _format(fmt)
    form = request.form
    user = open311_user()
    code, description = (form.get("service_code") or "").strip(), (form.get("description") or "").strip()
    address = (form.get("address_string") or "").strip()
    latitude, longitude = _point(form)
    missing = []
    if not code:
        missing.append(_("service_code was not provided."))
    if latitude is None and not address and not (form.get("address_id") or "").strip():
        missing.append(_("A location is needed: lat and long, address_string or address_id."))
    if not description:
        missing.append(_("description was not provided."))
    if missing:
        raise Open311Error(400, *missing)
    category = _active_category(code)
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.", code=code))
    village = _village(form, user)
    title, title_parameter = _title(form)
    try:
        appeal = commit_with_retry(lambda: submit_appeal(
            actor=user, title=title, body=description, category=category, village=village,
            language=current_language(), latitude=latitude, longitude=longitude, address=address or None,
            contact_email=form.get("email"), contact_phone=form.get("phone"),
            phone_region=current_app.config["MINYI_PHONE_REGION"]))
    except DomainError as error:
        db.session.rollback()
        parameter = {**PARAMETERS, "title": title_parameter}.get(error.field or "")
        message = str(error.message)
        raise Open311Error(400, f"{parameter}: {message}" if parameter else message) from None
    # A realtime service: the spec returns service_request_id, and then no token.
    return document(fmt, "service_requests", [{"service_request_id": str(appeal.id), "service_notice": "",
                                               "account_id": None}])
