"""Revision tokens for data every process keeps in memory (the region tree)

Revision ID: 0008_revisions
Revises: 0007_scale_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_revisions'
down_revision = '0007_scale_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'revisions',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_revisions')),
    )


def downgrade():
    op.drop_table('revisions')
