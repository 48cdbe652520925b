"""What every map shares: the tile source (a setting), the filters of a map's data read from the query string
(a bad value is a 400 with a JSON message, never a guess), and GeoJSON made from rows of points.

Coordinates are WGS84 throughout. A tile source drawn in GCJ-02 (AMap, Tencent) would show every point a few
hundred metres off; Tianditu (CGCS2000, within centimetres of WGS84), OpenStreetMap and most county servers
need no conversion."""

import json
from urllib.parse import urlsplit

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from accounts.regions import Category, Region
from core import search
from core.db import db
from server.web.helpers import parse_id

#: A map shows at most this many points, the newest; the page says when there were more.
POINTS_MAX = 1000
#: Tianditu's vector map and its labels (Web Mercator), asked for with the key of MINYI_TIANDITU_KEY.
TIANDITU = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
            "&tk={key}")


def tile_layers(config) -> list[str]:
    """The URL templates of the tile layers, drawn one over the other; empty: no tiles, outlines only."""
    if config.get("MINYI_MAP_TILES"):
        return config["MINYI_MAP_TILES"].split()
    key = config.get("MINYI_TIANDITU_KEY")
    if key:
        return [TIANDITU.replace("{layer}", layer).replace("{key}", key) for layer in ("vec", "cva")]
    return []


def map_settings() -> dict:
    """What the map script needs to draw the base map (rendered into data- attributes)."""
    config = current_app.config
    tianditu = not config.get("MINYI_MAP_TILES") and config.get("MINYI_TIANDITU_KEY")
    attribution = config.get("MINYI_MAP_ATTRIBUTION") or ("© 天地图 Tianditu" if tianditu else "")
    return {"tiles": " ".join(tile_layers(config)), "attribution": attribution,
            "subdomains": config.get("MINYI_MAP_SUBDOMAINS") or ("01234567" if tianditu else "abc"),
            "max_zoom": config.get("MINYI_MAP_MAX_ZOOM") or 18}


def tile_origins(config) -> list[str]:
    """The origins the browser fetches tiles from, for the Content-Security-Policy's img-src."""
    origins = []
    for template in tile_layers(config):
        parts = urlsplit(template)
        host = parts.netloc
        if "{" in host:  # a subdomain placeholder: CSP allows a wildcard for the leftmost label only
            host = "*." + host.split(".", 1)[1]
        if parts.scheme in ("http", "https") and host:
            origins.append(f"{parts.scheme}://{host}")
    return sorted(set(origins))


class BadFilter(Exception):
    """A filter in the query string names nothing that exists; ``message`` says which."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _row(model, name):
    raw = request.args.get(name, "")
    if raw == "":
        return None
    row = db.session.get(model, parse_id(raw) or 0)
    if row is None:
        raise BadFilter(_("No region has this id: %(value)s", value=raw[:40]) if model is Region
                        else _("No category has this id: %(value)s", value=raw[:40]))
    return row


def read_filters(statuses=(), *, text=False) -> dict:
    """region, category and status from the query string (and q when ``text``); BadFilter on a bad value."""
    found = {"region": _row(Region, "region"), "category": _row(Category, "category")}
    status = request.args.get("status", "")
    if status and status not in statuses:
        raise BadFilter(_("Unknown status: %(value)s", value=status[:40]))
    found["status"] = status or None
    if text:
        found["q"] = (request.args.get("q") or "").strip()[:200]
    return found


def bad_filter(error: BadFilter):
    return jsonify(error=error.message), 400


def _centre(model, column):
    # A subquery rather than a join: with a search's remembered matches (core.search.newest) PostgreSQL expects a
    # handful of rows and, joining, compared each with every region (70 ms instead of 9).
    return select(column).where(Region.id == model.region_id).scalar_subquery()


def place_columns(model):
    """The point of a row: its own coordinates, or else its region's centre (then marked approximate)."""
    return (func.coalesce(model.latitude, _centre(model, Region.centre_latitude)).label("lat"),
            func.coalesce(model.longitude, _centre(model, Region.centre_longitude)).label("lon"),
            model.latitude.is_(None).label("approximate"))


#: An id no row has, put in an address once and replaced by each row's (url_for a thousand times is slow).
_PLACEHOLDER = 2_147_483_646


def address_maker(endpoint: str, key: str):
    """A function id → the address of ``endpoint`` for that id (e.g. "/appeals/7")."""
    before, _placeholder, after = url_for(endpoint, **{key: _PLACEHOLDER}).partition(str(_PLACEHOLDER))
    return lambda id_: f"{before}{id_}{after}"


def geojson_response(collection: dict):
    """The collection as compact JSON (a thousand points are sent on every map view)."""
    return current_app.response_class(json.dumps(collection, ensure_ascii=False, separators=(",", ":")),
                                      mimetype="application/json")


def feature_collection(rows, make_properties) -> dict:
    """GeoJSON of ``rows`` (each with lat, lon): at most POINTS_MAX, with "truncated" when there were more."""
    rows = list(rows)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                 "properties": make_properties(row)} for row in rows[:POINTS_MAX]]
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) > POINTS_MAX}


def located(query, model) -> list:
    """The rows of ``query`` with a place (their own or their region's), newest first, one over the cap."""
    return search.newest(query.where(func.coalesce(model.latitude, _centre(model, Region.centre_latitude)).is_not(None))
                         .order_by(model.id.desc()), POINTS_MAX + 1)
