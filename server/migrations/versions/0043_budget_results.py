"""Budget results: each cycle's counting rule, the counted results per part, and the project a winner became

``budget_cycles`` gets ``rule`` (how its votes are counted; cycles opened before count by the Method of Equal
Shares with completion) and ``count_error`` (what a failed count said, for officials). ``budget_results`` keeps
each part's counted result with its explanations and the greedy outcome beside it, and ``budget_winner_projects``
which project each winner became. Going back drops them.

Revision ID: 0043_budget_results
Revises: 0042_budget_cycles
"""
import sqlalchemy as sa
from alembic import op

revision = '0043_budget_results'
down_revision = '0042_budget_cycles'
branch_labels = None
depends_on = None


def upgrade():
    # Added in place (no batch rebuild: on SQLite dropping the old table would delete every part, project and
    # ballot of every cycle through ON DELETE CASCADE).
    if op.get_bind().dialect.name == "sqlite":  # which adds a constraint only with its column
        op.execute("ALTER TABLE budget_cycles ADD COLUMN rule VARCHAR(24) DEFAULT 'equalshares/add1' NOT NULL "
                   "CONSTRAINT ck_budget_cycles_rule_known CHECK (rule IN ('equalshares/add1', 'greedy'))")
    else:
        op.add_column('budget_cycles', sa.Column('rule', sa.String(length=24), server_default='equalshares/add1',
                                                 nullable=False))
        op.create_check_constraint('rule_known', 'budget_cycles', "rule IN ('equalshares/add1', 'greedy')")
    op.add_column('budget_cycles', sa.Column('count_error', sa.Text(), nullable=True))
    op.create_table(
        'budget_results',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('part_id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=24), nullable=False),
        sa.Column('outcome', sa.JSON(), nullable=False),
        sa.Column('greedy', sa.JSON(), nullable=False),
        sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['part_id'], ['budget_parts.id'],
                                name=op.f('fk_budget_results_part_id_budget_parts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_results')),
        sa.UniqueConstraint('part_id', name=op.f('uq_budget_results_part_id')),
    )
    op.create_table(
        'budget_winner_projects',
        sa.Column('budget_project_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['budget_project_id'], ['budget_projects.id'],
                                name=op.f('fk_budget_winner_projects_budget_project_id_budget_projects'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_budget_winner_projects_project_id_projects'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('budget_project_id', name=op.f('pk_budget_winner_projects')),
        sa.UniqueConstraint('project_id', name=op.f('uq_budget_winner_projects_project_id')),
    )


def downgrade():
    op.drop_table('budget_winner_projects')
    op.drop_table('budget_results')
    # In a batch: on SQLite, once a later migration has rebuilt the table, the check is the table's, and SQLite
    # drops no column a table's check names (the rebuild is safe: env.py turns foreign keys off while migrating).
    with op.batch_alter_table('budget_cycles') as batch_op:
        batch_op.drop_constraint(op.f('ck_budget_cycles_rule_known'), type_='check')
        batch_op.drop_column('count_error')
        batch_op.drop_column('rule')
