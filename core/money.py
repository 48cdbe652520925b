"""Money as integer minor units (fen): parsing what people type and showing amounts."""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import format_currency
from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput


class BadAmount(InvalidInput):
    field = "amount"
    default_message = _l("Enter an amount such as 50 or 12.50.")


# Digits with an optional decimal point: "50", "12.5", "12.50", "1,000.00", "１２" (full-width digits).
_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


def parse_amount(text: str, field: str = "amount", allow_zero: bool = False) -> int:
    """'12.50' → 1250. Refuses negatives, more than two decimals, words and absurd sizes (and zero, unless
    ``allow_zero``: a budget may be nothing)."""
    raw = str(text or "").strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    raw = raw.translate({0xFF10 + i: str(i) for i in range(10)} | {0xFF0E: "."})
    if not raw:
        raise BadAmount(_l("Enter an amount."), field=field)
    if raw.startswith("-"):
        raise BadAmount(_l("The amount must be more than zero."), field=field)
    if "." in raw and len(raw.split(".", 1)[1]) > 2:
        raise BadAmount(_l("Use at most two decimals (fen)."), field=field)
    if not _AMOUNT.match(raw):
        raise BadAmount(field=field)
    try:
        minor = int(Decimal(raw) * 100)
    except InvalidOperation:
        raise BadAmount(field=field) from None
    if minor < 0 or (minor == 0 and not allow_zero):
        raise BadAmount(_l("The amount must be more than zero."), field=field)
    return minor


def money(minor: int | None, currency: str = "CNY") -> str:
    """1250 → '¥12.50' (in the reader's locale)."""
    return format_currency(Decimal(minor or 0) / 100, currency)
