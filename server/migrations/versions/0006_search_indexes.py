"""Trigram indexes for proposal search on PostgreSQL

Searching is a substring match per word (it works for Chinese, which has no spaces between words,
and for English). On PostgreSQL, pg_trgm GIN indexes let ILIKE '%word%' use an index for words of
three or more characters. SQLite scans, which is fine at the sizes SQLite is used for.

Revision ID: 0006_search_indexes
Revises: 0005_proposal_photos
"""
from alembic import op

revision = '0006_search_indexes'
down_revision = '0005_proposal_photos'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX IF NOT EXISTS ix_proposals_title_trgm ON proposals USING gin (title gin_trgm_ops)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_proposals_body_trgm ON proposals USING gin (body gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_proposals_body_trgm")
    op.execute("DROP INDEX IF EXISTS ix_proposals_title_trgm")
