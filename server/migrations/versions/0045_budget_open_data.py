"""Budget open data: cycles loaded from published .pb files, anonymous ballots

A cycle loaded from a published ``.pb`` file keeps that file's
META in ``source_meta`` (and is read-only); its projects keep their id in the file and whether the city funded
them (``source_id``, ``source_selected``), and its ballots have no voter: ``budget_ballots.voter_id`` may be empty,
but only on the new ``imported`` channel, so the one-ballot-per-(part, voter) rule still holds for every real
ballot. Going back removes the imported cycles (their ballots cannot be kept without a voter) and the columns.

Revision ID: 0045_budget_open_data
Revises: 0044_ballot_codes
"""
import sqlalchemy as sa
from alembic import op

revision = '0045_budget_open_data'
down_revision = '0044_ballot_codes'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('budget_cycles', sa.Column('source_meta', sa.JSON(), nullable=True))
    op.add_column('budget_projects', sa.Column('source_id', sa.String(length=100), nullable=True))
    op.add_column('budget_projects', sa.Column('source_selected', sa.Boolean(), nullable=True))
    # budget_ballots is rebuilt on SQLite (a column becomes nullable); env.py keeps foreign keys off meanwhile, so
    # dropping the old table takes no choice with it.
    with op.batch_alter_table('budget_ballots') as batch_op:
        batch_op.drop_constraint(op.f('ck_budget_ballots_channel_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_budget_ballots_channel_known'),
                                         "channel IN ('web', 'kiosk', 'paper', 'imported')")
        batch_op.alter_column('voter_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_budget_ballots_anonymous_only_imported'),
                                         "(voter_id IS NULL AND channel = 'imported') OR "
                                         "(voter_id IS NOT NULL AND channel <> 'imported')")


def downgrade():
    # One table at a time, not by cascade: foreign keys are off while migrating on SQLite.
    parts = "SELECT id FROM budget_parts WHERE cycle_id IN (SELECT id FROM budget_cycles WHERE source_meta IS NOT NULL)"
    op.execute(f"DELETE FROM budget_results WHERE part_id IN ({parts})")
    op.execute(f"DELETE FROM budget_ballot_choices WHERE ballot_id IN (SELECT id FROM budget_ballots "
               f"WHERE voter_id IS NULL OR part_id IN ({parts}))")
    op.execute(f"DELETE FROM budget_ballots WHERE voter_id IS NULL OR part_id IN ({parts})")
    op.execute(f"DELETE FROM budget_projects WHERE part_id IN ({parts})")
    op.execute(f"DELETE FROM budget_parts WHERE id IN ({parts})")
    op.execute("DELETE FROM budget_cycles WHERE source_meta IS NOT NULL")
    with op.batch_alter_table('budget_ballots') as batch_op:
        batch_op.drop_constraint(op.f('ck_budget_ballots_anonymous_only_imported'), type_='check')
        batch_op.alter_column('voter_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(op.f('ck_budget_ballots_channel_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_budget_ballots_channel_known'),
                                         "channel IN ('web', 'kiosk', 'paper')")
    with op.batch_alter_table('budget_projects') as batch_op:
        batch_op.drop_column('source_selected')
        batch_op.drop_column('source_id')
    with op.batch_alter_table('budget_cycles') as batch_op:
        batch_op.drop_column('source_meta')
