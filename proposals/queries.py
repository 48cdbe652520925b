"""Reading proposals: the public list (which are shown, how they are filtered, searched and ordered: one
definition for the web pages and the API, so both show residents the same thing), who decides on a proposal once
it reached the officials, and the moderation queue."""

from sqlalchemy import func, select, true
from sqlalchemy.orm import selectinload

from accounts.permissions import has_role, jurisdiction, oversees
from accounts.regions import Department, serving_departments, serving_departments_of, subtree_id_list
from accounts.users import Role, User
from core import search
from core.db import db, utcnow
from proposals.comments import Comment, Flag
from proposals.images import ProposalImage
from proposals.models import ACTIVE, Proposal, ProposalStatus

#: sort name → (key columns, newest/largest first?); the last column is unique, for keyset paging.
SORTS = {
    "newest": ((Proposal.id,), True),
    "supported": ((Proposal.supports_count, Proposal.id), True),
    "trending": ((Proposal.hot, Proposal.id), True),
    "closing": ((Proposal.deadline, Proposal.id), False),
}

#: What a search reads (``matching``): a change to it forgets the matches remembered for maps.
search.watch(Proposal.title, Proposal.body)


def matching(query, text: str):
    """Every word must appear in the title or text (core.search: Chinese and English alike, % and _ plain
    characters, a rare search looked up through its indexes first)."""
    return search.matching(query, Proposal.id, [term[:50] for term in text.split()[:5]],
                           [([Proposal.title, Proposal.body], search.grams_of(Proposal.title, Proposal.body))],
                           among=[Proposal.hidden_at.is_(None)])


def public_proposals(*, region=None, category=None, status=None, q="", sort="newest"):
    """The visible proposals with these filters; returns (query, key columns, descending) for keyset paging."""
    query = select(Proposal).where(Proposal.hidden_at.is_(None))
    if region is not None:
        query = query.where(Proposal.region_id.in_(subtree_id_list(region)))
    if category is not None:
        query = query.where(Proposal.category_id == category.id)
    if status in set(ProposalStatus):
        query = query.where(Proposal.status == status)
    sort = sort if sort in SORTS else "newest"
    if sort == "closing":
        query = query.where(Proposal.deadline > utcnow(), Proposal.settled_at.is_(None))
    if q:
        query = matching(query, q)
    columns, descending = SORTS[sort]
    return query, list(columns), descending


def _active_in(region_ids):
    query = select(Proposal).where(Proposal.hidden_at.is_(None), Proposal.status.in_(ACTIVE))
    return query if region_ids is None else query.where(Proposal.region_id.in_(region_ids))


def closing_soon(region_ids: list[int] | None, *, limit: int = 4) -> list[Proposal]:
    """Visible proposals still open whose pledges close soonest, in these regions (None: everywhere)."""
    return list(db.session.scalars(_active_in(region_ids).where(Proposal.deadline > utcnow(),
                                                                Proposal.settled_at.is_(None))
                                   .order_by(Proposal.deadline, Proposal.id).limit(limit)))


def trending(region_ids: list[int] | None, *, limit: int = 4, leaving_out=()) -> list[Proposal]:
    """Visible open proposals gaining supports fastest (the list's "trending" order), in these regions."""
    query = _active_in(region_ids)
    if leaving_out:
        query = query.where(Proposal.id.not_in(list(leaving_out)))
    return list(db.session.scalars(query.order_by(Proposal.hot.desc(), Proposal.id.desc()).limit(limit)))


def first_photos(proposal_ids) -> dict[int, ProposalImage]:
    """Each proposal's first photo (for its card), by proposal id; the caller shows visible proposals only."""
    ids = list(proposal_ids)
    if not ids:
        return {}
    first = select(func.min(ProposalImage.id)).where(ProposalImage.proposal_id.in_(ids)) \
        .group_by(ProposalImage.proposal_id)
    return {p.proposal_id: p for p in db.session.scalars(select(ProposalImage).where(ProposalImage.id.in_(first)))}


def may_see(user: User | None, proposal: Proposal) -> bool:
    """A hidden proposal only its author and the moderators of its region still see; others, every proposal."""
    if proposal.hidden_at is None:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.id == proposal.author_id or (has_role(user, Role.MODERATOR, Role.ADMIN)
                                             and oversees(user, proposal.region))


def visible_proposal(user: User | None, proposal_id: int | None) -> Proposal | None:
    """The proposal with this id if ``user`` may see it; None otherwise, as if it did not exist."""
    proposal = db.session.get(Proposal, proposal_id) if proposal_id is not None else None
    return proposal if proposal is not None and may_see(user, proposal) else None


def deciding_departments(proposal: Proposal) -> list[Department]:
    """The departments that decide on ``proposal`` once it reached the officials: those serving its category in its
    place (its region or a region above it, as appeals are routed), the closest first."""
    return serving_departments(proposal.category, proposal.region)


def deciding_departments_of(proposals) -> dict[int, list[Department]]:
    """proposal id → ``deciding_departments`` of each, in one query for a whole page of proposals."""
    found = serving_departments_of([(p.category_id, p.region_id) for p in proposals])
    return {p.id: found[(p.category_id, p.region_id)] for p in proposals}


def may_decide(user: User | None, proposal: Proposal, departments: list[Department] | None = None) -> bool:
    """Whether ``user`` decides what becomes of ``proposal`` once it reached the officials, made a project
    (projects.promotion) or rejected (proposals.services.reject_proposal): admins, and the officials of a department
    serving its category in its place (``departments``: those, when already known). Other officials of its area
    may recommend it to them (projects.recommendations)."""
    if has_role(user, Role.ADMIN):
        return True
    if not has_role(user, Role.OFFICIAL):
        return False
    if departments is None:
        departments = deciding_departments(proposal)
    return user.department_id in {d.id for d in departments}


def may_reject(user: User | None, proposal: Proposal, departments: list[Department] | None = None) -> bool:
    """Whether ``user`` may reject ``proposal``: while it is open (still gathering supports), an official of its
    area or an admin; once it reached the officials, only those who decide on it (``may_decide``)."""
    if proposal.status == ProposalStatus.OPEN:
        return has_role(user, Role.OFFICIAL, Role.ADMIN) and oversees(user, proposal.region)
    return may_decide(user, proposal, departments)


def moderation_queue(moderator: User) -> tuple[list[Proposal], list[Comment], dict]:
    """What waits for this moderator's decision in their area: flagged proposals, flagged comments, and the
    reasons given, by (kind, id)."""
    open_flags = select(Flag.target, Flag.target_id, func.count().label("n")).where(Flag.resolved_at.is_(None)) \
        .group_by(Flag.target, Flag.target_id).subquery()
    scope = jurisdiction(moderator)
    mine = Proposal.region_id.in_(subtree_id_list(scope)) if scope is not None else true()
    proposals = db.session.scalars(select(Proposal).where(mine).join(
        open_flags, (open_flags.c.target == "proposal") & (open_flags.c.target_id == Proposal.id))).all()
    comments = db.session.scalars(select(Comment).options(selectinload(Comment.proposal))
                                  .join(Proposal, Comment.proposal_id == Proposal.id).where(mine)
                                  .join(open_flags, (open_flags.c.target == "comment")
                                        & (open_flags.c.target_id == Comment.id))).all()
    reasons = {}
    for item in db.session.execute(select(Flag.target, Flag.target_id, Flag.reason)
                                   .where(Flag.resolved_at.is_(None))):
        reasons.setdefault((item.target, item.target_id), []).append(item.reason)
    return proposals, comments, reasons
