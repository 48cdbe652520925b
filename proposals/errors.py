"""Domain errors for proposals, supports and pledges."""

from flask_babel import lazy_gettext as _l

from core.errors import Conflict, NotAllowed


class NotOpen(Conflict):
    default_message = _l("This proposal no longer accepts supports, pledges or changes.")


class NotEligible(NotAllowed):
    default_message = _l("Only verified residents of the area this proposal is for can support it.")


class AlreadySupported(Conflict):
    default_message = _l("You already support this proposal.")


class NotSupported(Conflict):
    default_message = _l("You do not support this proposal.")


class HasSupports(Conflict):
    default_message = _l("A proposal cannot be changed once residents support it; withdraw it and start a new one.")


class HasPledges(Conflict):
    default_message = _l("A proposal cannot be changed once residents have pledged to it; withdraw it and start a "
                         "new one.")
