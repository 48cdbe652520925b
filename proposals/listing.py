"""The public list of proposals: which are shown, how they are filtered, searched and ordered.

One definition for the web pages and the API, so both show residents the same thing."""

import hashlib
import re

from sqlalchemy import Text, and_, cast, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, array

from accounts.cache import remembered
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


#: A search with fewer matches than this is "rare": see ``matching``.
DENSE = 1000
#: Whether a search is rare changes slowly: worked out once per process and this many seconds.
RARE_SECONDS = 600.0


def matching(query, text: str):
    """Every word must appear in the title or text. A substring match per word works for Chinese
    (no spaces between words) and English alike; % and _ are plain characters, not wildcards.

    On PostgreSQL a rare word is looked up through its trigram index first. Otherwise the planner, which prices
    ``ILIKE`` as cheap and often overestimates a rare word's matches, may walk the newest proposals one by one
    looking for the few that match (100 ms instead of 2 ms for a word in 77 of 100,000 proposals). A capped
    count (a few ms, remembered for RARE_SECONDS) tells a rare word from a common one, for which that walk is
    indeed the quick way."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    conditions, short_chinese = [], False
    for term in text.split()[:5]:
        term = term[:50]
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        condition = or_(Proposal.title.ilike(like, escape="\\"), Proposal.body.ilike(like, escape="\\"))
        if postgres and SHORT_CHINESE.fullmatch(term):
            short_chinese = True
            condition = and_(func.minyi_cjk_grams(Proposal.title, Proposal.body).op("@>")(cast(array([term]), ARRAY(Text))), condition)
        conditions.append(condition)
    if not conditions:
        return query
    query = query.where(*conditions)
    if postgres and not short_chinese and _is_rare(conditions, tuple(t.casefold() for t in text.split()[:5])):
        hits = select(Proposal.id).where(*conditions).cte("hits").prefix_with("MATERIALIZED")
        query = query.where(Proposal.id.in_(select(hits.c.id)))
    return query


def _is_rare(conditions, key) -> bool:
    """Fewer than DENSE visible proposals match (the gram index of short Chinese words has a plan of its own)."""
    name = "rare:" + hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:32]
    return remembered(name, RARE_SECONDS, lambda: db.session.scalar(select(func.count()).select_from(
        select(Proposal.id).where(Proposal.hidden_at.is_(None), *conditions).limit(DENSE).subquery())) < DENSE)


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
