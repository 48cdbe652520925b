"""Password recovery: links by email and codes by SMS to choose a new password (accounts/recovery.py)

Revision ID: 0036_password_resets
Revises: 0035_spoken_answers
"""
import sqlalchemy as sa
from alembic import op

revision = '0036_password_resets'
down_revision = '0035_spoken_answers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'password_resets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('code_tries', sa.Integer(), server_default='0', nullable=False),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_password_resets_channel_known')),
        sa.CheckConstraint('code_tries >= 0', name=op.f('ck_password_resets_code_tries_not_negative')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    )
    with op.batch_alter_table('password_resets') as batch_op:
        batch_op.create_index('ix_password_resets_user_id', ['user_id'])
        batch_op.create_index('ix_password_resets_digest', ['digest'])


def downgrade():
    with op.batch_alter_table('password_resets') as batch_op:
        batch_op.drop_index('ix_password_resets_digest')
        batch_op.drop_index('ix_password_resets_user_id')
    op.drop_table('password_resets')
