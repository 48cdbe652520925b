"""Budget cycles: parts per area, costed projects, and ballots (one per resident and part)

Participatory budgeting gets its tables: ``budget_cycles`` (a region's money, its phase, its ballot style and
dates), ``budget_parts`` (the money per area), ``budget_projects`` (entered or submitted, then reviewed) and
``budget_ballots`` with ``budget_ballot_choices``. The unique (part, voter) constraint is the rule that a resident
has one ballot per part, whichever channel records it. Going back drops them.

Revision ID: 0042_budget_cycles
Revises: 0041_password_resets_by_worker
"""
import sqlalchemy as sa
from alembic import op

revision = '0042_budget_cycles'
down_revision = '0041_password_resets_by_worker'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'budget_cycles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('total_minor', sa.BigInteger(), nullable=False),
        sa.Column('phase', sa.String(length=16), nullable=False),
        sa.Column('ballot_style', sa.String(length=16), nullable=False),
        sa.Column('max_choices', sa.Integer(), nullable=True),
        sa.Column('collecting_until', sa.Date(), nullable=False),
        sa.Column('reviewing_until', sa.Date(), nullable=False),
        sa.Column('voting_until', sa.Date(), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("phase IN ('collecting', 'reviewing', 'voting', 'counting', 'finished')",
                           name=op.f('ck_budget_cycles_phase_known')),
        sa.CheckConstraint("ballot_style IN ('spending_limit', 'up_to_k', 'both')",
                           name=op.f('ck_budget_cycles_ballot_style_known')),
        sa.CheckConstraint('total_minor > 0', name=op.f('ck_budget_cycles_total_positive')),
        sa.CheckConstraint("ballot_style = 'spending_limit' OR (max_choices IS NOT NULL AND max_choices > 0)",
                           name=op.f('ck_budget_cycles_max_choices_given')),
        sa.CheckConstraint('collecting_until <= reviewing_until AND reviewing_until <= voting_until',
                           name=op.f('ck_budget_cycles_dates_in_order')),
        sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_budget_cycles_opened_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_budget_cycles_region_id_regions'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_cycles')),
    )
    op.create_index(op.f('ix_budget_cycles_region_id'), 'budget_cycles', ['region_id'])
    op.create_table(
        'budget_parts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('amount_minor > 0', name=op.f('ck_budget_parts_amount_positive')),
        sa.ForeignKeyConstraint(['cycle_id'], ['budget_cycles.id'],
                                name=op.f('fk_budget_parts_cycle_id_budget_cycles'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_budget_parts_region_id_regions'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_parts')),
        sa.UniqueConstraint('cycle_id', 'region_id', name='uq_budget_parts_cycle_region'),
    )
    op.create_index(op.f('ix_budget_parts_cycle_id'), 'budget_parts', ['cycle_id'])
    op.create_table(
        'budget_projects',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('part_id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('cost_minor', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('review_reason', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('proposed', 'feasible', 'rejected')",
                           name=op.f('ck_budget_projects_status_known')),
        sa.CheckConstraint('cost_minor > 0', name=op.f('ck_budget_projects_cost_positive')),
        sa.CheckConstraint("status <> 'rejected' OR review_reason IS NOT NULL",
                           name=op.f('ck_budget_projects_rejection_reasoned')),
        sa.ForeignKeyConstraint(['part_id'], ['budget_parts.id'],
                                name=op.f('fk_budget_projects_part_id_budget_parts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_budget_projects_proposal_id_proposals'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'],
                                name=op.f('fk_budget_projects_submitted_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_projects')),
        sa.UniqueConstraint('part_id', 'proposal_id', name='uq_budget_projects_part_proposal'),
    )
    op.create_index(op.f('ix_budget_projects_part_id'), 'budget_projects', ['part_id'])
    op.create_table(
        'budget_ballots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('part_id', sa.Integer(), nullable=False),
        sa.Column('voter_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('web', 'kiosk', 'paper')", name=op.f('ck_budget_ballots_channel_known')),
        sa.ForeignKeyConstraint(['part_id'], ['budget_parts.id'],
                                name=op.f('fk_budget_ballots_part_id_budget_parts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['voter_id'], ['users.id'], name=op.f('fk_budget_ballots_voter_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_ballots')),
        sa.UniqueConstraint('part_id', 'voter_id', name='uq_budget_ballots_part_voter'),
    )
    op.create_index(op.f('ix_budget_ballots_part_id'), 'budget_ballots', ['part_id'])
    op.create_index(op.f('ix_budget_ballots_voter_id'), 'budget_ballots', ['voter_id'])
    op.create_table(
        'budget_ballot_choices',
        sa.Column('ballot_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['ballot_id'], ['budget_ballots.id'],
                                name=op.f('fk_budget_ballot_choices_ballot_id_budget_ballots'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['project_id'], ['budget_projects.id'],
                                name=op.f('fk_budget_ballot_choices_project_id_budget_projects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ballot_id', 'project_id', name=op.f('pk_budget_ballot_choices')),
    )
    op.create_index(op.f('ix_budget_ballot_choices_project_id'), 'budget_ballot_choices', ['project_id'])


def downgrade():
    op.drop_table('budget_ballot_choices')
    op.drop_table('budget_ballots')
    op.drop_table('budget_projects')
    op.drop_table('budget_parts')
    op.drop_table('budget_cycles')
