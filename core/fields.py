"""Checks shared by what residents write: proposals and appeals alike."""

from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput
from core.validation import clean_text

ADDRESS_MAX = 200


def text_field(value, field, maximum, required=True, multiline=False):
    """Trimmed text of at most ``maximum`` characters, without control characters; None when empty."""
    value = (value or "").replace("\r\n", "\n").strip()
    # Line breaks and tabs belong in long text; other control characters never do.
    check = value.replace("\n", " ").replace("\t", " ") if multiline else value
    clean_text(check, field)
    if required and not value:
        raise InvalidInput(_l("This field is required."), field=field)
    if len(value) > maximum:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=maximum), field=field)
    return value or None


def place_fields(latitude, longitude, address):
    """A point (both coordinates or neither) and an address in words, checked."""
    if (latitude is None) != (longitude is None):
        raise InvalidInput(_l("Give both latitude and longitude, or neither."), field="latitude")
    if latitude is not None and not (-90 <= latitude <= 90):
        raise InvalidInput(_l("Latitude lies between -90 and 90."), field="latitude")
    if longitude is not None and not (-180 <= longitude <= 180):
        raise InvalidInput(_l("Longitude lies between -180 and 180."), field="longitude")
    return latitude, longitude, text_field(address, "address", ADDRESS_MAX, required=False)
