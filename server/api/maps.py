"""API: the maps' data as GeoJSON (RFC 7946, WGS84): where the public appeals, the visible proposals and the projects
are, and the regions' outlines. The same data as the site's maps (``server.web.map_data``), read through the same
lists' queries and filters (``server.web.maps.read_filters``), with regions and categories named by code as
everywhere in the API; a filter that names nothing is a 400 that says which."""

from marshmallow import Schema, fields

from server.api import Blueprint, documented_errors
from server.web import map_data
from server.web.maps import POINTS_MAX, SEARCH_MAX, geojson_response, read_filters

blp = Blueprint("api_maps", __name__, url_prefix="/api/v1",
                description="Maps: places of appeals, proposals and projects, and region outlines, as GeoJSON")


def errors(*statuses):
    return documented_errors(blp, *statuses)


def _status(kind):
    """The status argument of a map. Checked by read_filters, as on the site's maps, so a bad value is the same 400
    there and here; empty, as absent, means any (as the site's filter form sends it)."""
    return fields.String(metadata={"enum": ["", *map(str, map_data.STATUSES[kind])],
                                   "description": "Empty or absent: any"})


class RegionArgs(Schema):
    region = fields.String(metadata={"description": "Region code; includes everything inside it"})


class ProjectMapArgs(RegionArgs):
    status = _status("project")


class ProposalMapArgs(RegionArgs):
    category = fields.String(metadata={"description": "Category code"})
    status = _status("proposal")
    q = fields.String(metadata={"description": "Words in title or text", "maxLength": SEARCH_MAX})


class AppealMapArgs(ProposalMapArgs):
    status = _status("appeal")


class PointGeometry(Schema):
    type = fields.String(metadata={"enum": ["Point"]})
    coordinates = fields.List(fields.Float(), metadata={"description": "[longitude, latitude], WGS84"})


class PointProperties(Schema):
    id = fields.Integer()
    title = fields.String()
    url = fields.String(metadata={"description": "Its page on this site (a path)"})
    status = fields.String()
    status_label = fields.String(metadata={"description": "The status in the language of Accept-Language"})
    approximate = fields.Boolean(metadata={"description": "true: placed at the centre of its region, having no "
                                                          "point of its own"})


class PointFeature(Schema):
    type = fields.String(metadata={"enum": ["Feature"]})
    geometry = fields.Nested(PointGeometry)
    properties = fields.Nested(PointProperties)


class PointCollection(Schema):
    type = fields.String(metadata={"enum": ["FeatureCollection"]})
    features = fields.List(fields.Nested(PointFeature), metadata={
        "description": f"At most {POINTS_MAX}, the newest first"})
    truncated = fields.Boolean(metadata={"description": f"true: more than {POINTS_MAX} matched"})


class OutlineProperties(Schema):
    id = fields.Integer()
    level = fields.String(metadata={"enum": ["county", "township", "village"]})
    code = fields.String()
    name = fields.String(metadata={"description": "In the language of Accept-Language"})


class OutlineFeature(Schema):
    type = fields.String(metadata={"enum": ["Feature"]})
    geometry = fields.Dict(metadata={"description": "A GeoJSON Polygon or MultiPolygon"})
    properties = fields.Nested(OutlineProperties)


class OutlineCollection(Schema):
    type = fields.String(metadata={"enum": ["FeatureCollection"]})
    features = fields.List(fields.Nested(OutlineFeature))


@blp.route("/appeals/map", methods=["GET"])
@blp.arguments(AppealMapArgs, location="query")
@blp.response(200, PointCollection)
@errors(400)
def appeal_map(args):
    """Where the public appeals are (their own point, or their village's centre); the board's filters and search."""
    return geojson_response(map_data.appeal_points(read_filters(args, map_data.STATUSES["appeal"], text=True,
                                                                by="code")))


@blp.route("/proposals/map", methods=["GET"])
@blp.arguments(ProposalMapArgs, location="query")
@blp.response(200, PointCollection)
@errors(400)
def proposal_map(args):
    """Where the visible proposals are; the list's filters and search."""
    return geojson_response(map_data.proposal_points(read_filters(args, map_data.STATUSES["proposal"], text=True,
                                                                  by="code")))


@blp.route("/projects/map", methods=["GET"])
@blp.arguments(ProjectMapArgs, location="query")
@blp.response(200, PointCollection)
@errors(400)
def project_map(args):
    """Projects at the centre of their region (a project has no point of its own); by region and status."""
    return geojson_response(map_data.project_points(read_filters(args, map_data.STATUSES["project"], by="code")))


@blp.route("/regions/outlines", methods=["GET"])
@blp.arguments(RegionArgs, location="query")
@blp.response(200, OutlineCollection)
@errors(400)
def region_outlines(args):
    """The outlines of a region and of everything inside it (every region's without ``region``)."""
    response = geojson_response(map_data.region_outlines(read_filters(args, by="code")))
    response.cache_control.max_age = 300  # outlines change rarely
    return response
