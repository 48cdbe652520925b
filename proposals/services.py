"""Use cases for proposals: put forward, edit, withdraw, decide, hide. Each takes an explicit actor."""

from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.notifications import notify
from accounts.permissions import has_role, oversees
from accounts.regions import Category, Region, RegionLevel
from accounts.users import Role, User
from core.db import db, utcnow
from core.errors import Conflict, InvalidInput, NotAllowed
from core.fields import place_fields, text_field
from core.rules import rule
from proposals import signals
from proposals.errors import HasPledges, HasSupports, NotOpen
from proposals.models import ACTIVE, Proposal, ProposalStatus, Scope, hot_score
from proposals.queries import deciding_departments, may_reject

TITLE_MAX, BODY_MAX, REASON_MAX = 200, 10_000, 2_000


def _funding(goal_minor, deadline, now):
    if goal_minor is None and deadline is None:
        return None, None
    if goal_minor is None or goal_minor <= 0:
        raise InvalidInput(_l("A funding goal needs an amount above zero."), field="goal")
    if goal_minor > 10**13:  # a hundred billion yuan: more is a typing mistake, and would overflow the column
        raise InvalidInput(_l("This goal is too large."), field="goal")
    if deadline is None:
        raise InvalidInput(_l("A funding goal needs a deadline."), field="deadline")
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=timezone.utc)
    try:
        deadline = deadline.astimezone(timezone.utc)
    except OverflowError:
        raise InvalidInput(_l("This date is too far away."), field="deadline") from None
    if deadline.year > now.year + 10:
        raise InvalidInput(_l("This date is too far away."), field="deadline")
    if deadline <= now:
        raise InvalidInput(_l("The deadline must be in the future."), field="deadline")
    return goal_minor, deadline


def create_proposal(*, actor: User, title: str, body: str, category: Category | None, village: Region | None,
                    language: str = "zh_Hans", scope: str = Scope.VILLAGE, latitude: float | None = None,
                    longitude: float | None = None, address: str | None = None, goal_minor: int | None = None,
                    deadline: datetime | None = None, in_kind_counts: bool = False, currency: str = "CNY") -> Proposal:
    """A resident puts forward a proposal for a village."""
    if actor is None or not actor.is_authenticated or actor.role != Role.RESIDENT:
        raise NotAllowed(_l("Only residents can put forward proposals."))
    if category is None or not category.active:
        raise InvalidInput(_l("Choose a category."), field="category")
    if village is None or village.level != RegionLevel.VILLAGE:
        raise InvalidInput(_l("Choose the village the proposal is for."), field="village")
    if scope not in set(Scope):
        raise InvalidInput(_l("Choose who may support it."), field="scope")
    now = utcnow()
    latitude, longitude, address = place_fields(latitude, longitude, address)
    goal_minor, deadline = _funding(goal_minor, deadline, now)
    proposal = Proposal(
        title=text_field(title, "title", TITLE_MAX), body=text_field(body, "body", BODY_MAX, multiline=True),
        language="en" if language == "en" else "zh_Hans", category=category, region=village, author=actor,
        scope=scope, latitude=latitude, longitude=longitude, address=address, goal_minor=goal_minor,
        deadline=deadline, in_kind_counts=bool(in_kind_counts), currency=currency, created_at=now,
        hot=hot_score(0, now))
    db.session.add(proposal)
    db.session.flush()
    return proposal


def edit_proposal(proposal: Proposal, *, actor: User, **changes) -> Proposal:
    """The author corrects their proposal, as long as nobody supports it yet."""
    if actor is None or actor.id != proposal.author_id:
        raise NotAllowed(_l("Only the author can change a proposal."))
    if not proposal.is_active:
        raise NotOpen()
    if proposal.supports_count > 0:
        raise HasSupports()
    if proposal.settled_at is not None:
        raise HasPledges()
    signals.changing.send(proposal)
    now = utcnow()
    if "title" in changes:
        proposal.title = text_field(changes["title"], "title", TITLE_MAX)
    if "body" in changes:
        proposal.body = text_field(changes["body"], "body", BODY_MAX, multiline=True)
    if "category" in changes:
        if changes["category"] is None or not changes["category"].active:
            raise InvalidInput(_l("Choose a category."), field="category")
        proposal.category = changes["category"]
    if {"latitude", "longitude", "address"} & changes.keys():
        proposal.latitude, proposal.longitude, proposal.address = place_fields(
            changes.get("latitude"), changes.get("longitude"), changes.get("address"))
    if {"goal_minor", "deadline"} & changes.keys():
        proposal.goal_minor, proposal.deadline = _funding(changes.get("goal_minor"), changes.get("deadline"), now)
    if "in_kind_counts" in changes:
        proposal.in_kind_counts = bool(changes["in_kind_counts"])
    db.session.flush()
    return proposal


def withdraw_proposal(proposal: Proposal, *, actor: User, reason: str) -> Proposal:
    """The author withdraws their proposal, saying why; open pledges are released."""
    if actor is None or actor.id != proposal.author_id:
        raise NotAllowed(_l("Only the author can withdraw a proposal."))
    if proposal.status not in ACTIVE:
        raise NotOpen()
    if proposal.funded:
        raise Conflict(_l("This proposal reached its goal and backers now owe their pledges; only the officials "
                          "can stop it now."))
    proposal.closing_reason = text_field(reason, "reason", REASON_MAX, multiline=True)
    proposal.status = ProposalStatus.WITHDRAWN
    signals.close(proposal)
    db.session.flush()
    return proposal


def check_rejecter(actor: User | None, proposal: Proposal) -> None:
    """Refuse anyone who may not reject ``proposal`` (proposals.queries.may_reject), telling an official of its area
    which departments decide on it."""
    if may_reject(actor, proposal):
        return
    if proposal.status == ProposalStatus.OPEN or not has_role(actor, Role.OFFICIAL) \
            or not oversees(actor, proposal.region):
        raise NotAllowed()
    names = ", ".join(d.name for d in deciding_departments(proposal))
    if names:
        raise NotAllowed(_l("Only %(departments)s can reject “%(title)s”: it is their field in this place. You can "
                            "recommend it to them.", departments=names, title=proposal.title))
    raise NotAllowed(_l("No department handles this category in this place: only an administrator can reject "
                        "“%(title)s”.", title=proposal.title))


def reject_proposal(proposal: Proposal, *, actor: User, reason: str) -> Proposal:
    """An official declines a proposal with a public reason: while it is open, an official of its area; once it
    reached the officials, one of the departments that decide on it (as for making it a project), or an admin."""
    check_rejecter(actor, proposal)
    if proposal.status not in ACTIVE:
        raise NotOpen()
    proposal.closing_reason = text_field(reason, "reason", REASON_MAX, multiline=True)
    proposal.status = ProposalStatus.REJECTED
    # Rejected means nobody owes anything any more, even when the goal had been reached.
    backers = signals.close(proposal, including_committed=True)
    notify([proposal.author_id, *backers], "proposal_rejected", proposal_id=proposal.id, title=proposal.title,
           reason=proposal.closing_reason)
    db.session.flush()
    return proposal


def expire_stale(now=None) -> list[int]:
    """Open proposals that never reached the officials within their lifetime expire (the "settle" job of server/worker/tasks.py)."""
    cutoff = (now or utcnow()) - timedelta(days=int(rule("MINYI_PROPOSAL_LIFETIME_DAYS")))
    stale = db.session.scalars(select(Proposal).where(Proposal.status == ProposalStatus.OPEN,
                                                      Proposal.created_at < cutoff)).all()
    for proposal in stale:
        proposal.status = ProposalStatus.EXPIRED
        signals.close(proposal)
        notify([proposal.author_id], "proposal_expired", proposal_id=proposal.id, title=proposal.title)
    db.session.flush()
    return [p.id for p in stale]
