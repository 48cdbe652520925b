"""Indexes found by the benchmark (docs/performance.md)

- proposals (region_id, id): a village filter, newest first, reads its rows straight from the index.
- users (region_id) for verified residents: counting them for the qualification threshold.
- On PostgreSQL, finer statistics on proposal title and body, so rare search words keep the trigram plan.

Revision ID: 0007_scale_indexes
Revises: 0006_search_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_scale_indexes'
down_revision = '0006_search_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_proposals_region_id_id', 'proposals', ['region_id', 'id'])
    op.create_index('ix_users_verified_residents', 'users', ['region_id'],
                    postgresql_where=sa.text("role = 'resident' AND verified_at IS NOT NULL"),
                    sqlite_where=sa.text("role = 'resident' AND verified_at IS NOT NULL"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE proposals ALTER COLUMN title SET STATISTICS 1000")
        op.execute("ALTER TABLE proposals ALTER COLUMN body SET STATISTICS 1000")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE proposals ALTER COLUMN title SET STATISTICS -1")
        op.execute("ALTER TABLE proposals ALTER COLUMN body SET STATISTICS -1")
    op.drop_index('ix_users_verified_residents', table_name='users')
    op.drop_index('ix_proposals_region_id_id', table_name='proposals')
