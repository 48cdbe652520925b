"""Budget open data: a cycle's counting rule, cycles loaded from published .pb files, anonymous ballots

``budget_cycles.rule`` names the rule that decides a cycle's winners (as pabulib names rules; existing cycles get
the Method of Equal Shares with its completion). A cycle loaded from a published ``.pb`` file keeps that file's
META in ``source_meta`` (and is read-only); its projects keep their id in the file and whether the city funded
them (``source_id``, ``source_selected``), and its ballots have no voter: ``budget_ballots.voter_id`` may be empty,
but only on the new ``imported`` channel, so the one-ballot-per-(part, voter) rule still holds for every real
ballot. Going back removes the imported cycles (their ballots cannot be kept without a voter) and the columns.

Revision ID: 0045_budget_open_data
Revises: 0042_budget_cycles
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = '0045_budget_open_data'
down_revision = '0042_budget_cycles'
branch_labels = None
depends_on = None

RULES = "('equalshares', 'equalshares/add1', 'equalshares-comparison', 'equalshares/add1-comparison', 'greedy')"


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Columns added in place: rebuilding budget_cycles on SQLite would delete every part, project and ballot
    # through ON DELETE CASCADE. SQLite adds a check constraint only with its column.
    if sqlite:
        op.execute("ALTER TABLE budget_cycles ADD COLUMN rule VARCHAR(40) DEFAULT 'equalshares/add1' NOT NULL "
                   f"CONSTRAINT ck_budget_cycles_rule_known CHECK (rule IN {RULES})")
    else:
        op.add_column('budget_cycles', sa.Column('rule', sa.String(length=40), server_default='equalshares/add1',
                                                 nullable=False))
        op.create_check_constraint(op.f('ck_budget_cycles_rule_known'), 'budget_cycles', f"rule IN {RULES}")
    op.add_column('budget_cycles', sa.Column('source_meta', sa.JSON(), nullable=True))
    op.add_column('budget_projects', sa.Column('source_id', sa.String(length=100), nullable=True))
    op.add_column('budget_projects', sa.Column('source_selected', sa.Boolean(), nullable=True))
    # budget_ballots must be rebuilt on SQLite (a column becomes nullable): without foreign keys for the while,
    # or dropping the old table would delete every choice through ON DELETE CASCADE.
    with _foreign_keys_off(sqlite), op.batch_alter_table('budget_ballots') as batch_op:
        batch_op.drop_constraint(op.f('ck_budget_ballots_channel_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_budget_ballots_channel_known'),
                                         "channel IN ('web', 'kiosk', 'paper', 'imported')")
        batch_op.alter_column('voter_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_budget_ballots_anonymous_only_imported'),
                                         "(voter_id IS NULL AND channel = 'imported') OR "
                                         "(voter_id IS NOT NULL AND channel <> 'imported')")


@contextmanager
def _foreign_keys_off(sqlite: bool):
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")  # (SQLite's DDL here runs outside a transaction, where it applies)
    try:
        yield
    finally:
        if sqlite:
            op.execute("PRAGMA foreign_keys=ON")


def downgrade():
    # One table at a time, not by cascade: SQLite enforces foreign keys only when asked to.
    parts = "SELECT id FROM budget_parts WHERE cycle_id IN (SELECT id FROM budget_cycles WHERE source_meta IS NOT NULL)"
    op.execute(f"DELETE FROM budget_ballot_choices WHERE ballot_id IN (SELECT id FROM budget_ballots "
               f"WHERE voter_id IS NULL OR part_id IN ({parts}))")
    op.execute(f"DELETE FROM budget_ballots WHERE voter_id IS NULL OR part_id IN ({parts})")
    op.execute(f"DELETE FROM budget_projects WHERE part_id IN ({parts})")
    op.execute(f"DELETE FROM budget_parts WHERE id IN ({parts})")
    op.execute("DELETE FROM budget_cycles WHERE source_meta IS NOT NULL")
    sqlite = op.get_bind().dialect.name == "sqlite"
    with _foreign_keys_off(sqlite), op.batch_alter_table('budget_ballots') as batch_op:
        batch_op.drop_constraint(op.f('ck_budget_ballots_anonymous_only_imported'), type_='check')
        batch_op.alter_column('voter_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(op.f('ck_budget_ballots_channel_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_budget_ballots_channel_known'),
                                         "channel IN ('web', 'kiosk', 'paper')")
    with _foreign_keys_off(sqlite):
        with op.batch_alter_table('budget_projects') as batch_op:
            batch_op.drop_column('source_selected')
            batch_op.drop_column('source_id')
        with op.batch_alter_table('budget_cycles') as batch_op:
            batch_op.drop_constraint(op.f('ck_budget_cycles_rule_known'), type_='check')
            batch_op.drop_column('source_meta')
            batch_op.drop_column('rule')
