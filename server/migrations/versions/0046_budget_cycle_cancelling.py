"""Budget cycles can be cancelled, with a public reason

A cycle gets a sixth state, ``cancelled``, outside the path collecting → … → finished, and two columns:
``cancelled_at`` and ``cancel_reason`` (a check keeps a cancelled cycle from having no reason). The ballots of a
cancelled cycle stay where they are; they are simply never counted. Going back refuses while any cycle is
cancelled: the older schema has no way to say so, and calling such a cycle finished would be untrue.

Revision ID: 0046_budget_cycle_cancelling
Revises: 0042_budget_cycles
"""
import sqlalchemy as sa
from alembic import op

revision = '0046_budget_cycle_cancelling'
down_revision = '0045_budget_open_data'
branch_labels = None
depends_on = None

OLD_PHASES = "phase IN ('collecting', 'reviewing', 'voting', 'counting', 'finished')"
NEW_PHASES = "phase IN ('collecting', 'reviewing', 'voting', 'counting', 'finished', 'cancelled')"


def upgrade():
    with op.batch_alter_table('budget_cycles') as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f('ck_budget_cycles_phase_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_budget_cycles_phase_known'), NEW_PHASES)
        batch_op.create_check_constraint(op.f('ck_budget_cycles_cancellation_reasoned'),
                                         "phase <> 'cancelled' OR cancel_reason IS NOT NULL")


def downgrade():
    if op.get_bind().execute(sa.text("SELECT count(*) FROM budget_cycles WHERE phase = 'cancelled'")).scalar():
        raise RuntimeError("Some budget cycles are cancelled; the schema before 0046 cannot say so. "
                           "Delete them first if going back is really meant.")
    with op.batch_alter_table('budget_cycles') as batch_op:
        batch_op.drop_constraint(op.f('ck_budget_cycles_cancellation_reasoned'), type_='check')
        batch_op.drop_constraint(op.f('ck_budget_cycles_phase_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_budget_cycles_phase_known'), OLD_PHASES)
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_at')
