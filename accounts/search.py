"""Looking words up in text columns: a substring match that works for Chinese (no spaces between words) and
English alike, with % and _ taken as plain characters.

On PostgreSQL the columns searched have trigram indexes (pg_trgm), which serve words of three characters or
more. One- and two-character Chinese words (路, 养蜂, a surname) have no trigram: for them the condition also
asks the column's Chinese grams (``minyi_cjk_grams``, migration 0009), whose GIN index finds the rows without
reading the table."""

import hashlib
import re

from sqlalchemy import Text, and_, cast, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, array

from accounts.cache import remembered
from accounts.db import db

#: A one- or two-character Chinese word (CJK Unified Ideographs and Extension A; as minyi_cjk_grams).
SHORT_CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]{1,2}")
#: A search with fewer matches than this is "rare": see ``rare_first``.
DENSE = 1000
#: Whether a search is rare changes slowly: worked out once per process and this many seconds.
RARE_SECONDS = 600.0


def like_pattern(term: str) -> str:
    """``%term%`` for ILIKE with ``escape="\\"``: any % _ or \\ in the term is a plain character."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def holds(term: str, columns, grams=None):
    """One of ``columns`` holds ``term``; ``grams`` is the indexed ``minyi_cjk_grams(...)`` expression over
    them, used on PostgreSQL for a short Chinese term."""
    condition = or_(*(column.ilike(like_pattern(term), escape="\\") for column in columns))
    if grams is not None and SHORT_CHINESE.fullmatch(term) and db.session.get_bind().dialect.name == "postgresql":
        condition = and_(grams.op("@>")(cast(array([term]), ARRAY(Text))), condition)
    return condition


def short_chinese_grams(*columns):
    """``minyi_cjk_grams(a, b)`` over one or two columns, as the indexes are made (a missing second is '')."""
    first, second = (*columns, None)[:2]
    return func.minyi_cjk_grams(first, second if second is not None else literal_column("''"))


def rare_first(query, id_column, conditions, key: str, *, among=()):
    """``query`` where ``conditions`` hold; on PostgreSQL a rare search is looked up through its indexes first.

    Otherwise the planner, which prices ``ILIKE`` as cheap and often overestimates a rare word's matches, may
    walk the newest rows one by one looking for the few that match (100 ms instead of 2 ms for a word in 77 of
    100,000 proposals). A capped count of the matches ``among`` the rows listed (a few ms, remembered for
    RARE_SECONDS under ``key``) tells a rare search from a common one, for which that walk is indeed the quick
    way; the matches of a rare one go into a materialized CTE."""
    query = query.where(*conditions)
    if db.session.get_bind().dialect.name != "postgresql":
        return query
    name = "rare:" + hashlib.sha256(f"{id_column.table.name}\x1f{key}".encode()).hexdigest()[:32]
    if remembered(name, RARE_SECONDS, lambda: db.session.scalar(select(func.count()).select_from(
            select(id_column).where(*among, *conditions).limit(DENSE).subquery())) < DENSE):
        hits = select(id_column.label("id")).where(*conditions).cte("hits").prefix_with("MATERIALIZED")
        query = query.where(id_column.in_(select(hits.c.id)))
    return query


def people_matching(query, id_column, text: str, columns, grams):
    """``query`` narrowed to the people whose ``columns`` hold ``text`` (a name, part of a phone number or an
    email address), the rare ones through their indexes first."""
    condition = holds(text, columns, grams=grams)
    if SHORT_CHINESE.fullmatch(text):
        return query.where(condition)
    return rare_first(query, id_column, [condition], text.casefold() + "\x1f" + ",".join(c.key for c in columns))
