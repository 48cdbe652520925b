"""Similar appeals compared from an index: each appeal's grams stored beside its body

``appeals.body_grams`` holds the grams an appeal is compared by (appeals.grams.stored), so suggesting
similar appeals reads them from ``ix_appeals_joinable`` (the joinable appeals of a village, newest first,
with their grams on PostgreSQL) instead of working them out again for every appeal of the township.

Revision ID: 0023_appeal_similarity
Revises: 0022_project_photo_alt
"""
from alembic import op
import sqlalchemy as sa

revision = '0023_appeal_similarity'
down_revision = '0022_project_photo_alt'
branch_labels = None
depends_on = None

JOINABLE = "public IS true AND status IN ('submitted', 'accepted', 'in_progress', 'answered')"


def upgrade():
    from appeals.grams import stored

    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_grams', sa.Text(), nullable=False, server_default=''))
    bind = op.get_bind()
    appeals = sa.table('appeals', sa.column('id', sa.Integer), sa.column('body', sa.Text),
                       sa.column('body_grams', sa.Text))
    last = 0
    while True:
        rows = bind.execute(sa.select(appeals.c.id, appeals.c.body).where(appeals.c.id > last)
                            .order_by(appeals.c.id).limit(5000)).all()
        if not rows:
            break
        bind.execute(appeals.update().where(appeals.c.id == sa.bindparam('appeal_id'))
                     .values(body_grams=sa.bindparam('grams')),
                     [{'appeal_id': i, 'grams': stored(body)} for i, body in rows])
        last = rows[-1][0]
    op.create_index('ix_appeals_joinable', 'appeals', ['region_id', 'created_at'],
                    postgresql_include=['id', 'category_id', 'body_grams'],
                    postgresql_where=sa.text(JOINABLE), sqlite_where=sa.text(JOINABLE))


def downgrade():
    op.drop_index('ix_appeals_joinable', table_name='appeals')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_column('body_grams')
