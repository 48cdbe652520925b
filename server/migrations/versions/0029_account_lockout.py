"""Accounts locked for a while after too many wrong passwords in a row

Revision ID: 0029_account_lockout
Revises: 0028_account_deletion
"""
from alembic import op
import sqlalchemy as sa

revision = '0029_account_lockout'
down_revision = '0028_account_deletion'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('users', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
