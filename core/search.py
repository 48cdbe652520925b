"""Looking words up in text columns: a substring match that works for Chinese (no spaces between words) and
English alike, with % and _ taken as plain characters.

On PostgreSQL the columns searched have trigram indexes (pg_trgm), which serve words of three characters or
more. One- and two-character Chinese words (路, 养蜂, a surname) have no trigram: for them the condition also
asks the column's Chinese grams (``minyi_cjk_grams``, migration 0009), whose GIN index finds the rows without
reading the table."""

import hashlib
import re
from typing import NamedTuple

from sqlalchemy import Integer, Text, and_, any_, cast, event, func, inspect, literal, literal_column, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Session

from core import revisions
from core.cache import remembered
from core.db import db

#: A one- or two-character Chinese word (CJK Unified Ideographs and Extension A; as minyi_cjk_grams).
SHORT_CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]{1,2}")
#: A search with fewer matches than this is "rare": see ``matching``.
DENSE = 1000
#: Whether a search is rare changes slowly: worked out once and remembered in the shared cache this many seconds.
RARE_SECONDS = 600.0
#: A common search's newest matches remembered for ``newest`` (ids): at most this many.
RECENT = 5000
#: Rows this close to the newest when matches are remembered are searched every time (a row being saved then
#: may show up only later, with a lower id than one already saved).
IN_FLIGHT = 200
#: The columns each table is searched by (``watch``): a change to one of them forgets the remembered matches.
WATCHED: dict[str, frozenset[str]] = {}


def like_pattern(term: str) -> str:
    """``%term%`` for ILIKE with ``escape="\\"``: any % _ or \\ in the term is a plain character."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def grams_of(*columns):
    """``minyi_cjk_grams(a, b)`` over one or two columns, as their index is made (a missing second is '')."""
    first, second = (*columns, None)[:2]
    return func.minyi_cjk_grams(first, second if second is not None else literal_column("''"))


def holds(term: str, searched):
    """One of the searched columns holds ``term``. ``searched`` lists (columns, their indexed grams or None):
    on PostgreSQL a short Chinese term is looked for only in columns with grams (the others, such as phone
    numbers, cannot hold Chinese), through the grams' index."""
    if SHORT_CHINESE.fullmatch(term) and db.session.get_bind().dialect.name == "postgresql":
        wanted, indexed = cast(array([term]), ARRAY(Text)), [(c, grams) for c, grams in searched if grams is not None]
        # The grams' indexes find the rows (exactly the index conditions, so no row computes its grams again);
        # the ILIKE then checks them.
        return and_(or_(*(grams.op("@>")(wanted) for _columns, grams in indexed)),
                    _like(term, [column for columns, _grams in indexed for column in columns]))
    return _like(term, [column for columns, _grams in searched for column in columns])


def _like(term, columns):
    return or_(*(column.ilike(like_pattern(term), escape="\\") for column in columns))


def matching(query, id_column, terms: list[str], searched, *, among=()):
    """``query`` narrowed to the rows where every term is held by one of the ``searched`` columns (``holds``).

    On PostgreSQL a rare search is looked up through its indexes first. Otherwise the planner, which prices
    ``ILIKE`` as cheap and often overestimates a rare word's matches, may walk the newest rows one by one looking
    for the few that match (100 ms instead of 2 ms for a word in 77 of 100,000 proposals). A capped count of the
    matches ``among`` the rows listed (a few ms, remembered in the shared cache for RARE_SECONDS) tells a rare
    search from a common one, for which that walk is indeed the quick way; the matches of a rare one go into a
    materialized CTE. A short Chinese term has a plan of its own: the grams' index."""
    conditions = [holds(term, searched) for term in terms]
    query = query.where(*conditions)
    if not conditions:
        return query
    key = "\x1f".join([id_column.table.name, *(c.key for columns, _g in searched for c in columns),
                       *(term.casefold() for term in terms)])
    name = "rare:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    common = query.execution_options(minyi_search=_Common(
        name, id_column, conditions, frozenset(column.key for columns, _grams in searched for column in columns)))
    if db.session.get_bind().dialect.name != "postgresql" or any(SHORT_CHINESE.fullmatch(term) for term in terms):
        return common
    if remembered(name, RARE_SECONDS, lambda: db.session.scalar(select(func.count()).select_from(
            select(id_column).where(*among, *conditions).limit(DENSE).subquery())) < DENSE):
        hits = select(id_column.label("id")).where(*conditions).cte("hits").prefix_with("MATERIALIZED")
        return query.where(id_column.in_(select(hits.c.id)))
    return common


class _Common(NamedTuple):
    """A common search, as ``matching`` marks its query for ``newest``."""
    name: str
    id_column: object
    conditions: list
    columns: frozenset


def watch(*columns) -> None:
    """Declare the columns a table is searched by, where the table's model is defined or read (import time, in
    every process): a change to one of them forgets the table's remembered matches (``newest``)."""
    table = columns[0].table.name
    WATCHED[table] = WATCHED.get(table, frozenset()) | {column.key for column in columns}


def newest(query, limit: int) -> list:
    """The first ``limit`` rows of ``query``, which orders them newest first (by the id of ``matching``).

    A map asks for a thousand rows. For a common word (thousands of matches spread over the whole table), finding
    its newest thousand means checking every match (200 ms in 1,000,000 appeals), however the query is planned.
    So a common search's newest matches (up to RECENT ids, with the largest id the table then had) are worked out
    once and remembered, and the query is run among them and the rows added since. The answer is still exact:
    when that gives ``limit`` rows, every row of the whole query that is newer than the oldest remembered id is
    among them (its text matched then, or it was changed, which forgets what was remembered, or it is newer), so
    no older row can be in the first ``limit``; otherwise the query runs in full."""
    search = query.get_execution_options().get("minyi_search")
    table = search.id_column.table.name if search is not None else None
    if table is None or not search.columns <= WATCHED.get(table, frozenset()):
        return db.session.execute(query.limit(limit)).all()
    name = f"{search.name}:recent:{revisions.current(f'search:{table}')}"
    ids, last = remembered(name, RARE_SECONDS, lambda: _recent(search))
    # The remembered rows are not searched again (their text matched, or was changed and they were forgotten):
    # with the words still in the query, PostgreSQL would read their indexes, as slow as the search itself.
    # The rows added since are.
    unsearched = _without(query, search.conditions)
    # In growing slices: a query with other filters (a status, a region) may need more than ``limit`` of them.
    size = limit + limit // 2
    while True:
        part = ids[:size]
        among = search.id_column == any_(literal(part, ARRAY(Integer))) \
            if db.session.get_bind().dialect.name == "postgresql" else search.id_column.in_(part)
        rows = db.session.execute(unsearched.where(or_(among, and_(search.id_column > last, *search.conditions)))
                                  .limit(limit)).all()
        if len(rows) == limit or len(ids) < RECENT and len(part) == len(ids):
            return rows
        if len(part) == len(ids):
            return db.session.execute(query.limit(limit)).all()
        size *= 4


def _without(query, conditions):
    """``query`` without the WHERE ``conditions`` it was given (SQLAlchemy keeps them as a tuple)."""
    copy = query._generate()
    copy._where_criteria = tuple(c for c in query._where_criteria if not any(c is x for x in conditions))
    return copy


def _recent(search) -> tuple[list[int], int]:
    """The ids of the newest RECENT rows matching ``search``'s words, newest first, and an id from which rows
    count as added since (searched every time): the largest id then, read first so that a row added while the
    matches are read is among them, less IN_FLIGHT for rows whose transaction had not ended yet."""
    last = db.session.scalar(select(func.coalesce(func.max(search.id_column), 0))) - IN_FLIGHT
    ids = db.session.scalars(select(search.id_column).where(*search.conditions)
                             .order_by(search.id_column.desc()).limit(RECENT)).all()
    return list(ids), last


@event.listens_for(Session, "after_flush")
def _searched_text_changed(session, _context) -> None:
    """A change to a searched column (``watch``) gives its table's searches a new revision, in the same
    transaction: the matches remembered for ``newest`` are then worked out again, by every process."""
    changed = set()
    for instance in session.dirty:
        table = getattr(instance, "__tablename__", None)
        if table in WATCHED and table not in changed:
            attrs = inspect(instance).attrs
            if any(attrs[key].history.has_changes() for key in WATCHED[table]):
                changed.add(table)
    for table in sorted(changed):
        revisions.renew(session.connection(), f"search:{table}")
