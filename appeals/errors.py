"""Domain errors for appeals."""

from flask_babel import lazy_gettext as _l

from core.errors import Conflict, NotAllowed, NotFound


class AppealClosed(Conflict):
    default_message = _l("This appeal is closed.")


class AlreadyCosigned(Conflict):
    default_message = _l("You have already said this is your problem too.")


class NotHandler(NotAllowed):
    default_message = _l("Only the officials of the department handling this appeal can do this.")


class WrongStep(Conflict):
    default_message = _l("This step does not fit the appeal's current status.")


class UnknownReceipt(NotFound):
    default_message = _l("No appeal has this receipt code. Check the eight characters and try again.")
