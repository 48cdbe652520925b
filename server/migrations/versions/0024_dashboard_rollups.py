"""Dashboard roll-ups: counts per day, department and township, and histograms of times to the first answer

Kept current by appeals.rollups in the same transaction as each change to an appeal or a rating; this
migration counts them once from the appeals there are.

Revision ID: 0024_dashboard_rollups
Revises: 0023_appeal_similarity
"""
from alembic import op
import sqlalchemy as sa

revision = '0024_dashboard_rollups'
down_revision = '0023_appeal_similarity'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appeal_rollups',
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('township_id', sa.Integer(), autoincrement=False, nullable=False),
                    *[sa.Column(name, sa.Integer(), nullable=False) for name in (
                        'appeals', 'answered', 'answered_late', 'resolved', 'reopened', 'ratings', 'rating_sum')],
                    sa.PrimaryKeyConstraint('day', 'department_id', 'township_id', name=op.f('pk_appeal_rollups')))
    op.create_table('appeal_response_times',
                    sa.Column('month', sa.String(length=7), nullable=False),
                    sa.Column('dimension', sa.String(length=10), nullable=False),
                    sa.Column('key_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('bucket', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.Column('seconds_sum', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('month', 'dimension', 'key_id', 'bucket',
                                            name=op.f('pk_appeal_response_times')))
    # Stored figures were counted from the appeals; the next reader counts them from the roll-ups.
    op.execute("DELETE FROM dashboard_snapshots")
    from appeals.rollups import rebuild_with

    rebuild_with(op.get_bind())


def downgrade():
    op.drop_table('appeal_response_times')
    op.drop_table('appeal_rollups')
