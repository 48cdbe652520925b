"""Where the generated regions lie, for the maps: villages as squares on a grid, each township a strip of them,
the county around all. Drawn without the random generator, so the rest of the data stays as it was."""

import json
import math

#: South-west corner of the county (central Yunnan) and the side of a village's square, in degrees.
ORIGIN, CELL = (24.8, 102.5), 0.02


def _box(west, south, east, north):
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return json.dumps({"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]})


def places(townships: int, villages: int) -> dict[int, tuple[str, float, float]]:
    """Index in the generator's rows (0: the county, 1…: townships, then villages) → (outline, lat, lon)."""
    lat0, lon0 = ORIGIN
    rows = math.ceil(villages / townships / 2) or 1
    found = {}

    def put(index, west, south, east, north):
        found[index] = (_box(west, south, east, north), round((south + north) / 2, 6), round((west + east) / 2, 6))

    put(0, lon0, lat0, lon0 + 2 * townships * CELL, lat0 + rows * CELL)
    for t in range(townships):
        put(1 + t, lon0 + 2 * t * CELL, lat0, lon0 + 2 * (t + 1) * CELL, lat0 + rows * CELL)
    for v in range(villages):
        t, k = v % townships, v // townships
        west, south = lon0 + (2 * t + k % 2) * CELL, lat0 + (k // 2) * CELL
        put(1 + townships + v, west + 0.001, south + 0.001, west + CELL - 0.001, south + CELL - 0.001)
    return found
