"""Password resets asked for are looked up by the worker (accounts/recovery.py)

A request for a new password now records the email address or mobile number it was asked for, whether an account
has it or not, and the worker looks the account up: so ``identifier``, ``locale`` and ``handled_at`` are new, and
``user_id`` and ``digest`` stay empty for a request with no account (as sign_in_codes, 0040). Rows made before were
looked up when they were asked for: each gets the address or number of its account and is marked handled then.
Going back removes the requests that found no account, which the old table cannot hold.

Revision ID: 0041_password_resets_by_worker
Revises: 0040_sign_in_codes
"""
import sqlalchemy as sa
from alembic import op

revision = '0041_password_resets_by_worker'
down_revision = '0040_sign_in_codes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('password_resets') as batch_op:
        batch_op.add_column(sa.Column('identifier', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE password_resets SET handled_at = created_at, identifier = COALESCE(("
               "SELECT CASE WHEN password_resets.channel = 'email' THEN users.email ELSE users.phone END "
               "FROM users WHERE users.id = password_resets.user_id), '')")
    with op.batch_alter_table('password_resets') as batch_op:
        batch_op.alter_column('identifier', existing_type=sa.String(length=254), nullable=False)
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('digest', existing_type=sa.String(length=64), nullable=True)
        batch_op.create_check_constraint(op.f('ck_password_resets_reset_has_account'),
                                         'digest IS NULL OR user_id IS NOT NULL')
        batch_op.create_index('ix_password_resets_identifier', ['identifier'])


def downgrade():
    op.execute("DELETE FROM password_resets WHERE user_id IS NULL OR digest IS NULL")
    with op.batch_alter_table('password_resets') as batch_op:
        batch_op.drop_index('ix_password_resets_identifier')
        batch_op.drop_constraint(op.f('ck_password_resets_reset_has_account'), type_='check')
        batch_op.alter_column('digest', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('handled_at')
        batch_op.drop_column('locale')
        batch_op.drop_column('identifier')
