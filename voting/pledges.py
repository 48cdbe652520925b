"""Pledges of money, volunteer hours and materials; all-or-nothing settlement; the collection ledger."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from accounts.notifications import notify
from accounts.permissions import has_role, oversees
from accounts.users import Role, User
from core.db import db, utcnow
from core.errors import Conflict, InvalidInput, NotAllowed
from core.money import money
from core.rules import rule
from core.validation import clean_text
from proposals import signals
from proposals.errors import HasPledges, NotOpen
from proposals.models import ACTIVE, Proposal, ProposalStatus
from voting.collections import LEDGER
from voting.models import Pledge, PledgeKind, PledgeStatus


def _short(value, field, maximum, required=False):
    value = clean_text(value, field)
    if required and not value:
        raise InvalidInput(_l("This field is required."), field=field)
    if len(value) > maximum:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=maximum), field=field)
    return value or None


def _open_for_pledges(proposal: Proposal) -> None:
    if proposal.goal_minor is None:
        raise NotOpen(_l("This proposal does not collect pledges."))
    if proposal.status not in ACTIVE or proposal.hidden_at is not None or proposal.settled_at is not None \
            or proposal.deadline <= utcnow():
        raise NotOpen(_l("Pledges for this proposal are closed."))


def _check_money(amount_minor: int) -> None:
    low, high = int(rule("MINYI_PLEDGE_MIN_MINOR")), int(rule("MINYI_PLEDGE_MAX_MINOR"))
    if not low <= amount_minor <= high:
        raise InvalidInput(_l("A pledge is between %(low)s and %(high)s.", low=money(low), high=money(high)),
                           field="amount")


def pledge_to(proposal: Proposal, *, actor: User, kind: str, amount_minor: int | None = None,
              hours: int | None = None, skill: str = "", availability: str = "", description: str = "",
              quantity=None, unit: str = "", estimated_value_minor: int | None = None,
              anonymous: bool = False) -> Pledge:
    """A resident promises money, hours or materials toward a proposal's goal."""
    if actor is None or not actor.is_authenticated or actor.role != Role.RESIDENT or not actor.is_verified:
        # Unverified accounts cost nothing to make: their pledges could fake a reached goal.
        raise NotAllowed(_l("Only verified residents can pledge."))
    _open_for_pledges(proposal)
    pledge = Pledge(proposal=proposal, backer=actor, kind=kind, currency=proposal.currency, anonymous=bool(anonymous))
    if kind == PledgeKind.MONEY:
        if amount_minor is None:
            raise InvalidInput(_l("Enter an amount."), field="amount")
        _check_money(amount_minor)
        pledge.amount_minor = amount_minor
    elif kind == PledgeKind.HOURS:
        if hours is None or not 1 <= hours <= int(rule("MINYI_PLEDGE_MAX_HOURS")):
            raise InvalidInput(_l("Pledge between 1 and %(n)d hours.", n=int(rule("MINYI_PLEDGE_MAX_HOURS"))),
                               field="hours")
        pledge.hours = hours
        pledge.skill = _short(skill, "skill", 80, required=True)
        pledge.availability = _short(availability, "availability", 200)
    elif kind == PledgeKind.MATERIALS:
        pledge.description = _short(description, "description", 200, required=True)
        try:
            pledge.quantity = Decimal(str(quantity)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError, ArithmeticError):
            raise InvalidInput(_l("Enter a quantity such as 20 or 2.5."), field="quantity") from None
        if not pledge.quantity.is_finite() or not Decimal("0") < pledge.quantity < Decimal("10000000000"):
            raise InvalidInput(_l("Enter a quantity such as 20 or 2.5."), field="quantity")
        pledge.unit = _short(unit, "unit", 20, required=True)
    else:
        raise InvalidInput(_l("Choose money, hours or materials."), field="kind")
    if kind != PledgeKind.MONEY and estimated_value_minor is not None:
        if not 0 <= estimated_value_minor <= int(rule("MINYI_PLEDGE_MAX_MINOR")):
            raise InvalidInput(_l("The estimated value is too large."), field="estimated_value")
        pledge.estimated_value_minor = estimated_value_minor
    db.session.add(pledge)
    db.session.flush()
    return pledge


def cancel_pledge(pledge: Pledge, *, actor: User) -> Pledge:
    """The backer takes a pledge back before the deadline."""
    if actor is None or actor.id != pledge.backer_id:
        raise NotAllowed(_l("Only the backer can cancel a pledge."))
    proposal = pledge.proposal
    if pledge.status != PledgeStatus.PLEDGED or proposal.settled_at is not None \
            or (proposal.deadline is not None and proposal.deadline <= utcnow()):
        raise Conflict(_l("This pledge can no longer be cancelled."))
    pledge.status = PledgeStatus.CANCELLED
    pledge.closed_at = utcnow()
    db.session.flush()
    return pledge


def backer_shown_to(pledge: Pledge, viewer: User | None) -> bool:
    """Whether ``viewer`` may see who made the pledge: anonymous pledges are named only to the backer
    and to the officials of the proposal's region (who collect the money)."""
    if not pledge.anonymous:
        return True
    if viewer is not None and viewer.is_authenticated and viewer.id == pledge.backer_id:
        return True
    return has_role(viewer, Role.OFFICIAL, Role.ADMIN) and oversees(viewer, pledge.proposal.region)


@dataclass
class Progress:
    money_minor: int = 0
    hours: int = 0
    hours_value_minor: int = 0
    materials: int = 0
    materials_value_minor: int = 0
    collected_minor: int = 0
    goal_minor: int = 0
    in_kind_counts: bool = False
    backers: int = 0

    @property
    def counted_minor(self) -> int:
        in_kind = self.hours_value_minor + self.materials_value_minor if self.in_kind_counts else 0
        return self.money_minor + in_kind

    def share(self, minor: int) -> int:
        """Percent of the goal (0–100, capped) that ``minor`` covers."""
        return min(100, int(minor * 100 // self.goal_minor)) if self.goal_minor else 0

    @property
    def percent(self) -> int:
        return self.share(self.counted_minor)

    @property
    def reached(self) -> bool:
        return bool(self.goal_minor) and self.counted_minor >= self.goal_minor


def progress(proposal: Proposal) -> Progress:
    """Money raised, hours and materials pledged, and how much of the goal they cover."""
    live = (PledgeStatus.PLEDGED, PledgeStatus.COMMITTED)
    rows = db.session.execute(
        select(Pledge.kind, func.count(), func.coalesce(func.sum(Pledge.amount_minor), 0),
               func.coalesce(func.sum(Pledge.hours), 0), func.coalesce(func.sum(Pledge.estimated_value_minor), 0))
        .where(Pledge.proposal_id == proposal.id, Pledge.status.in_(live)).group_by(Pledge.kind)).all()
    result = Progress(goal_minor=proposal.goal_minor or 0, in_kind_counts=proposal.in_kind_counts)
    for kind, count, amount, hours, value in rows:
        if kind == PledgeKind.MONEY:
            result.money_minor = int(amount)
        elif kind == PledgeKind.HOURS:
            result.hours, result.hours_value_minor = int(hours), int(value)
        else:
            result.materials, result.materials_value_minor = int(count), int(value)
    result.collected_minor = LEDGER.collected_minor(proposal)
    result.backers = db.session.scalar(select(func.count(func.distinct(Pledge.backer_id)))
                                       .where(Pledge.proposal_id == proposal.id, Pledge.status.in_(live))) or 0
    return result


def percents(proposals) -> dict[int, int]:
    """Per cent of the goal each proposal with a goal has pledged (``progress(p).percent``), by id, in one query."""
    goals = {p.id: p for p in proposals if p.goal_minor}
    if not goals:
        return {}
    counted = dict.fromkeys(goals, 0)
    rows = db.session.execute(
        select(Pledge.proposal_id, Pledge.kind, func.coalesce(func.sum(Pledge.amount_minor), 0),
               func.coalesce(func.sum(Pledge.estimated_value_minor), 0))
        .where(Pledge.proposal_id.in_(list(goals)), Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED)))
        .group_by(Pledge.proposal_id, Pledge.kind))
    for proposal_id, kind, amount, value in rows:
        if kind == PledgeKind.MONEY:
            counted[proposal_id] += int(amount)
        elif goals[proposal_id].in_kind_counts:
            counted[proposal_id] += int(value)
    return {ident: Progress(goal_minor=goals[ident].goal_minor).share(minor) for ident, minor in counted.items()}


@signals.closed.connect
def release_open_pledges(proposal: Proposal, including_committed: bool = False) -> list[int]:
    """Release every open pledge (the proposal was withdrawn, rejected or expired); returns their backers."""
    statuses = (PledgeStatus.PLEDGED, PledgeStatus.COMMITTED) if including_committed else (PledgeStatus.PLEDGED,)
    pledges = db.session.scalars(select(Pledge).where(Pledge.proposal_id == proposal.id,
                                                      Pledge.status.in_(statuses))).all()
    now = utcnow()
    for pledge in pledges:
        pledge.status, pledge.closed_at = PledgeStatus.RELEASED, now
    return [pledge.backer_id for pledge in pledges]


@signals.changing.connect
def refuse_change_while_pledged(proposal: Proposal) -> None:
    """A proposal people have pledged to stays as they read it."""
    if db.session.scalar(select(Pledge.id).where(
            Pledge.proposal_id == proposal.id,
            Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED))).limit(1)) is not None:
        raise HasPledges()


def settle(proposal: Proposal) -> bool | None:
    """At the deadline: commit every pledge if the goal is reached, else release them. Idempotent.

    Returns True (funded), False (missed) or None (nothing to settle yet)."""
    now = utcnow()
    if proposal.goal_minor is None or proposal.settled_at is not None or proposal.deadline > now:
        return None
    # A hidden proposal (suspected fraud, pending review) makes nothing binding; one that became a project keeps
    # the promise its backers made (binding if the goal was reached).
    reached = progress(proposal).reached and proposal.hidden_at is None and proposal.status in (
        *ACTIVE, ProposalStatus.ACCEPTED)
    status = PledgeStatus.COMMITTED if reached else PledgeStatus.RELEASED
    for pledge in db.session.scalars(select(Pledge).where(Pledge.proposal_id == proposal.id,
                                                          Pledge.status == PledgeStatus.PLEDGED)):
        pledge.status, pledge.closed_at = status, now
    proposal.settled_at, proposal.funded = now, reached
    backers = db.session.scalars(select(Pledge.backer_id).where(Pledge.proposal_id == proposal.id,
                                                                Pledge.status == status)).all()
    notify(backers, "pledges_committed" if reached else "pledges_released", proposal_id=proposal.id,
           title=proposal.title)
    db.session.flush()
    return reached


def settle_due(now=None) -> list[tuple[int, bool]]:
    """Settle every proposal whose deadline has passed; safe to run as often as you like."""
    due = db.session.scalars(select(Proposal).where(Proposal.deadline <= (now or utcnow()),
                                                    Proposal.settled_at.is_(None))
                             .order_by(Proposal.id).with_for_update(skip_locked=True)).all()
    return [(proposal.id, settle(proposal)) for proposal in due]
