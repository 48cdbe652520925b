"""Regions get an outline (GeoJSON) and a centre, for maps (accounts/geography.py)

Revision ID: 0037_region_outlines
Revises: 0036_password_resets
"""
import sqlalchemy as sa
from alembic import op

revision = '0037_region_outlines'
down_revision = '0036_password_resets'
branch_labels = None
depends_on = None


CHECKS = {
    'centre_whole': '(centre_latitude IS NULL) = (centre_longitude IS NULL)',
    'centre_latitude_range': 'centre_latitude IS NULL OR (centre_latitude BETWEEN -90 AND 90)',
    'centre_longitude_range': 'centre_longitude IS NULL OR (centre_longitude BETWEEN -180 AND 180)',
}


def upgrade():
    # Plain ADD COLUMN: rebuilding `regions` on SQLite would trip the many foreign keys that point at it. SQLite
    # cannot add a check constraint to a table it keeps, so the checks are PostgreSQL's (and new databases').
    op.add_column('regions', sa.Column('outline', sa.Text(), nullable=True))
    op.add_column('regions', sa.Column('centre_latitude', sa.Float(), nullable=True))
    op.add_column('regions', sa.Column('centre_longitude', sa.Float(), nullable=True))
    if op.get_context().dialect.name == 'postgresql':
        for name, condition in CHECKS.items():
            op.create_check_constraint(op.f(f'ck_regions_{name}'), 'regions', condition)


def downgrade():
    if op.get_context().dialect.name == 'postgresql':
        for name in CHECKS:
            op.drop_constraint(op.f(f'ck_regions_{name}'), 'regions', type_='check')
    with op.batch_alter_table('regions', recreate='never') as batch_op:
        batch_op.drop_column('centre_longitude')
        batch_op.drop_column('centre_latitude')
        batch_op.drop_column('outline')
