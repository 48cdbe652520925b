"""Keyset pagination over any sort order: the page after the last row seen, never OFFSET."""

import base64
import json
from datetime import datetime

from flask import current_app, request
from sqlalchemy import DateTime, tuple_

from core.db import UTCDateTime, db


def _encode(values) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, columns):
    """The cursor's values, typed like the columns; None for anything malformed."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(columns):
            return None
        values = []
        for column, value in zip(columns, raw, strict=True):
            if isinstance(column.type, (DateTime, UTCDateTime)):
                value = datetime.fromisoformat(value)
                if value.tzinfo is None:
                    return None
            elif not isinstance(value, (int, float)) or isinstance(value, bool) or not -2**31 < value < 2**31:
                return None  # nothing we store is that large: someone made this cursor up
            values.append(value)
        return values
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def keyset(query, columns, descending=True, size=None):
    """Rows of ``query`` ordered by ``columns`` (all one direction, the last one unique), after
    ``?after=<cursor>``. Returns (rows, next cursor or None, the other query arguments)."""
    size = size or current_app.config["MINYI_PAGE_SIZE"]
    cursor = request.args.get("after")
    values = _decode(cursor, columns) if cursor else None
    if values is not None:
        key = tuple_(*columns)
        query = query.where(key < tuple(values) if descending else key > tuple(values))
    order = [c.desc() if descending else c.asc() for c in columns]
    rows = db.session.scalars(query.order_by(*order).limit(size + 1)).all()
    following = None
    if len(rows) > size:
        rows = rows[:size]
        following = _encode([getattr(rows[-1], c.key) for c in columns])
    args = {k: v for k, v in request.args.items() if k != "after"}
    return rows, following, args
