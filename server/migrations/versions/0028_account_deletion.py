"""Residents may delete their account: who they were is removed, what they did stays, unnamed

``users.deleted_at`` marks such an account (privacy/personal_data.py). Its login becomes an address that reaches
nobody (``deleted-<id>@invalid``), so the rule that every account has a phone or an email still holds.

Revision ID: 0028_account_deletion
Revises: 0027_audit_chain
"""
from alembic import op
import sqlalchemy as sa

revision = '0028_account_deletion'
down_revision = '0027_audit_chain'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('deleted_at')
