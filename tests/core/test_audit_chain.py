"""The audit log of official actions is tamper-evident: each entry carries a hash chained to the one before,
and `minyi audit verify` finds any entry edited, removed or slipped in, even the last ones."""

import pytest
from sqlalchemy import select, text

from core.audit import AuditEntry
from core.db import db
from server.commands.data import audit_verify_command
from tests.helpers import at_once


@pytest.fixture
def handled(make_appeal, make_user):
    """Three appeals an official has accepted, answered and resolved: nine entries in the log."""
    from appeals import workflow

    appeals = [make_appeal() for _ in range(3)]
    for appeal in appeals:
        official = make_user("official", department=appeal.department)
        workflow.accept_appeal(appeal, actor=official)
        workflow.answer_appeal(appeal, actor=official, body="The pump is being repaired this week.")
        workflow.resolve_appeal(appeal, actor=official)
    db.session.commit()
    return appeals


def verify(app):
    return app.test_cli_runner().invoke(audit_verify_command)


def entries():
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()


def test_an_untouched_log_verifies(app, handled):
    log = entries()
    assert [entry.seq for entry in log] == list(range(1, len(log) + 1)) and len(log) >= 9
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert f"{len(log)} entries" in result.output and log[-1].hash in result.output  # the head, to note down


def test_an_edited_entry_is_found(app, handled):
    target = entries()[4]
    with db.engine.begin() as conn:  # someone with the database's password rewrites history
        conn.execute(text("UPDATE audit_log SET action = 'appeal.note' WHERE id = :id"), {"id": target.id})
    result = verify(app)
    assert result.exit_code == 1
    assert f"entry {target.seq} (id {target.id}) was changed" in result.output


def test_a_removed_entry_is_found(app, handled):
    target = entries()[2]
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": target.id})
    result = verify(app)
    assert result.exit_code == 1 and f"entry {target.seq} is missing" in result.output


def test_removing_the_last_entries_is_found(app, handled):
    log = entries()
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq > :seq"), {"seq": log[-3].seq})
    result = verify(app)
    assert result.exit_code == 1 and f"entries after {log[-3].seq} are missing" in result.output


def test_an_entry_slipped_in_is_found(app, handled):
    log = entries()
    with db.engine.begin() as conn:  # a forged entry, with the next number and its own hash
        conn.execute(text("UPDATE audit_log SET seq = seq + 1000 WHERE seq > 4"))  # make room for it
        conn.execute(text("UPDATE audit_log SET seq = seq - 999 WHERE seq > 1000"))
        conn.execute(text("INSERT INTO audit_log (seq, hash, action, subject_type, subject_id, before, after, "
                          "created_at) VALUES (5, :hash, 'appeal.resolve', 'appeal', 1, '{}', '{}', "
                          "'2026-01-01 00:00:00')"), {"hash": log[4].hash})
    result = verify(app)
    assert result.exit_code == 1 and "entry 5" in result.output


def test_officials_acting_at_once_keep_one_unbroken_chain(app, make_appeal, make_user):
    """Entries written by concurrent transactions are chained one after the other, never to the same
    predecessor (on PostgreSQL each waits for the other's commit)."""
    from appeals import workflow

    appeals = [make_appeal() for _ in range(6)]
    officials = [make_user("official", department=appeal.department) for appeal in appeals]
    db.session.commit()
    pairs = [(appeal.id, official.id) for appeal, official in zip(appeals, officials, strict=True)]

    def accept(pair):
        from accounts.users import User
        from appeals.models import Appeal

        appeal, official = db.session.get(Appeal, pair[0]), db.session.get(User, pair[1])
        workflow.accept_appeal(appeal, actor=official)
        workflow.start_work(appeal, actor=official)
        db.session.commit()

    assert at_once(app, accept, pairs) == [None] * len(pairs)
    db.session.expire_all()
    assert len(entries()) == 12
    result = verify(app)
    assert result.exit_code == 0, result.output


def test_an_entry_written_around_the_app_is_found(app, handled):
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (action, subject_type, subject_id, before, after, created_at) "
                          "VALUES ('appeal.resolve', 'appeal', 1, '{}', '{}', '2026-01-01 00:00:00')"))
        forged = conn.execute(text("SELECT max(id) FROM audit_log")).scalar()
    result = verify(app)
    assert result.exit_code == 1 and f"entry id {forged} is not in the chain" in result.output


def test_a_step_undone_in_a_savepoint_leaves_no_entry_and_the_chain_whole(app, make_appeal, make_user):
    from appeals import workflow

    kept, undone = make_appeal(), make_appeal()
    official = make_user("official", department=kept.department)
    other = make_user("official", department=undone.department)
    for appeal, who, keep in ((kept, official, True), (undone, other, False)):
        savepoint = db.session.begin_nested()
        workflow.accept_appeal(appeal, actor=who)
        db.session.flush()
        savepoint.commit() if keep else savepoint.rollback()
    db.session.commit()
    assert [(e.seq, e.subject_id) for e in entries()] == [(1, kept.id)]
    assert verify(app).exit_code == 0


def test_verify_while_officials_act_finds_nothing_wrong(app, handled, make_appeal, make_user, monkeypatch):
    """An official's step committed while verify walks the chain is past the end it began with: no alarm."""
    import threading

    from appeals import workflow
    from core import audit

    appeal = make_appeal()
    official = make_user("official", department=appeal.department)
    db.session.commit()
    ids, real_head, calls = (appeal.id, official.id), audit._head, []

    def head_then_an_official_acts():
        found = real_head()
        if not calls:  # just after verify has read where the chain ends
            def act():
                from accounts.users import User
                from appeals.models import Appeal

                with app.app_context():
                    workflow.accept_appeal(db.session.get(Appeal, ids[0]), actor=db.session.get(User, ids[1]))
                    db.session.commit()
                    db.session.remove()

            worker = threading.Thread(target=act)
            worker.start()
            worker.join()
        calls.append(found)
        return found

    monkeypatch.setattr(audit, "_head", head_then_an_official_acts)
    verdict = audit.verify(batch=2)
    assert verdict.problems == [] and verdict.entries == len(entries()) - 1
    monkeypatch.undo()
    assert verify(app).exit_code == 0


def test_an_entry_added_past_the_end_is_found(app, handled):
    last = entries()[-1]
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (seq, hash, action, subject_type, subject_id, before, after, "
                          "created_at) VALUES (:seq, :hash, 'appeal.resolve', 'appeal', 1, '{}', '{}', "
                          "'2026-01-01 00:00:00')"), {"seq": last.seq + 1, "hash": last.hash})
    result = verify(app)
    assert result.exit_code == 1 and f"entries after the end of the chain (up to {last.seq + 1})" in result.output
