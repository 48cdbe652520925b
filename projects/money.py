"""A project's public money trail: every sum on the public page is computed here, from the rows, so the
totals always add up."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.exc import IntegrityError

from accounts.users import User
from core.db import db
from core.errors import InvalidInput
from core.fields import text_field
from projects.models import PAYEE_MAX, PURPOSE_MAX, Expenditure, FundSource, Project
from projects.permissions import check_editor, hold, today
from projects.progress import keep_photos
from voting.models import Collection, Pledge, PledgeKind, PledgeStatus


def checked_amount(value, field, allow_zero=False) -> int:
    """A sum of money in minor units: a whole number, not negative (or above zero), not absurd."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_l("Give the amount as a number."), field=field)
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(_l("The amount must be more than zero."), field=field)
    if value > 10**14:  # a trillion yuan: a typo, not a village project
        raise InvalidInput(_l("That amount is far too large; check the number."), field=field)
    return value


@dataclass
class Money:
    """The project's money, by source, in minor units. ``total_*`` are the sums of the sources."""

    budget_public: int
    spent_public: int
    pledged_money: int      # residents' money pledges carried over (open or committed)
    collected: int          # of which received (the treasurer's ledger)
    spent_residents: int
    pledged_in_kind: int    # estimated worth of pledged hours and materials

    @property
    def remaining_public(self) -> int:
        return self.budget_public - self.spent_public

    @property
    def remaining_residents(self) -> int:
        return self.collected - self.spent_residents

    @property
    def total_available(self) -> int:
        return self.budget_public + self.collected

    @property
    def total_spent(self) -> int:
        return self.spent_public + self.spent_residents

    @property
    def total_remaining(self) -> int:
        return self.remaining_public + self.remaining_residents


def money_trail(project: Project) -> Money:
    return money_trails([project])[project.id]


def money_trails(projects: list[Project]) -> dict[int, Money]:
    """The money of many projects at once (three grouped queries, whatever their number)."""

    ids = [p.id for p in projects]
    spent = {}
    for project_id, source, total in db.session.execute(
            select(Expenditure.project_id, Expenditure.source, func.sum(Expenditure.amount_minor))
            .where(Expenditure.project_id.in_(ids)).group_by(Expenditure.project_id, Expenditure.source)):
        spent[project_id, source] = int(total)
    pledged = {}
    for project_id, kind, total in db.session.execute(
            select(Pledge.project_id, Pledge.kind,
                   func.sum(func.coalesce(Pledge.amount_minor, Pledge.estimated_value_minor, 0)))
            .where(Pledge.project_id.in_(ids), Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED)))
            .group_by(Pledge.project_id, Pledge.kind)):
        key = (project_id, kind == PledgeKind.MONEY)
        pledged[key] = pledged.get(key, 0) + int(total or 0)
    collected = dict(db.session.execute(
        select(Pledge.project_id, func.sum(Collection.amount_minor)).select_from(Collection)
        .join(Pledge, Collection.pledge_id == Pledge.id).where(Pledge.project_id.in_(ids))
        .group_by(Pledge.project_id)).all())
    return {p.id: Money(budget_public=p.budget_public_minor, spent_public=spent.get((p.id, FundSource.PUBLIC), 0),
                        pledged_money=pledged.get((p.id, True), 0), collected=int(collected.get(p.id) or 0),
                        spent_residents=spent.get((p.id, FundSource.RESIDENTS), 0),
                        pledged_in_kind=pledged.get((p.id, False), 0))
            for p in projects}


def record_expenditure(project: Project, *, actor: User, amount_minor: int, spent_on: date | None, payee: str,
                       purpose: str, source: str, receipt_number: str | None = None, receipt_photo: bytes | None = None,
                       storage=None) -> Expenditure:
    """A payment out of the project's money. It cannot spend more of a source than is left in it."""
    check_editor(actor, project)
    amount = checked_amount(amount_minor, "amount")
    if source not in set(FundSource):
        raise InvalidInput(_l("Choose whose money paid it."), field="source")
    if spent_on is None or spent_on > today():
        raise InvalidInput(_l("Give the day it was paid (not in the future)."), field="spent_on")
    # One payment at a time per project: two at once must not both spend the last of a source.
    hold(Project, project.id)
    now = money_trail(project)
    left = now.remaining_public if source == FundSource.PUBLIC else now.remaining_residents
    if amount > left:
        raise InvalidInput(_l("This is more than is left of that money (%(left)s).", left=yuan(left)),
                           field="amount")
    receipt = text_field(receipt_number, "receipt_number", 60, required=False)
    if receipt and db.session.scalar(select(Expenditure.id).where(Expenditure.receipt_number == receipt)):
        raise InvalidInput(_l("A payment with this receipt number is already recorded."), field="receipt_number")
    expenditure = Expenditure(project_id=project.id, amount_minor=amount, spent_on=spent_on,
                              payee=text_field(payee, "payee", PAYEE_MAX), purpose=text_field(purpose, "purpose",
                                                                                             PURPOSE_MAX),
                              source=source, receipt_number=receipt, recorded_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(expenditure)
            db.session.flush()
    except IntegrityError:
        raise InvalidInput(_l("A payment with this receipt number is already recorded."),
                           field="receipt_number") from None
    if receipt_photo:
        keep_photos(project, [receipt_photo], storage, expenditure_id=expenditure.id)
    return expenditure


def yuan(minor: int) -> str:
    return f"{minor / 100:,.2f}"
