"""Voice-only appeals: a kiosk's recording sent as the appeal, to be listened to and written down by an official

Revision ID: 0033_voice_only_appeals
Revises: 0032_user_search
"""
import sqlalchemy as sa
from alembic import op

revision = '0033_voice_only_appeals'
down_revision = '0032_user_search'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appeals') as batch_op:
        batch_op.add_column(sa.Column('to_listen', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_appeals_to_listen', ['to_listen'])


def downgrade():
    with op.batch_alter_table('appeals') as batch_op:
        batch_op.drop_index('ix_appeals_to_listen')
        batch_op.drop_column('to_listen')
