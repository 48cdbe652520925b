"""Logging in by phone with a one-time code by SMS (accounts/code_sign_in.py)

Revision ID: 0040_sign_in_codes
Revises: 0039_appeal_titles
"""
import sqlalchemy as sa
from alembic import op

revision = '0040_sign_in_codes'
down_revision = '0039_appeal_titles'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=False),
        sa.Column('locale', sa.String(length=10), nullable=True),
        sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('code_tries', sa.Integer(), server_default='0', nullable=False),
        sa.CheckConstraint('code_tries >= 0', name=op.f('ck_sign_in_codes_code_tries_not_negative')),
        sa.CheckConstraint('digest IS NULL OR user_id IS NOT NULL', name=op.f('ck_sign_in_codes_code_has_account')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_in_codes_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_codes')),
    )
    with op.batch_alter_table('sign_in_codes') as batch_op:
        batch_op.create_index('ix_sign_in_codes_phone', ['phone'])
        batch_op.create_index('ix_sign_in_codes_user_id', ['user_id'])


def downgrade():
    with op.batch_alter_table('sign_in_codes') as batch_op:
        batch_op.drop_index('ix_sign_in_codes_user_id')
        batch_op.drop_index('ix_sign_in_codes_phone')
    op.drop_table('sign_in_codes')
