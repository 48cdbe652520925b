"""The public list of proposals: which are shown, how they are filtered, searched and ordered.

One definition for the web pages and the API, so both show residents the same thing."""

from sqlalchemy import select

from accounts.regions import subtree_id_list
from core import search
from core.db import utcnow
from proposals.models import Proposal, ProposalStatus

#: sort name → (key columns, newest/largest first?); the last column is unique, for keyset paging.
SORTS = {
    "newest": ((Proposal.id,), True),
    "supported": ((Proposal.supports_count, Proposal.id), True),
    "trending": ((Proposal.hot, Proposal.id), True),
    "closing": ((Proposal.deadline, Proposal.id), False),
}


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
