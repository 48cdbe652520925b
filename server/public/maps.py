"""Maps of appeals, proposals and projects beside their lists, with the lists' filters. Each page is a frame the
map script fills from a GeoJSON address of the same filters; that data (``server.web.map_data``, the API's maps
too) reads through the domains' own read rules (``board``, ``public_proposals``), so a map shows nothing its list
would not."""

import json

from flask import Blueprint, render_template, request, url_for

from accounts.geography import centres
from server.public.board import filter_choices
from server.web import map_data
from server.web.i18n import STATUS_LABELS
from server.web.maps import (
    BadFilter,
    args_among,
    filter_args,
    geojson_response,
    map_settings,
    read_filters,
    with_filters,
)

bp = Blueprint("maps", __name__)
bp.add_app_template_global(map_settings)
bp.add_app_template_global(args_among)  # a list's filters, carried over to its map


@bp.app_template_global()
def region_centres() -> str:
    """Every region's centre as JSON (id → [latitude, longitude]), for the pin picker's village choice."""
    return json.dumps({str(k): v for k, v in centres().items()}, separators=(",", ":"))


def map_page(kind, *, points: str, listing: str, statuses=(), text=False):
    """The map page of ``kind``: a frame the map script fills from the endpoint ``points``, with the filters of the
    query string, which the link back to the list (the endpoint ``listing``) keeps too. A bad filter is said on
    the page (400) and nothing is drawn. The officials' map is one as well."""
    error = None
    try:
        read_filters(request.args, statuses, text=text)
    except BadFilter as problem:
        error = problem.message
    args = filter_args(statuses, text=text)
    labels = STATUS_LABELS.get(kind, {})
    return render_template("maps/map.html", kind=kind, error=error, args=args, text=text,
                           statuses=[(s, labels[s]) for s in statuses], points_url=url_for(points, **args),
                           outlines_url=url_for("maps.region_outlines", region=args.get("region")),
                           list_url=url_for(listing, **args), **filter_choices()), 400 if error else 200


@bp.route("/appeals/map")
def appeals():
    return map_page("appeal", points="maps.appeal_points", listing="board.appeals",
                    statuses=map_data.STATUSES["appeal"], text=True)


@bp.route("/appeals/map.json")
@with_filters(map_data.STATUSES["appeal"], text=True)
def appeal_points(found):
    """Public appeals with a place (their own, or their village's centre), as GeoJSON."""
    return geojson_response(map_data.appeal_points(found))


@bp.route("/proposals/map")
def proposals():
    return map_page("proposal", points="maps.proposal_points", listing="proposals.index",
                    statuses=map_data.STATUSES["proposal"], text=True)


@bp.route("/proposals/map.json")
@with_filters(map_data.STATUSES["proposal"], text=True)
def proposal_points(found):
    """Visible proposals with a place, as GeoJSON; the list's filters and search."""
    return geojson_response(map_data.proposal_points(found))


@bp.route("/projects/map")
def projects():
    return map_page("project", points="maps.project_points", listing="projects.index",
                    statuses=map_data.STATUSES["project"])


@bp.route("/projects/map.json")
@with_filters(map_data.STATUSES["project"])
def project_points(found):
    """Projects at the centre of their region, as GeoJSON; by region and status, as the list."""
    return geojson_response(map_data.project_points(found))


@bp.route("/regions/outlines.json")
@with_filters()
def region_outlines(found):
    """The outlines of a region and everything in it (every region's without ``?region=``), as GeoJSON."""
    response = geojson_response(map_data.region_outlines(found))
    response.cache_control.max_age = 300  # outlines change rarely; a map reloads them on every page
    return response
