"""Collecting committed money pledges.

No payment gateway is reachable from the villages Minyi serves first, so money is collected in cash or
by bank transfer and booked by the village treasurer. ``Ledger`` is the interface; ``CashLedger`` is the
implementation in use. A payment provider would implement the same two methods (and book entries when
its webhook confirms a payment)."""

from datetime import date
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from accounts.permissions import has_role, oversees
from accounts.users import Role, User
from core.db import db, local_zone
from core.errors import Conflict, InvalidInput, NotAllowed
from core.validation import clean_text
from proposals.models import Proposal
from voting.models import Collection, Pledge, PledgeKind, PledgeStatus


class Ledger(Protocol):
    def record(self, pledge: Pledge, *, actor: User, amount_minor: int, method: str, received_on: date,
               receipt_number: str) -> Collection: ...

    def collected_minor(self, proposal: Proposal) -> int: ...


class CashLedger:
    """Cash and bank transfers, booked by an official of the proposal's region against each pledge."""
    def record(self, pledge, *, actor, amount_minor, method, received_on, receipt_number):
        return record_collection(pledge, actor=actor, amount_minor=amount_minor, method=method,
                                 received_on=received_on, receipt_number=receipt_number)

    def collected_minor(self, proposal):
        return int(db.session.scalar(select(func.coalesce(func.sum(Collection.amount_minor), 0))
                                     .join(Pledge, Collection.pledge_id == Pledge.id)
                                     .where(Pledge.proposal_id == proposal.id)) or 0)


LEDGER: Ledger = CashLedger()


def local_today() -> date:
    """Today where the residents live (the server's clock may be on UTC, eight hours behind Beijing)."""
    from datetime import datetime


    return datetime.now(local_zone()).date()


def _receipt(value):
    value = clean_text(value, "receipt_number")
    if not value:
        raise InvalidInput(_l("This field is required."), field="receipt_number")
    if len(value) > 60:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=60), field="receipt_number")
    return value


def record_collection(pledge: Pledge, *, actor: User, amount_minor: int, method: str, received_on: date,
                      receipt_number: str) -> Collection:
    """The village treasurer books money received against a committed money pledge."""
    if not has_role(actor, Role.OFFICIAL, Role.ADMIN) or not oversees(actor, pledge.proposal.region):
        raise NotAllowed()
    if pledge.kind != PledgeKind.MONEY or pledge.status != PledgeStatus.COMMITTED:
        raise Conflict(_l("Money can only be recorded against a committed money pledge."))
    if pledge.proposal.status not in ("open", "qualified", "accepted") or pledge.proposal.hidden_at is not None:
        raise Conflict(_l("This proposal was stopped; its pledges are no longer collected."))
    if method not in ("cash", "transfer"):
        raise InvalidInput(_l("Choose cash or transfer."), field="method")
    number = _receipt(receipt_number)
    if db.session.scalar(select(Collection.id).where(Collection.receipt_number == number)) is not None:
        raise Conflict(_l("This receipt number is already booked."), field="receipt_number")
    received = sum(c.amount_minor for c in pledge.collections)
    if amount_minor <= 0 or received + amount_minor > pledge.amount_minor:
        raise InvalidInput(_l("This is more than is still owed on the pledge."), field="amount")
    if received_on > local_today():
        raise InvalidInput(_l("The date cannot be in the future."), field="received_on")
    entry = Collection(pledge=pledge, recorded_by=actor, amount_minor=amount_minor, method=method,
                       received_on=received_on, receipt_number=number)
    db.session.add(entry)
    db.session.flush()
    return entry
