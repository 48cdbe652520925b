"""How far a kiosk's clock is off, from its last heartbeat

Revision ID: 0030_kiosk_clock_skew
Revises: 0029_account_lockout
"""
from alembic import op
import sqlalchemy as sa

revision = '0030_kiosk_clock_skew'
down_revision = '0029_account_lockout'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('kiosks', sa.Column('clock_skew_seconds', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('kiosks', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('clock_skew_seconds')
