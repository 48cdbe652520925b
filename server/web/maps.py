"""What every map shares: the tile source (a setting), the filters of a map's data read from the query string
(a bad value is a 400 with a JSON message, never a guess), and GeoJSON made from rows of points.

Coordinates are WGS84 throughout. A tile source drawn in GCJ-02 (AMap, Tencent) would show every point a few
hundred metres off; Tianditu (CGCS2000, within centimetres of WGS84), OpenStreetMap and most county servers
need no conversion."""

import json
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from accounts.regions import Category, Region
from core import search
from core.db import db
from core.errors import DomainError
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


class BadFilter(DomainError):
    """A filter in the query string names nothing that exists; ``message`` says which, ``field`` names the filter.
    (The API answers it in its error shape; the map pages and their GeoJSON catch it.)"""

    status = 400


#: The longest search a map takes (as its list and its search field).
SEARCH_MAX = 200


def _row(args, model, name, by):
    raw = args.get(name) or ""
    if raw == "":
        return None
    if by == "id":
        row = db.session.get(model, parse_id(raw) or 0)
    else:  # (a code is at most 40 characters: a longer one names nothing)
        row = db.session.scalar(select(model).where(model.code == raw)) if len(raw) <= 40 else None
    if row is not None:
        return row
    messages = {("id", Region): _("No region has this id: %(value)s", value=raw[:40]),
                ("id", Category): _("No category has this id: %(value)s", value=raw[:40]),
                ("code", Region): _("No region has this code: %(value)s", value=raw[:40]),
                ("code", Category): _("No category has this code: %(value)s", value=raw[:40])}
    raise BadFilter(messages[by, model], field=name)


def read_filters(args, statuses=(), *, text=False, by="id") -> dict:
    """The filters of a map from ``args`` (the query string, or the API's parsed arguments): region, category,
    status (one of ``statuses``) and, when ``text``, the words to search (q); BadFilter on a value that names
    nothing. A region or category is named ``by`` its id on the site's pages (their forms send ids) and by its
    code in the API (as everywhere in the API). The map pages, their GeoJSON and the API's maps read them here."""
    found = {"region": _row(args, Region, "region", by), "category": _row(args, Category, "category", by)}
    status = args.get("status") or ""
    if status and status not in statuses:
        raise BadFilter(_("Unknown status: %(value)s", value=status[:40]), field="status")
    found["status"] = status or None
    if text:
        q = args.get("q") or ""
        if len(q) > SEARCH_MAX:
            raise BadFilter(_("Search for at most %(n)d characters.", n=SEARCH_MAX), field="q")
        found["q"] = q.strip()
    return found


def args_among(*names) -> dict:
    """The query string's values of ``names`` that are set, as given."""
    return {name: request.args[name] for name in names if request.args.get(name)}


def filter_args(statuses=(), *, text=False) -> dict:
    """The filters of the query string that are set, as given: what a map page carries to its data and its list."""
    return args_among("region", "category", *(("status",) if statuses else ()), *(("q",) if text else ()))


def with_filters(statuses=(), *, text=False):
    """A map's GeoJSON view gets the query string's filters (``read_filters``) as its argument; a bad one is a 400
    with a JSON message, never a guess."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            try:
                found = read_filters(request.args, statuses, text=text)
            except BadFilter as error:
                return jsonify(error=str(error.message)), 400
            return view(found, *args, **kwargs)
        return wrapped
    return decorator


def place_columns(model):
    """The point of a row: its own coordinates, or else its region's centre (then marked approximate)."""
    return (func.coalesce(model.latitude, Region.centre_latitude).label("lat"),
            func.coalesce(model.longitude, Region.centre_longitude).label("lon"),
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
    return search.newest(query.join(Region, Region.id == model.region_id)
                         .where(func.coalesce(model.latitude, Region.centre_latitude).is_not(None))
                         .order_by(model.id.desc()), POINTS_MAX + 1)
