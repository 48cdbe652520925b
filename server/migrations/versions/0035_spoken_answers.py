"""Spoken answers: an official's answer may carry a recording of it in their own voice

Revision ID: 0035_spoken_answers
Revises: 0034_sms
"""
import sqlalchemy as sa
from alembic import op

revision = '0035_spoken_answers'
down_revision = '0034_sms'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appeal_events') as batch_op:
        batch_op.add_column(sa.Column('audio_file', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('audio_seconds', sa.Float(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_appeal_events_audio_file'), ['audio_file'])


def downgrade():
    with op.batch_alter_table('appeal_events') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_appeal_events_audio_file'), type_='unique')
        batch_op.drop_column('audio_seconds')
        batch_op.drop_column('audio_file')
