"""Voting in person: ballot codes for kiosks, and when voting closed

``budget_ballot_codes`` keeps the one-time codes officials give residents to vote at a kiosk (only a digest of
each, when it was used and by which kiosk ballot, or cancelled). ``budget_cycles.voting_closed_at`` records when
voting closed, so a kiosk ballot cast before it still counts when it arrives later. Going back drops both.

Revision ID: 0044_ballot_codes
Revises: 0042_budget_cycles
"""
import sqlalchemy as sa
from alembic import op

revision = '0044_ballot_codes'
down_revision = '0043_budget_results'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('budget_cycles') as batch:
        batch.add_column(sa.Column('voting_closed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'budget_ballot_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('voter_id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ballot_uuid', sa.String(length=36), nullable=True),
        sa.Column('kiosk_id', sa.Integer(), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['cycle_id'], ['budget_cycles.id'],
                                name=op.f('fk_budget_ballot_codes_cycle_id_budget_cycles'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['voter_id'], ['users.id'], name=op.f('fk_budget_ballot_codes_voter_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'],
                                name=op.f('fk_budget_ballot_codes_issued_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_budget_ballot_codes_kiosk_id_kiosks'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_ballot_codes')),
        sa.UniqueConstraint('digest', name=op.f('uq_budget_ballot_codes_digest')),
        sa.UniqueConstraint('ballot_uuid', name=op.f('uq_budget_ballot_codes_ballot_uuid')),
    )
    op.create_index(op.f('ix_budget_ballot_codes_cycle_id'), 'budget_ballot_codes', ['cycle_id'])
    op.create_index(op.f('ix_budget_ballot_codes_voter_id'), 'budget_ballot_codes', ['voter_id'])


def downgrade():
    op.drop_table('budget_ballot_codes')
    with op.batch_alter_table('budget_cycles') as batch:
        batch.drop_column('voting_closed_at')
