"""Similar appeals compared by character trigrams (pg_trgm's) as well as by pairs

``appeals.body_grams`` now holds both sets an appeal is compared by, "pairs | trigrams"
(appeals.grams.stored); every appeal's is worked out again, in batches, with the index that carries them
rebuilt afterwards.

Revision ID: 0026_trigram_likeness
Revises: 0025_jobs
"""
from alembic import op
import sqlalchemy as sa

revision = '0026_trigram_likeness'
down_revision = '0025_jobs'
branch_labels = None
depends_on = None

JOINABLE = "public IS true AND status IN ('submitted', 'accepted', 'in_progress', 'answered')"


def _pairs_only(body):
    """What 0023 stored: the pairs of the first 250 characters, in at most 2,400 bytes."""
    from appeals.grams import pairs

    kept, size = [], 0
    for piece in sorted(pairs((body or "")[:250])):
        size += len(piece.encode()) + 1
        if size > 2400:
            break
        kept.append(piece)
    return " ".join(kept)


def _store_all(made_of):
    bind = op.get_bind()
    appeals = sa.table('appeals', sa.column('id', sa.Integer), sa.column('body', sa.Text),
                       sa.column('body_grams', sa.Text))
    op.drop_index('ix_appeals_joinable', table_name='appeals')
    last = 0
    while True:
        rows = bind.execute(sa.select(appeals.c.id, appeals.c.body).where(appeals.c.id > last)
                            .order_by(appeals.c.id).limit(5000)).all()
        if not rows:
            break
        bind.execute(appeals.update().where(appeals.c.id == sa.bindparam('appeal_id'))
                     .values(body_grams=sa.bindparam('grams')),
                     [{'appeal_id': i, 'grams': made_of(body)} for i, body in rows])
        last = rows[-1][0]
    op.create_index('ix_appeals_joinable', 'appeals', ['region_id', 'created_at'],
                    postgresql_include=['id', 'category_id', 'body_grams'],
                    postgresql_where=sa.text(JOINABLE), sqlite_where=sa.text(JOINABLE))


def upgrade():
    from appeals.grams import stored

    _store_all(stored)


def downgrade():
    _store_all(_pairs_only)
