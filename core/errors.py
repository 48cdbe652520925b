"""Domain errors: services raise these; the web layer maps them to HTTP answers."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A request the domain refuses; ``message`` is safe to show to the user."""

    #: HTTP status the web layer should answer with.
    status = 400
    #: Form field the error belongs to, when it belongs to one.
    field: str | None = None

    def __init__(self, message=None, *, field=None):
        super().__init__(str(message or self.default_message))
        self.message = message or self.default_message
        if field:
            self.field = field

    default_message = _l("This request could not be completed.")


class Unavailable(DomainError):
    """Something the server depends on is away for now (object storage); nothing was saved."""
    status = 503
    default_message = _l("Files cannot be saved right now. Nothing was saved; please try again in a few minutes.")


class NotAllowed(DomainError):
    status = 403
    default_message = _l("You are not allowed to do this.")


class NotFound(DomainError):
    status = 404
    default_message = _l("Not found.")


class Conflict(DomainError):
    status = 409
    default_message = _l("This conflicts with the current state.")


class InvalidInput(DomainError):
    status = 422
    default_message = _l("Please check what you entered.")
