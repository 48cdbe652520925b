"""Configuration: environment variables, development secrets, and production refusing unsafe settings."""

import pytest

from server import create_app
from server.config import ConfigError, database_url


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("MINYI_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def test_development_generates_a_secret_key_once(instance):
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert len(first.config["SECRET_KEY"]) >= 40
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_development_defaults_to_sqlite_in_the_instance_folder(instance):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance}/minyi.sqlite3"


def test_production_refuses_to_start_without_a_secret(instance, monkeypatch):
    monkeypatch.setenv("MINYI_ENV", "production")
    monkeypatch.setenv("MINYI_DATABASE_URL", "postgresql://u@db/minyi")
    with pytest.raises(ConfigError, match="MINYI_SECRET_KEY"):
        create_app()


def test_production_refuses_a_short_secret(instance, monkeypatch):
    monkeypatch.setenv("MINYI_ENV", "production")
    monkeypatch.setenv("MINYI_SECRET_KEY", "short")
    monkeypatch.setenv("MINYI_DATABASE_URL", "postgresql://u@db/minyi")
    with pytest.raises(ConfigError, match="too short"):
        create_app()


def test_production_refuses_sqlite_unless_allowed(instance, monkeypatch):
    monkeypatch.setenv("MINYI_ENV", "production")
    monkeypatch.setenv("MINYI_SECRET_KEY", "x" * 40)
    with pytest.raises(ConfigError, match="SQLite"):
        create_app()
    monkeypatch.setenv("MINYI_ALLOW_SQLITE", "1")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not (instance / "secret_key").exists()


@pytest.mark.parametrize("given, expected", [
    ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:////var/lib/minyi/db.sqlite3", "sqlite:////var/lib/minyi/db.sqlite3"),
])
def test_database_url_from_environment(monkeypatch, given, expected):
    monkeypatch.delenv("MINYI_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", given)
    assert database_url("/tmp") == expected
    monkeypatch.setenv("MINYI_DATABASE_URL", "sqlite:///preferred.db")
    assert database_url("/tmp") == "sqlite:///preferred.db"


def test_cli_reports_a_bad_configuration_clearly(instance, monkeypatch):
    from click.testing import CliRunner

    from server.cli import main

    monkeypatch.setenv("MINYI_ENV", "production")
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code != 0
    assert "MINYI_SECRET_KEY" in result.output


@pytest.mark.parametrize("name, value, message", [
    ("MINYI_LOGIN_LIMIT", "lots", "not a rate limit"),
    ("MINYI_TIMEZONE", "Mars/Base", "not a time zone"),
    ("MINYI_PROXY_COUNT", "one", "whole number"),
    ("MINYI_RATELIMIT_STORAGE_URL", "carrier-pigeon://loft", "unknown scheme"),
    ("MINYI_DATABASE_URL", "mysql://u@h/db", "PostgreSQL"),
    ("MINYI_DEFAULT_LOCALE", "fr", "must be one of"),
    ("MINYI_PAGE_SIZE", "0", "between 1 and 200"),
    ("MINYI_PAGE_SIZE", "twenty", "whole number"),
])
def test_mistyped_settings_stop_the_start_with_a_message(instance, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_the_example_secret_is_refused(instance, monkeypatch):
    monkeypatch.setenv("MINYI_SECRET_KEY", "change-me-to-64-random-characters-from-python-secrets-token-urlsafe")
    with pytest.raises(ConfigError, match="example value"):
        create_app()


def test_domain_rules_come_from_the_environment(instance, monkeypatch):
    monkeypatch.setenv("MINYI_SUPPORT_MINIMUM", "25")
    monkeypatch.setenv("MINYI_SUPPORT_PERCENT", "2.5")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert (app.config["MINYI_SUPPORT_MINIMUM"], app.config["MINYI_SUPPORT_PERCENT"]) == (25, 2.5)
    monkeypatch.setenv("MINYI_FLAGS_TO_HIDE", "three")
    with pytest.raises(ConfigError, match="MINYI_FLAGS_TO_HIDE must be a whole number"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
