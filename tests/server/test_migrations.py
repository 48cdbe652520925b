"""The migrations build exactly the schema the models describe, and the database enforces integrity."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from accounts.db import db
from accounts.users import User


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
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
