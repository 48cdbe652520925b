"""Index for one- and two-character Chinese search words on PostgreSQL

pg_trgm indexes words of three or more characters, but 路, 养蜂 or 水井 are whole Chinese words.
minyi_cjk_grams(title, body) lists every Chinese character and every pair of adjacent Chinese
characters of a proposal; a GIN index over it finds the proposals holding such a short word
without reading the table. SQLite scans, which is fine at the sizes SQLite is used for.

The function keeps PostgreSQL's default cost on purpose. Declared costly, it makes the planner prefer the
gram index even for common words, and then the function runs again for every candidate row, which took
over a second for 路灯 (2,478 matches) in the benchmark. At the default cost, a common word is found by
walking the newest proposals: the ILIKE, which is tested first, passes few rows to the function.

Revision ID: 0009_cjk_search
Revises: 0008_revisions
"""
from alembic import op

revision = '0009_cjk_search'
down_revision = '0008_revisions'
branch_labels = None
depends_on = None

# CJK Unified Ideographs and Extension A; the same ranges as core.search.SHORT_CHINESE.
GRAMS = r"""
CREATE OR REPLACE FUNCTION minyi_cjk_grams(title text, body text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT gram), '{}')
  FROM (SELECT title || ' ' || body AS t) AS doc,
       generate_series(1, length(doc.t)) AS i,
       LATERAL (VALUES (substr(doc.t, i, 1)), (substr(doc.t, i, 2))) AS grams(gram)
  WHERE gram ~ '^[\u3400-\u4dbf\u4e00-\u9fff]{1,2}$'
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(GRAMS)
    op.execute("CREATE INDEX IF NOT EXISTS ix_proposals_cjk_grams ON proposals "
               "USING gin (minyi_cjk_grams(title, body))")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_proposals_cjk_grams")
    op.execute("DROP FUNCTION IF EXISTS minyi_cjk_grams(text, text)")
