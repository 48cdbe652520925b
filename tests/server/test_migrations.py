"""The migrations build exactly the schema the models describe, and the database enforces integrity."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from accounts.users import User
from core.db import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        from server.web.database import include_object

        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], "models changed without a migration: run `minyi db migrate -m ...`"


def test_an_official_without_department_is_refused_by_the_database(app):
    db.session.add(User(email="x@example.org", password_hash="x", display_name="x", role="official"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_account_needs_a_phone_or_email_in_the_database(app):
    db.session.add(User(password_hash="x", display_name="x", role="admin"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_foreign_keys_are_enforced(app):
    db.session.add(User(email="y@example.org", password_hash="x", display_name="x", role="admin", region_id=999999))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_upgrade_keeps_existing_data_and_downgrade_undoes_it(scratch_database_url, test_config):
    """A database made by an earlier release upgrades with its rows intact, and every step reverses."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from server import create_app

    app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade(revision="0001_foundation")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, code, level, name_zh, name_en) VALUES (1, 'C', 'county', '县', 'C')"))
            conn.execute(text("INSERT INTO categories (id, code, active, name_zh, name_en) VALUES (1, 'c', true, '类', 'C')"))
            conn.execute(text("INSERT INTO users (id, email, password_hash, display_name, role, active, session_version, "
                              "created_at) VALUES (1, 'a@example.org', 'x', 'A', 'admin', true, 1, '2026-01-01')"))
            conn.execute(text("INSERT INTO proposals (id, title, body, language, category_id, region_id, author_id, "
                              "status, created_at) VALUES (1, 'T', 'B', 'en', 1, 1, 1, 'open', '2026-01-01')"))
            conn.execute(text("INSERT INTO appeals (id, receipt_code, body, language, category_id, region_id, channel, "
                              "public, status, created_at) VALUES (1, 'ABCD-EFGH', 'Well', 'en', 1, 1, 'web', true, "
                              "'submitted', '2026-01-01 08:00:00')"))
        upgrade()
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT title, scope, supports_count, currency FROM proposals")).one()
        assert tuple(row) == ("T", "village", 0, "CNY")
        from appeals.models import Appeal

        appeal = db.session.get(Appeal, 1)  # kept, and due a week after it came in
        assert (appeal.receipt_code, appeal.cosigns_count, appeal.due_at.isoformat()) == (
            "ABCD-EFGH", 0, "2026-01-08T08:00:00+00:00")
        from appeals.grams import stored

        assert appeal.body_grams == stored("Well") == "_we ell ll_ wel | __w _we ell ll_ wel"  # pairs | trigrams
        db.session.remove()
        downgrade(revision="0025_jobs")  # back to pairs alone, and forward again
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT body_grams FROM appeals")).scalar() == "_we ell ll_ wel"
        upgrade()
        assert db.session.get(Appeal, 1).body_grams == stored("Well")
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def test_an_existing_audit_log_is_chained_on_upgrade(scratch_database_url, test_config):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from core.audit import verify
    from server import create_app

    app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade(revision="0026_trigram_likeness")
        with db.engine.begin() as conn:
            for n, (before, after) in enumerate([('{"status": "submitted"}', '{"status": "accepted"}'),
                                                 ('{}', '{"name": "村口水井"}'), ('{"due_at": null}', '{}')]):
                conn.execute(text("INSERT INTO audit_log (action, subject_type, subject_id, before, after, created_at) "
                                  f"VALUES ('appeal.step', 'appeal', {n}, :b, :a, '2026-0{n + 1}-01 08:00:00')"),
                             {"b": before, "a": after})
        upgrade()
        verdict = verify()
        assert (verdict.entries, verdict.head_seq, verdict.problems) == (3, 3, [])
        db.session.remove()
        downgrade(revision="0026_trigram_likeness")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 3
        downgrade(revision="base")
        db.engine.dispose()


def test_password_resets_made_before_keep_their_account_and_go_back(scratch_database_url, test_config):
    """Links and codes made before the worker looked accounts up keep working (they get the address or number of
    their account); going back drops only the requests that found no account."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from server import create_app

    app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with app.app_context():
        upgrade(revision="0040_sign_in_codes")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, email, phone, password_hash, display_name, role, active, "
                              "session_version, failed_logins, created_at) VALUES (1, 'a@example.org', "
                              "'+8613800138000', 'x', 'A', 'resident', true, 1, 0, '2026-01-01')"))
            conn.execute(text("INSERT INTO password_resets (id, user_id, channel, digest, created_at, expires_at, "
                              "code_tries) VALUES (1, 1, 'email', 'd1', '2026-01-02 08:00:00', "
                              "'2026-01-02 08:30:00', 0), (2, 1, 'sms', 'd2', '2026-01-02 09:00:00', "
                              "'2026-01-02 09:10:00', 1)"))
        upgrade()
        with db.engine.begin() as conn:
            rows = conn.execute(text("SELECT id, identifier, user_id, digest, handled_at IS NOT NULL "
                                     "FROM password_resets ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(1, "a@example.org", 1, "d1", True),
                                                (2, "+8613800138000", 1, "d2", True)]
            conn.execute(text("INSERT INTO password_resets (id, channel, identifier, created_at, expires_at, "
                              "code_tries) VALUES (3, 'sms', '+8613900139000', '2026-01-03', '2026-01-03', 0)"))
        db.session.remove()
        downgrade(revision="0040_sign_in_codes")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id, user_id, digest, code_tries FROM password_resets "
                                     "ORDER BY id")).all() == [(1, 1, "d1", 0), (2, 1, "d2", 1)]
        upgrade()
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()
