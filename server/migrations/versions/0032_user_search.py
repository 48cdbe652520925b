"""Indexes for finding people by name, email or phone on PostgreSQL (core/search.py)

The administrators' list of users and the officials' list of residents search these columns for any part of
them. At 100,000 accounts a scan of the table took 80-125 ms; trigram indexes serve words of three characters
or more, and the Chinese grams of the name and the email address (migration 0009's function) serve a one- or
two-character word such as a surname (phone numbers hold no Chinese).

Revision ID: 0032_user_search
Revises: 0031_announcements
"""
from alembic import op

revision = '0032_user_search'
down_revision = '0031_announcements'
branch_labels = None
depends_on = None

INDEXES = {
    "ix_users_display_name_trgm": "users USING gin (display_name gin_trgm_ops)",
    "ix_users_email_trgm": "users USING gin (email gin_trgm_ops)",
    "ix_users_phone_trgm": "users USING gin (phone gin_trgm_ops)",
    "ix_users_name_grams": "users USING gin (minyi_cjk_grams(display_name, ''))",
    "ix_users_email_grams": "users USING gin (minyi_cjk_grams(email, ''))",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
