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


class NotAWinner(InvalidInput):
    default_message = _l("Only a project that won the vote can become a project this way.")


class AlreadyAProject(InvalidInput):
    default_message = _l("This winner is already a project.")


class DatesOutOfOrder(BadCycle):
    field = "voting_until"
    default_message = _l("The dates must follow each other: collecting projects, then review, then voting.")


class ChoicesNeeded(BadCycle):
    field = "max_choices"
    default_message = _l("Give the most projects one ballot may choose (1 or more) for this ballot style.")


class NotEditable(WrongPhase):
    default_message = _l("Voting has begun, so this cycle's settings can no longer be changed. It can still be "
                         "cancelled, with a public reason.")


class CannotCancel(WrongPhase):
    default_message = _l("This cycle is being counted, finished or cancelled, so it cannot be cancelled.")


class CancelReasonNeeded(InvalidInput):
    field = "reason"
    default_message = _l("Give residents a public reason for cancelling the cycle.")


class BadPartAmount(BadCycle):
    default_message = _l("Each part needs an amount of more than zero.")


class NotVoterHere(NotAllowed):
    default_message = _l("Only an admin, or an official of this cycle or of the resident's village, can do this.")


class WrongCode(InvalidInput):
    status = 404
    field = "code"
    default_message = _l("No ballot code like this one was given. Check the code, or ask the village office.")


class CodeUsed(Conflict):
    field = "code"
    default_message = _l("This ballot code was used already: a code works once.")


class CodeCancelled(Conflict):
    field = "code"
    default_message = _l("This ballot code was cancelled by the village office.")


class CodeExpired(Conflict):
    field = "code"
    default_message = _l("This ballot code expired when voting closed.")


#: How a ballot was cast, as a sentence says it.
CHANNEL_WORDS = {"web": _l("on the web"), "kiosk": _l("at a kiosk"), "paper": _l("on paper")}


class AlreadyVoted(Conflict):
    """A resident who has a ballot in the part already: says by which channel and when, never what."""

    def __init__(self, name: str, part: str, channel: str, when: str):
        super().__init__(_l("%(name)s already voted in %(part)s %(channel)s on %(when)s.", name=name, part=part,
                            channel=CHANNEL_WORDS.get(channel, channel), when=when))


class CastOnPaper(Conflict):
    default_message = _l("Your ballot was cast on paper with the village office, so it cannot be changed here.")


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
