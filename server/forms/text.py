"""How long a typed text may be, counted as the services count it (core.fields.text_field).

A browser sends each line break of a text area as two characters (CR LF) and the services keep one, so a
plain WTForms ``Length`` would refuse a text the counter beside it (static/js/minyi.js) calls short enough.
The limit also reaches the page as the field's ``maxlength`` flag; the form macros (server/templates/_forms.html)
turn it into that counter rather than the browser's maxlength, which would cut a long paste without a word."""

from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from wtforms.validators import Length, ValidationError


class AtMost(Length):
    """At most ``max`` characters, line breaks counted once and the ends trimmed; the message says how many
    there are."""

    def __init__(self, maximum: int):
        super().__init__(max=maximum, message=_l("Use at most %(max)s characters; this has %(length)s."))

    def __call__(self, form, field):
        text = (field.data or "").replace("\r\n", "\n").strip() if isinstance(field.data, str) else field.data
        length = len(text) if text else 0
        if length > self.max:
            raise ValidationError(self.message % {"max": format_number(self.max), "length": format_number(length)})


def at_most(maximum: int) -> AtMost:
    return AtMost(maximum)
