"""The public list of proposals: which are shown, how they are filtered, searched and ordered.

One definition for the web pages and the API, so both show residents the same thing."""

import re

from sqlalchemy import Text, and_, cast, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, array

from accounts.db import db, utcnow
from accounts.regions import subtree_id_list
from proposals.models import Proposal, ProposalStatus

#: sort name → (key columns, newest/largest first?); the last column is unique, for keyset paging.
SORTS = {
    "newest": ((Proposal.id,), True),
    "supported": ((Proposal.supports_count, Proposal.id), True),
    "trending": ((Proposal.hot, Proposal.id), True),
    "closing": ((Proposal.deadline, Proposal.id), False),
}


#: One or two Chinese characters: a whole word that pg_trgm cannot index (see migration 0009).
SHORT_CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]{1,2}")


def matching(query, text: str):
    """Every word must appear in the title or text. A substring match per word works for Chinese
    (no spaces between words) and English alike; % and _ are plain characters, not wildcards."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    for term in text.split()[:5]:
        term = term[:50]
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        condition = or_(Proposal.title.ilike(like, escape="\\"), Proposal.body.ilike(like, escape="\\"))
        if postgres and SHORT_CHINESE.fullmatch(term):
            condition = and_(func.minyi_cjk_grams(Proposal.title, Proposal.body).op("@>")(cast(array([term]), ARRAY(Text))), condition)
        query = query.where(condition)
    return query


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
