"""Supports: one per verified resident and proposal, counted exactly, qualifying proposals."""

import math

from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from accounts.notifications import notify
from accounts.regions import region_tree
from accounts.users import Role, User
from core.cache import cache, remembered
from core.db import db, insert_unless_present, utcnow
from core.rules import rule
from proposals.errors import AlreadySupported, NotEligible, NotOpen, NotSupported
from proposals.models import ACTIVE, Proposal, ProposalStatus, hot_score_sql
from voting.models import Support


def verified_residents(region_id: int) -> int:
    """Verified residents living in the region (and below), cached for MINYI_THRESHOLD_CACHE_SECONDS. The count
    changes slowly (verifications), while votes come fast; counting a county's residents on every vote would
    cost more than the vote itself."""
    return remembered(f"verified:{region_id}", float(rule("MINYI_THRESHOLD_CACHE_SECONDS")), lambda: db.session.scalar(
        select(func.count()).select_from(User).where(
            User.role == Role.RESIDENT, User.verified_at.is_not(None),
            User.region_id.in_(region_tree().subtree(region_id)))))


def threshold_for(residents: int) -> int:
    """Supports a proposal needs where ``residents`` verified residents live: the larger of the minimum
    (MINYI_SUPPORT_MINIMUM) and the share MINYI_SUPPORT_PERCENT of them."""
    return max(int(rule("MINYI_SUPPORT_MINIMUM")), math.ceil(float(rule("MINYI_SUPPORT_PERCENT")) / 100 * residents))


def threshold(proposal: Proposal) -> int:
    """Supports ``proposal`` needs to qualify, from the verified residents of its scope."""
    return threshold_for(verified_residents(proposal.scope_region_id))


def thresholds(proposals) -> dict[int, int]:
    """The threshold of each proposal (by id) as ``threshold`` gives it, with the uncached counts of verified
    residents made in one query for the whole list."""
    tree, seconds = region_tree(), float(rule("MINYI_THRESHOLD_CACHE_SECONDS"))
    scopes = {p.id: p.scope_region_id for p in proposals}
    counts = {}
    if seconds > 0:
        for region_id in set(scopes.values()):
            found = _cached_count(region_id)
            if found is not None:
                counts[region_id] = found
    missing = set(scopes.values()) - set(counts)
    if missing:
        below = {r: tree.subtree(r) for r in missing}
        per_region = dict(db.session.execute(
            select(User.region_id, func.count()).where(
                User.role == Role.RESIDENT, User.verified_at.is_not(None),
                User.region_id.in_(sorted({r for regions in below.values() for r in regions})))
            .group_by(User.region_id)).all())
        for region_id, regions in below.items():
            counts[region_id] = sum(per_region.get(r, 0) for r in regions)
            if seconds > 0:
                remembered(f"verified:{region_id}", seconds, lambda n=counts[region_id]: n)
    return {ident: threshold_for(counts[region_id]) for ident, region_id in scopes.items()}


def _cached_count(region_id: int) -> int | None:
    """The count ``verified_residents`` keeps, if it is kept now (never counting)."""
    try:
        return cache.get(f"verified:{region_id}")
    except Exception:  # noqa: BLE001  (the cache is away: counted again)
        return None


def eligibility_problem(proposal: Proposal, user: User | None) -> Exception | None:
    """Why ``user`` may not support ``proposal`` now, or None when they may."""
    # (The pledge deadline closes pledges only: supports may still carry a proposal to the officials.)
    if proposal.status not in ACTIVE or proposal.hidden_at is not None:
        return NotOpen()
    if (user is None or not user.is_authenticated or user.role != Role.RESIDENT or not user.is_verified
            or not region_tree().contains(proposal.scope_region_id, user.region_id)):
        return NotEligible()
    return None


def has_supported(proposal: Proposal, user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(select(Support.id).where(Support.proposal_id == proposal.id,
                                                      Support.user_id == user.id)) is not None


def _recount(proposal: Proposal, delta: int) -> None:
    # The increment happens in the database, so concurrent voters never overwrite each other, and the rank
    # is set in the same statement. The row stays locked until commit, so the count read back is this one's.
    count, hot = db.session.execute(
        update(Proposal).where(Proposal.id == proposal.id)
        .values(supports_count=Proposal.supports_count + delta,
                hot=hot_score_sql(Proposal.supports_count + delta, proposal.created_at), updated_at=utcnow())
        .returning(Proposal.supports_count, Proposal.hot).execution_options(synchronize_session=False)).one()
    set_committed_value(proposal, "supports_count", count)
    set_committed_value(proposal, "hot", hot)


def cast_support(proposal: Proposal, *, actor: User) -> Proposal:
    """A verified resident in the proposal's scope supports it, once."""
    problem = eligibility_problem(proposal, actor)
    if problem is not None:
        raise problem
    if not insert_unless_present(Support, proposal_id=proposal.id, user_id=actor.id):
        raise AlreadySupported()  # the unique constraint, not a check beforehand, is the rule
    _recount(proposal, +1)
    # The threshold is never below the minimum, so below it there is nothing to count.
    if (proposal.status == ProposalStatus.OPEN and proposal.supports_count >= int(rule("MINYI_SUPPORT_MINIMUM"))
            and proposal.supports_count >= threshold(proposal)):
        proposal.status = ProposalStatus.QUALIFIED
        proposal.qualified_at = utcnow()
        notify([proposal.author_id], "proposal_qualified", proposal_id=proposal.id, title=proposal.title)
        db.session.flush()
    return proposal


def withdraw_support(proposal: Proposal, *, actor: User) -> Proposal:
    """Take a support back while the proposal is still open. A qualified proposal stays qualified."""
    if actor is None or not actor.is_authenticated:
        raise NotSupported()
    if proposal.status not in ACTIVE or proposal.hidden_at is not None:
        raise NotOpen()
    deleted = db.session.execute(
        Support.__table__.delete().where(Support.proposal_id == proposal.id, Support.user_id == actor.id))
    if deleted.rowcount == 0:
        raise NotSupported()
    _recount(proposal, -1)
    return proposal
