"""Errors about accounts: signing up, signing in, census verification."""

from flask_babel import lazy_gettext as _l

from core.errors import Conflict, DomainError


class DuplicateAccount(Conflict):
    default_message = _l("An account with this phone number or email already exists.")


class WrongPassword(DomainError):
    status = 401
    default_message = _l("The phone number, email or password is not correct.")


class AccountLocked(DomainError):
    status = 429
    default_message = _l("Too many wrong passwords were given for this account, so it is locked for a while. "
                         "Please try again later.")


class AccountDeactivated(DomainError):
    status = 403
    default_message = _l("This account has been deactivated. Please contact your village office or the administrator.")


class CensusMismatch(DomainError):
    field = "id_number"
    default_message = _l("This ID number is not on the census list of your village, or it is already used.")
