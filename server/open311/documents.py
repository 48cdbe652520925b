"""Open311 GeoReport v2 documents in JSON and XML, W3C datetimes, and the Open311 error format.

JSON follows the spec's "Spark convention": a container element (``<services>``) becomes an array of its
repeated children, booleans stay booleans. XML is schemaless, without a namespace, UTF-8 with a declaration."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from flask import Response, request

from core.db import local_zone

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
#: The element name of each container's children in XML (JSON turns the container into an array).
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format"}
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# W3C-DTF (https://www.w3.org/TR/NOTE-datetime): a complete date, optionally with hh:mm[:ss[.s]] and a zone.
_W3C = re.compile(r"(\d{4})-(\d{2})-(\d{2})"
                  r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?")


def requested_format() -> str:
    """"xml" for a path ending in .xml, else "json" (also for unknown extensions and routing errors)."""
    return "xml" if request.path.endswith(".xml") else "json"


def w3c(moment: datetime | None, zone=None) -> str | None:
    """2026-11-27T15:20:00+08:00: the moment where the residents live (``zone``, or looked up), with its offset."""
    if moment is None:
        return None
    return moment.astimezone(zone or local_zone()).replace(microsecond=0).isoformat()


def parse_w3c(text: str) -> datetime:
    """A W3C datetime with its zone (Z or ±hh:mm); a complete date alone means local midnight.

    Raises ValueError for anything else. An unencoded "+" in a query string arrives as a space, so
    "…T00:00:00 08:00" is read as "+08:00"."""
    text = text.strip()
    if re.fullmatch(r".*T.* \d{2}:\d{2}", text):
        text = text[:-6] + "+" + text[-5:]
    match = _W3C.fullmatch(text)
    if not match:
        raise ValueError(text)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if hour is None:
        return datetime(int(year), int(month), int(day), tzinfo=local_zone())
    if zone == "Z":
        tz = timezone.utc
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tzinfo=tz)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _element(name: str, value) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, dict):
        element.extend(_element(key, item) for key, item in value.items())
    elif isinstance(value, list):
        element.extend(_element(ITEMS[name], item) for item in value)
    elif value is not None:
        element.text = _text(value)
    return element


def to_xml(root: str, data) -> bytes:
    return DECLARATION + ET.tostring(_element(root, data), encoding="unicode").encode("utf-8")


def document(fmt: str, root: str, data, status: int = 200) -> Response:
    """``data`` (a list, or a dict for single documents) as JSON, or as XML under ``<root>``."""
    if fmt == "xml":
        body = to_xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(body, status=status, content_type=CONTENT_TYPES[fmt])


#: HTTP statuses the spec knows for errors: 403 for the api_key, 404 for what does not exist, 400 otherwise.
_SPEC_STATUS = {401: 403, 409: 400, 422: 400}


def error_document(status: int, *descriptions: str) -> Response:
    """``[{"code": 400, "description": "…"}]`` or ``<errors><error><code>…``, in the format the path asks for."""
    status = _SPEC_STATUS.get(status, status)
    errors = [{"code": status, "description": str(text)} for text in descriptions]
    return document(requested_format(), "errors", errors, status)
