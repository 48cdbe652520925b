"""Where the demo county lies: plausible outlines for its regions (a made-up county in the hills of central
Yunnan) and places for its appeals and proposals inside their villages, so every map has something to show."""

import json
import math

from sqlalchemy import select

from accounts.geography import set_outline
from appeals.models import Appeal
from core.db import db
from proposals.models import Proposal

#: Region code → outline corners (longitude, latitude), clockwise; each ring is closed when it is stored.
OUTLINES = {
    "FY": [(102.62, 25.02), (102.70, 25.10), (102.83, 25.12), (102.95, 25.07), (103.00, 24.97), (102.96, 24.87),
           (102.84, 24.82), (102.71, 24.84), (102.63, 24.92)],
    "FY-QS": [(102.62, 25.02), (102.70, 25.10), (102.80, 25.11), (102.81, 24.98), (102.79, 24.83), (102.71, 24.84),
              (102.63, 24.92)],
    "FY-HK": [(102.80, 25.11), (102.83, 25.12), (102.95, 25.07), (103.00, 24.97), (102.96, 24.87), (102.84, 24.82),
              (102.79, 24.83), (102.81, 24.98)],
    "FY-QS-01": [(102.68, 25.00), (102.72, 25.04), (102.77, 25.03), (102.78, 24.98), (102.73, 24.96),
                 (102.69, 24.97)],
    "FY-QS-02": [(102.68, 24.92), (102.72, 24.95), (102.77, 24.94), (102.77, 24.88), (102.72, 24.86),
                 (102.68, 24.88)],
    "FY-HK-01": [(102.85, 25.05), (102.89, 25.08), (102.94, 25.05), (102.94, 25.00), (102.89, 24.98),
                 (102.85, 25.01)],
    "FY-HK-02": [(102.86, 24.93), (102.90, 24.96), (102.95, 24.93), (102.94, 24.88), (102.89, 24.86),
                 (102.86, 24.89)],
}


def outline_geojson(corners) -> str:
    ring = [list(c) for c in corners] + [list(corners[0])]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def place_demo(regions: dict) -> None:
    """Outlines and centres for the demo's regions, and a place near its village's centre for each appeal and
    proposal that has none (spread on a small spiral, so the map's clusters open into separate points)."""
    for code, corners in OUTLINES.items():
        if code in regions:
            set_outline(regions[code], actor=None, outline=outline_geojson(corners))
    for model in (Appeal, Proposal):
        for index, row in enumerate(db.session.scalars(select(model).where(model.latitude.is_(None))
                                                       .order_by(model.id))):
            region = row.region
            if region.centre_latitude is None:
                continue
            angle, reach = index * 2.4, 0.004 + 0.002 * (index % 5)
            row.latitude = round(region.centre_latitude + reach * math.sin(angle), 6)
            row.longitude = round(region.centre_longitude + reach * math.cos(angle), 6)
    db.session.flush()
