"""What the counting core refuses: an election it cannot count, a rule it does not know, a `.pb` file it cannot read.

The package has no web layer, so its messages are only marked for translation (`N_`): whoever shows an error to a
person translates `message` and fills in `params` (`gettext(error.message) % error.params`). `str(error)` is the
English text, for logs and the command line."""


def N_(message: str) -> str:
    """Mark a message for extraction into the catalog without translating it here."""
    return message


class CountingError(ValueError):
    """Something in the input the counting core refuses; nothing is counted."""

    default_message = N_("This election cannot be counted.")

    def __init__(self, message: str | None = None, **params):
        self.message = message or self.default_message
        self.params = params
        super().__init__(self.message % params if params else self.message)


class InvalidElection(CountingError):
    default_message = N_("This election cannot be counted: check its projects, budget and ballots.")


class UnknownRule(CountingError):
    default_message = N_("This counting rule is not known.")


class PabulibError(CountingError):
    """A `.pb` file that does not follow the format; `params["line"]` says where, when one line is at fault."""

    default_message = N_("This is not a valid .pb file.")
