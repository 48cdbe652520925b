"""Where regions lie: their outlines (GeoJSON polygons, WGS84) and the points maps centre on. Admins paste an
outline on the regions page or import many at once (`minyi regions import-outlines`); maps draw them, so a map
shows the county even when no tile server answers."""

import json
import math

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import undefer

from accounts.permissions import has_role
from accounts.regions import Region
from accounts.users import Role
from core.db import db
from core.errors import InvalidInput, NotAllowed

#: An outline longer than this is refused: a county's boundary, simplified for a web map, is far smaller.
OUTLINE_MAX_CHARS = 1_000_000
#: At most this many points in one outline (every ring of every polygon together).
OUTLINE_MAX_POINTS = 50_000
#: Digits kept after the decimal point: 6 is about 0.1 m, finer than any boundary is surveyed.
DIGITS = 6


def _refuse(message):
    raise InvalidInput(message, field="outline")


def _geometry_of(data):
    """The geometry in a pasted GeoJSON text: a geometry itself, a Feature, or a collection of one Feature."""
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            _refuse(_l("Paste one region's outline: a FeatureCollection must hold exactly one Feature."))
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        _refuse(_l("The outline must be a GeoJSON Polygon or MultiPolygon (or a Feature holding one)."))
    return data


def _position(value):
    if not (isinstance(value, list) and len(value) in (2, 3)
            and all(isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n) for n in value)):
        _refuse(_l("Every point must be [longitude, latitude] in numbers."))
    longitude, latitude = value[0], value[1]
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        _refuse(_l("A point lies outside the earth: longitude comes first (−180 to 180), then latitude (−90 to 90)."))
    return [round(float(longitude), DIGITS), round(float(latitude), DIGITS)]


def _polygon(rings, counted):
    if not isinstance(rings, list) or not rings:
        _refuse(_l("A polygon must have at least one ring of points."))
    clean = []
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            _refuse(_l("Each ring needs at least four points, the last one the same as the first."))
        counted[0] += len(ring)
        if counted[0] > OUTLINE_MAX_POINTS:
            _refuse(_l("The outline has more than %(n)d points; simplify it first.", n=OUTLINE_MAX_POINTS))
        points = [_position(p) for p in ring]
        if points[0] != points[-1]:
            _refuse(_l("Each ring must end where it starts (its last point the same as its first)."))
        clean.append(points)
    return clean


def parse_outline(text: str) -> dict:
    """The GeoJSON geometry in ``text``, checked and with coordinates rounded; InvalidInput says what is wrong."""
    if len(text) > OUTLINE_MAX_CHARS:
        _refuse(_l("The outline is too long; simplify it first."))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        _refuse(_l("This is not GeoJSON: the text is not valid JSON."))
    geometry = _geometry_of(data)
    coordinates, counted = geometry.get("coordinates"), [0]
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": _polygon(coordinates, counted)}
    if not isinstance(coordinates, list) or not coordinates:
        _refuse(_l("A polygon must have at least one ring of points."))
    return {"type": "MultiPolygon", "coordinates": [_polygon(p, counted) for p in coordinates]}


def _ring_centroid(ring):
    """(area, longitude, latitude) of a closed ring: the area-weighted centre, or the mean for a flat one."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return abs(area) / 2, cx / (3 * area), cy / (3 * area)


def centre_of(geometry: dict) -> tuple[float, float]:
    """(latitude, longitude) of the centre of the largest polygon's outer ring."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    _area, longitude, latitude = max(_ring_centroid(p[0]) for p in polygons)
    return round(latitude, DIGITS), round(longitude, DIGITS)


def set_outline(region: Region, *, actor, outline: str | None, latitude: float | None = None,
                longitude: float | None = None) -> Region:
    """Give ``region`` an outline (GeoJSON text; empty clears it) and a centre: the one given, or else the
    outline's own. ``actor`` None is the command line."""
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    if (latitude is None) != (longitude is None):
        raise InvalidInput(_l("Give both the latitude and the longitude of the centre, or neither."),
                           field="centre_latitude" if latitude is None else "centre_longitude")
    for field, value, limit in (("centre_latitude", latitude, 90), ("centre_longitude", longitude, 180)):
        if value is not None and not (math.isfinite(value) and -limit <= value <= limit):
            raise InvalidInput(_l("Use a number from −%(n)d to %(n)d.", n=limit), field=field)
    geometry = parse_outline(outline) if (outline or "").strip() else None
    region.outline = json.dumps(geometry, separators=(",", ":")) if geometry else None
    if latitude is not None:
        region.centre_latitude, region.centre_longitude = latitude, longitude
    elif geometry is not None:
        region.centre_latitude, region.centre_longitude = centre_of(geometry)
    else:
        region.centre_latitude = region.centre_longitude = None
    db.session.flush()
    return region


def import_outlines(text: str) -> int:
    """Outlines from a GeoJSON FeatureCollection whose features name their region by ``properties.code``;
    all or nothing. Returns how many regions were given one."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        _refuse(_l("This is not GeoJSON: the text is not valid JSON."))
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        _refuse(_l("Import a GeoJSON FeatureCollection."))
    codes = [(f.get("properties") or {}).get("code") if isinstance(f, dict) else None for f in features]
    regions = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(
        [c for c in codes if isinstance(c, str)])))}
    unknown = [str(c) for c in codes if c not in regions]
    if unknown:
        _refuse(_l("No region has the code: %(codes)s", codes=", ".join(unknown[:10])))
    for feature, code in zip(features, codes, strict=True):
        set_outline(regions[code], actor=None, outline=json.dumps(feature))
    return len(features)


def outlines(region_ids: list[int] | None = None) -> list[tuple[int, str, str, dict]]:
    """(id, level, code, GeoJSON geometry) of the regions with an outline, among ``region_ids`` (None: all).
    An outline that is not JSON (written by hand into the database) is left out rather than breaking a map."""
    query = select(Region.id, Region.level, Region.code, Region.outline).where(Region.outline.is_not(None))
    if region_ids is not None:
        query = query.where(Region.id.in_(region_ids))
    found = []
    for id_, level, code, text in db.session.execute(query.order_by(Region.code)):
        try:
            found.append((id_, level, code, json.loads(text)))
        except ValueError:
            continue
    return found


def centres() -> dict[int, tuple[float, float]]:
    """Every region's centre that is known: id → (latitude, longitude)."""
    return {id_: (lat, lon) for id_, lat, lon in db.session.execute(
        select(Region.id, Region.centre_latitude, Region.centre_longitude)
        .where(Region.centre_latitude.is_not(None)))}


def centre_is_outlines(region: Region) -> bool:
    """Whether the region's centre is its outline's own (not one an admin gave)."""
    try:
        geometry = parse_outline(region.outline or "")
    except InvalidInput:
        return False
    return (region.centre_latitude, region.centre_longitude) == centre_of(geometry)


def with_outline(region_id: int) -> Region | None:
    """The region with its outline loaded (for the admin's form)."""
    return db.session.scalar(select(Region).options(undefer(Region.outline)).where(Region.id == region_id))
