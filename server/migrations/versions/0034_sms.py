"""Answers by SMS: the outbox of text messages (core/sms.py), and the resident's yes or no to them

Revision ID: 0034_sms
Revises: 0033_voice_only_appeals
"""
import sqlalchemy as sa
from alembic import op

revision = '0034_sms'
down_revision = '0033_voice_only_appeals'
branch_labels = None
depends_on = None


def upgrade():
    # Appeals given a phone number before now were given it "for the answer": an SMS is what they asked for.
    with op.batch_alter_table('appeals') as batch_op:
        batch_op.add_column(sa.Column('sms_ok', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        'outgoing_sms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('locale', sa.String(length=10), nullable=False),
        sa.Column('appeal_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('parts', sa.Integer(), nullable=True),
        sa.Column('parts_sent', sa.Integer(), nullable=False),
        sa.Column('message_ids', sa.JSON(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('waiting', 'sending', 'sent', 'failed')", name=op.f('ck_outgoing_sms_state_known')),
        sa.CheckConstraint('parts_sent >= 0', name=op.f('ck_outgoing_sms_parts_sent_not_negative')),
        sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_outgoing_sms_appeal_id_appeals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_sms')),
    )
    with op.batch_alter_table('outgoing_sms') as batch_op:
        batch_op.create_index('ix_outgoing_sms_appeal_id', ['appeal_id'])
        batch_op.create_index('ix_outgoing_sms_state_id', ['state', 'id'])


def downgrade():
    with op.batch_alter_table('outgoing_sms') as batch_op:
        batch_op.drop_index('ix_outgoing_sms_state_id')
        batch_op.drop_index('ix_outgoing_sms_appeal_id')
    op.drop_table('outgoing_sms')
    with op.batch_alter_table('appeals') as batch_op:
        batch_op.drop_column('sms_ok')
