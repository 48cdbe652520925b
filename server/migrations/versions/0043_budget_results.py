"""Budget results: each cycle's counting rule, the counted results per part, and the project a winner became

``budget_cycles`` gets ``rule`` (how its votes are counted; cycles opened before count by the Method of Equal
Shares with completion) and ``count_error`` (what a failed count said, for officials). ``budget_results`` keeps
each part's counted result with its explanations and the greedy outcome beside it. ``budget_projects.project_id``
links a winner to the project it became. Going back drops them.

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
    with op.batch_alter_table('budget_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule', sa.String(length=24), server_default='equalshares/add1',
                                      nullable=False))
        batch_op.add_column(sa.Column('count_error', sa.Text(), nullable=True))
        batch_op.create_check_constraint('rule_known', "rule IN ('equalshares/add1', 'greedy')")
    with op.batch_alter_table('budget_projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_budget_projects_project_id'), ['project_id'])
        batch_op.create_foreign_key(batch_op.f('fk_budget_projects_project_id_projects'), 'projects',
                                    ['project_id'], ['id'], ondelete='SET NULL')
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


def downgrade():
    op.drop_table('budget_results')
    with op.batch_alter_table('budget_projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_budget_projects_project_id_projects'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_budget_projects_project_id'), type_='unique')
        batch_op.drop_column('project_id')
    with op.batch_alter_table('budget_cycles', schema=None) as batch_op:
        batch_op.drop_constraint('rule_known', type_='check')
        batch_op.drop_column('count_error')
        batch_op.drop_column('rule')
