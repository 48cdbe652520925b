"""Maps of appeals, proposals and projects beside their lists, with the lists' filters. Each page is a frame the
map script fills from a GeoJSON address of the same filters; those read through the domains' own read rules
(``public_appeals``, ``public_proposals``), so a map shows nothing its list would not."""

import json

from flask import Blueprint, jsonify, render_template, request, url_for
from sqlalchemy import literal, select

from accounts.geography import centres, outlines
from accounts.regions import Region, region_tree, subtree_id_list
from appeals.models import Appeal, AppealStatus
from appeals.queries import board
from core.db import db
from core.i18n import current_language
from projects.models import Project, ProjectStatus
from proposals.models import Proposal, ProposalStatus
from proposals.queries import public_proposals
from server.public.board import filter_choices
from server.web.i18n import STATUS_LABELS
from server.web.maps import (
    POINTS_MAX,
    BadFilter,
    address_maker,
    bad_filter,
    feature_collection,
    geojson_response,
    located,
    map_settings,
    place_columns,
    read_filters,
)

bp = Blueprint("maps", __name__)
bp.add_app_template_global(map_settings)


@bp.app_template_global()
def args_among(*names) -> dict:
    """The query string's values of ``names`` that are set: a list's filters, carried over to its map."""
    return {name: request.args[name] for name in names if request.args.get(name)}


@bp.app_template_global()
def region_centres() -> str:
    """Every region's centre as JSON (id → [latitude, longitude]), for the pin picker's village choice."""
    return json.dumps({str(k): v for k, v in centres().items()}, separators=(",", ":"))


def _page(kind, statuses, *, text=False):
    """The map page of ``kind``; a bad filter is shown on the page (400) and nothing is drawn."""
    error = None
    try:
        read_filters(statuses, text=text)
    except BadFilter as problem:
        error = problem.message
    args = {k: v for k, v in request.args.items() if k in ("region", "category", "status", "q")}
    return render_template("maps/map.html", kind=kind, error=error, args=args, text=text,
                           statuses=[(s, STATUS_LABELS[kind][s]) for s in statuses],
                           points_url=url_for(f"maps.{kind}_points", **args),
                           outlines_url=url_for("maps.region_outlines", region=args.get("region")),
                           list_url=url_for(LISTS[kind], **args), **filter_choices()), 400 if error else 200


LISTS = {"appeal": "board.appeals", "proposal": "proposals.index", "project": "projects.index"}


def _properties(kind, endpoint, key):
    labels = {status: str(label) for status, label in STATUS_LABELS[kind].items()}
    address = address_maker(endpoint, key)

    def make(row):
        return {"id": row.id, "title": row.summary, "url": address(row.id), "status": row.status,
                "status_label": labels.get(row.status, row.status), "approximate": bool(row.approximate)}
    return make


@bp.route("/appeals/map")
def appeals():
    return _page("appeal", list(AppealStatus), text=True)


@bp.route("/appeals/map.json")
def appeal_points():
    """Public appeals with a place (their own, or their village's centre), as GeoJSON."""
    try:
        found = read_filters(list(AppealStatus), text=True)
    except BadFilter as error:
        return bad_filter(error)
    query, _columns, _descending = board(region=found["region"], category=found["category"], status=found["status"],
                                         q=found["q"])
    query = query.with_only_columns(Appeal.id, Appeal.title.label("summary"), Appeal.status, *place_columns(Appeal))
    rows = located(query, Appeal)
    return geojson_response(feature_collection(rows, _properties("appeal", "appeals.show", "appeal_id")))


@bp.route("/proposals/map")
def proposals():
    return _page("proposal", list(ProposalStatus), text=True)


@bp.route("/proposals/map.json")
def proposal_points():
    """Visible proposals with a place, as GeoJSON; the list's filters and search."""
    try:
        found = read_filters(list(ProposalStatus), text=True)
    except BadFilter as error:
        return bad_filter(error)
    query, _columns, _descending = public_proposals(region=found["region"], category=found["category"],
                                                    status=found["status"], q=found["q"])
    query = query.with_only_columns(Proposal.id, Proposal.title.label("summary"), Proposal.status,
                                    *place_columns(Proposal))
    rows = located(query, Proposal)
    return geojson_response(feature_collection(rows, _properties("proposal", "proposals.show", "proposal_id")))


@bp.route("/projects/map")
def projects():
    return _page("project", list(ProjectStatus))


@bp.route("/projects/map.json")
def project_points():
    """Projects at the centre of their region, as GeoJSON (a project has no point of its own); by region and
    status, as the list."""
    try:
        found = read_filters(list(ProjectStatus))
    except BadFilter as error:
        return bad_filter(error)
    query = select(Project.id, Project.title.label("summary"), Project.status,
                   Region.centre_latitude.label("lat"), Region.centre_longitude.label("lon"),
                   literal(True).label("approximate")) \
        .join(Region, Region.id == Project.region_id).where(Region.centre_latitude.is_not(None))
    if found["region"] is not None:
        query = query.where(Project.region_id.in_(subtree_id_list(found["region"])))
    if found["status"]:
        query = query.where(Project.status == found["status"])
    rows = db.session.execute(query.order_by(Project.id.desc()).limit(POINTS_MAX + 1))
    return geojson_response(feature_collection(rows, _properties("project", "projects.show", "project_id")))


@bp.route("/regions/outlines.json")
def region_outlines():
    """The outlines of a region and everything in it (every region's without ``?region=``), as GeoJSON."""
    try:
        found = read_filters()
    except BadFilter as error:
        return bad_filter(error)
    ids = subtree_id_list(found["region"]) if found["region"] is not None else None
    tree, language = region_tree(), current_language()
    pick = 1 if language == "en" else 0
    features = [{"type": "Feature", "geometry": geometry,
                 "properties": {"id": id_, "level": level, "code": code,
                                "name": tree.names[id_][pick] or tree.names[id_][1 - pick]}}
                for id_, level, code, geometry in outlines(ids)]
    response = jsonify({"type": "FeatureCollection", "features": features})
    response.cache_control.max_age = 300  # outlines change rarely; a map reloads them on every page
    return response

