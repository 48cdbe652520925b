"""Appeals get a title, the board a text search; officials may recommend a proposal to the departments that
handle it

Every existing appeal gets the first sentence of its text as its title (appeals.titles.title_from), in batches;
a voice-only appeal, whose text is only a placeholder until an official writes it down, gets a placeholder
title in its language. On PostgreSQL the board's search uses trigram indexes on the title and the text and the
Chinese grams of both (migration 0009's function), as the proposals' search does.

``recommendations`` records an official's recommendation of a qualified proposal to the departments
that may make it a project (projects.recommendations).

Revision ID: 0039_appeal_titles
Revises: 0037_region_outlines
"""
import sqlalchemy as sa
from alembic import op

revision = '0039_appeal_titles'
down_revision = '0037_region_outlines'
branch_labels = None
depends_on = None

#: The title of a voice-only appeal not yet written down, by its language (as appeals.kiosk gives new ones).
SPOKEN = {"en": "A spoken appeal, not yet written down", "zh_Hans": "尚未写成文字的语音诉求"}
SEARCH_INDEXES = {
    "ix_appeals_title_trgm": "appeals USING gin (title gin_trgm_ops)",
    "ix_appeals_body_trgm": "appeals USING gin (body gin_trgm_ops)",
    "ix_appeals_text_grams": "appeals USING gin (minyi_cjk_grams(title, body))",
}


def upgrade():
    from appeals.titles import title_from

    with op.batch_alter_table('appeals') as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=120), nullable=True))
    bind = op.get_bind()
    appeals = sa.table('appeals', sa.column('id', sa.Integer), sa.column('body', sa.Text),
                       sa.column('language', sa.String), sa.column('to_listen', sa.Boolean),
                       sa.column('title', sa.String))
    last = 0
    while True:
        rows = bind.execute(sa.select(appeals.c.id, appeals.c.body, appeals.c.language, appeals.c.to_listen)
                            .where(appeals.c.id > last).order_by(appeals.c.id).limit(5000)).all()
        if not rows:
            break
        bind.execute(appeals.update().where(appeals.c.id == sa.bindparam('appeal_id'))
                     .values(title=sa.bindparam('new_title')),
                     [{'appeal_id': i, 'new_title': SPOKEN.get(language, SPOKEN["zh_Hans"]) if to_listen
                       else (title_from(body) or "…")} for i, body, language, to_listen in rows])
        last = rows[-1][0]
    with op.batch_alter_table('appeals') as batch_op:
        batch_op.alter_column('title', existing_type=sa.String(length=120), nullable=False)
        batch_op.create_index('ix_appeals_answered', ['answered_at', 'id'])
    if bind.dialect.name == "postgresql":
        for name, definition in SEARCH_INDEXES.items():
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")

    op.create_table(
        'recommendations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('official_id', sa.Integer(), nullable=True),
        sa.Column('from_department_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_recommendations_proposal_id_proposals'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['official_id'], ['users.id'],
                                name=op.f('fk_recommendations_official_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['from_department_id'], ['departments.id'],
                                name=op.f('fk_recommendations_from_department_id_departments'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendations')),
        sa.UniqueConstraint('proposal_id', 'official_id',
                            name=op.f('uq_recommendations_proposal_id')),
    )
    with op.batch_alter_table('recommendations') as batch_op:
        batch_op.create_index('ix_recommendations_proposal_id', ['proposal_id'])


def downgrade():
    with op.batch_alter_table('recommendations') as batch_op:
        batch_op.drop_index('ix_recommendations_proposal_id')
    op.drop_table('recommendations')
    if op.get_bind().dialect.name == "postgresql":
        for name in SEARCH_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table('appeals') as batch_op:
        batch_op.drop_index('ix_appeals_answered')
        batch_op.drop_column('title')
