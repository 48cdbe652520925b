"""The officials' map of waiting appeals: the appeals of their inbox (``appeals.queries.inbox``), each marked by
the time left before its deadline (overdue, due soon, in time); the legend says it in words and shapes too."""

from datetime import timedelta

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appeals.models import Appeal
from appeals.queries import inbox
from core.db import utcnow
from server.officials import bp
from server.public.board import filter_choices
from server.web.maps import (
    BadFilter,
    address_maker,
    bad_filter,
    feature_collection,
    geojson_response,
    located,
    place_columns,
    read_filters,
)

#: An appeal due within this time is "due soon".
SOON = timedelta(days=2)


def deadline_state(due_at, now) -> str:
    """overdue, soon or fine: how much time is left before ``due_at``."""
    if due_at is None:
        return "fine"
    if due_at.tzinfo is None:  # SQLite gives naive datetimes back; they are UTC
        now = now.replace(tzinfo=None)
    if due_at < now:
        return "overdue"
    return "soon" if due_at < now + SOON else "fine"


@bp.route("/appeals/map")
def appeal_map():
    error = None
    try:
        read_filters()
    except BadFilter as problem:
        error = problem.message
    args = {k: v for k, v in request.args.items() if k in ("region", "category")}
    return render_template("maps/map.html", kind="inbox", error=error, args=args, text=False, statuses=[],
                           points_url=url_for("officials.appeal_map_points", **args),
                           outlines_url=url_for("maps.region_outlines", region=args.get("region")),
                           list_url=url_for("officials.appeal_inbox", **args), **filter_choices()), \
        400 if error else 200


@bp.route("/appeals/map.json")
def appeal_map_points():
    """The waiting appeals this official handles, with a place, as GeoJSON with their deadline state."""
    try:
        found = read_filters()
    except BadFilter as error:
        return bad_filter(error)
    query = inbox(current_user, status="waiting", category=found["category"], region=found["region"]) \
        .with_only_columns(Appeal.id, Appeal.title.label("summary"), Appeal.status,
                           Appeal.due_at, *place_columns(Appeal))
    rows = located(query, Appeal)
    now = utcnow()
    labels = {"overdue": _("Overdue"), "soon": _("Due within two days"), "fine": _("In time")}
    address = address_maker("officials.handle_appeal", "appeal_id")

    def make(row):
        state = deadline_state(row.due_at, now)
        return {"id": row.id, "title": row.summary or _("Appeal %(n)s", n=row.id), "url": address(row.id),
                "status": row.status, "status_label": labels[state], "deadline": state,
                "approximate": bool(row.approximate)}
    return geojson_response(feature_collection(rows, make))
