"""What the budget cycle services refuse, with a message a person can act on."""

from flask_babel import lazy_gettext as _l

from core.errors import Conflict, InvalidInput, NotAllowed


class NotManager(NotAllowed):
    default_message = _l("Only an admin, or an official of this area, can run this budget cycle.")


class WrongPhase(Conflict):
    default_message = _l("This budget cycle is not in the phase for this.")


class VotingClosed(WrongPhase):
    default_message = _l("Voting is not open in this budget cycle, so ballots cannot be cast or changed now.")


class NotVerified(NotAllowed):
    default_message = _l("Only verified residents can vote. Ask your village office to verify your residence.")


class OutsideArea(NotAllowed):
    default_message = _l("You can only vote in the parts of the budget for where you live.")


class OverLimit(InvalidInput):
    field = "projects"
    default_message = _l("The projects you chose cost more than this part's budget. Untick some and try again.")


class TooManyChoices(InvalidInput):
    field = "projects"
    default_message = _l("You chose more projects than this ballot allows. Untick some and try again.")


class NotOnBallot(InvalidInput):
    field = "projects"
    default_message = _l("One of the chosen projects is not on this ballot.")


class ReasonNeeded(InvalidInput):
    field = "reason"
    default_message = _l("Give a public reason for changing the cost or rejecting the project.")


class BadCycle(InvalidInput):
    default_message = _l("Please check the budget cycle's amounts and dates.")


class ImportedCycle(Conflict):
    default_message = _l("This budget cycle was loaded from a published file: it is a record of past votes and "
                         "cannot be changed.")


class CannotImport(NotAllowed):
    default_message = _l("Only an admin can load a published budget election.")


class BadPabulibFile(InvalidInput):
    field = "file"
    default_message = _l("This is not a valid .pb file.")


class NotPublished(Conflict):
    default_message = _l("The votes of a budget cycle are published once it is finished.")
