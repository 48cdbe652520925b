"""Normalising and checking what people type: phone numbers, email addresses, passwords."""

import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput

PASSWORD_MIN = 8
# Argon2 cost grows with input; cap it so a megabyte "password" cannot tie up a worker.
PASSWORD_MAX = 128
DISPLAY_NAME_MAX = 80


def normalize_phone(raw: str, default_region: str = "CN") -> str:
    """Return the number in E.164 form or raise InvalidInput on the phone field."""
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(_l("This is not a valid mobile phone number."), field="phone")
    mobile = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if phonenumbers.number_type(number) not in mobile:
        raise InvalidInput(_l("Please enter a mobile number (text messages cannot reach a landline)."),
                           field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    """Return the lower-cased address or raise InvalidInput on the email field."""
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput(_l("This is not a valid email address."), field="email") from None
    return result.normalized.lower()


def looks_like_email(identifier: str) -> bool:
    return "@" in (identifier or "")


def check_password(password: str, field: str = "password") -> None:
    if len(password or "") < PASSWORD_MIN:
        raise InvalidInput(_l("Use at least %(n)d characters.", n=PASSWORD_MIN), field=field)
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=PASSWORD_MAX), field=field)


def clean_text(value: str, field: str) -> str:
    """Trim and refuse invisible or control characters (zero-width spaces, direction overrides, bells...)."""
    value = (value or "").strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in value):
        raise InvalidInput(_l("Please use only visible letters, digits and punctuation."), field=field)
    return value


def check_display_name(name: str) -> str:
    name = clean_text(name, "display_name")
    if not name:
        raise InvalidInput(_l("Please enter a name."), field="display_name")
    if len(name) > DISPLAY_NAME_MAX:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=DISPLAY_NAME_MAX), field="display_name")
    return name
