"""Announcements: what many people are to be told, told by the notify job a batch at a time

Revision ID: 0031_announcements
Revises: 0030_kiosk_clock_skew
"""
from alembic import op
import sqlalchemy as sa

revision = '0031_announcements'
down_revision = '0030_kiosk_clock_skew'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'announcements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('recipients', sa.JSON(), nullable=False),
        sa.Column('told', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements')),
    )


def downgrade():
    op.drop_table('announcements')
