"""A tamper-evident audit log: every entry numbered and hashed, chained to the one before

Existing entries are numbered and chained in the order they were written (by id); ``audit_head`` keeps the
end of the chain (core/audit.py).

Revision ID: 0027_audit_chain
Revises: 0026_trigram_likeness
"""
from alembic import op
import sqlalchemy as sa

revision = '0027_audit_chain'
down_revision = '0026_trigram_likeness'
branch_labels = None
depends_on = None


def upgrade():
    from core.audit import GENESIS, AuditEntry, entry_hash

    op.create_table('audit_head',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('seq', sa.Integer(), nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head')))
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    bind, table = op.get_bind(), AuditEntry.__table__  # the model's columns read times and JSON as the app does
    columns = [table.c[name] for name in ("id", "actor_id", "action", "subject_type", "subject_id", "before",
                                          "after", "created_at")]
    seq, previous, last = 0, GENESIS, 0
    while True:
        rows = bind.execute(sa.select(*columns).where(table.c.id > last).order_by(table.c.id).limit(5000)).all()
        if not rows:
            break
        changes = []
        for row in rows:
            seq += 1
            previous = entry_hash(previous, _Row({**row._mapping, "seq": seq}))
            changes.append({"entry_id": row.id, "seq": seq, "hash": previous})
        bind.execute(sa.update(table).where(table.c.id == sa.bindparam("entry_id"))
                     .values(seq=sa.bindparam("seq"), hash=sa.bindparam("hash")), changes)
        last = rows[-1].id
    bind.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :seq, :hash)"),
                 {"seq": seq, "hash": previous})
    with op.batch_alter_table('audit_log', schema=None) as batch_op:  # NULL only until a transaction commits
        batch_op.create_unique_constraint(batch_op.f('uq_audit_log_seq'), ['seq'])


class _Row:
    def __init__(self, values):
        self.__dict__.update(values)


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_log_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('seq')
    op.drop_table('audit_head')
