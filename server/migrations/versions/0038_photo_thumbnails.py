"""The home page and the cards: an index for the appeals answered recently (appeals.queries.recently_answered).
Photos' thumbnails need no column: they are files named after their photo (core/photos.py), made on demand for
photos stored before them.

Revision ID: 0038_photo_thumbnails
Revises: 0036_password_resets
"""
from alembic import op

revision = '0038_photo_thumbnails'
down_revision = '0036_password_resets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_appeals_answered_at', 'appeals', ['answered_at'])


def downgrade():
    op.drop_index('ix_appeals_answered_at', table_name='appeals')
