"""Jobs: the queue kept in the database when no Redis is configured, and the index of WAV recordings

Revision ID: 0025_jobs
Revises: 0024_dashboard_rollups
"""
from alembic import op
import sqlalchemy as sa


revision = '0025_jobs'
down_revision = '0024_dashboard_rollups'
branch_labels = None
depends_on = None

WAV_SQL = "audio_file LIKE '%.wav'"


def upgrade():
    op.create_table('jobs',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=40), nullable=False),
                    sa.Column('key', sa.String(length=80), nullable=False),
                    sa.Column('state', sa.String(length=10), nullable=False),
                    sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('attempts', sa.Integer(), nullable=False),
                    sa.Column('again', sa.Boolean(), nullable=False),
                    sa.Column('claimed_by', sa.String(length=80), nullable=True),
                    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
                    sa.Column('last_error', sa.Text(), nullable=True),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.CheckConstraint("state IN ('queued', 'running', 'failed')", name=op.f('ck_jobs_state')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
                    sa.UniqueConstraint('name', 'key', name=op.f('uq_jobs_name')))
    op.create_index('ix_jobs_due', 'jobs', ['state', 'run_after'], unique=False)
    op.create_index('ix_appeals_wav', 'appeals', ['created_at'], unique=False,
                    postgresql_where=sa.text(WAV_SQL), sqlite_where=sa.text(WAV_SQL))


def downgrade():
    op.drop_index('ix_appeals_wav', table_name='appeals')
    op.drop_index('ix_jobs_due', table_name='jobs')
    op.drop_table('jobs')
