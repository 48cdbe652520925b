"""The deployment examples stay true: every setting they use is one Minyi reads and the README explains, and
each example environment starts a production app configured the way its comments say."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_FILES = [ROOT / "deploy/minyi.env.example", *sorted((ROOT / "deploy/multi-machine").glob("*.env"))]


def settings(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if re.match(r"^[A-Z_]+=", line))
    return {name: value for name, value in pairs}


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda path: path.name)
def test_every_setting_in_the_examples_is_documented(path):
    readme = (ROOT / "README.md").read_text()
    undocumented = [name for name in settings(path) if name.startswith("MINYI_") and f"`{name}`" not in readme]
    assert undocumented == []


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda path: path.name)
def test_each_example_environment_starts_a_production_app(path, monkeypatch, tmp_path):
    from server import create_app

    for name, value in settings(path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MINYI_SECRET_KEY", "x" * 48)
    monkeypatch.setenv("MINYI_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["MINYI_ENV"] == "production" and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    if path.parent.name == "multi-machine":  # nothing kept on the machine itself
        assert app.config["MINYI_REDIS_URL"] and app.config["CACHE_TYPE"] == "RedisCache"
        assert app.config["MINYI_STORAGE_URL"].startswith("s3://")
    if path.name == "app.env":
        assert "replica" in app.config["SQLALCHEMY_BINDS"]


def test_health_checks_answer_over_plain_http_on_the_internal_address(monkeypatch, tmp_path, test_config, _migrated,
                                                                      redis_url):
    """The multi-machine README points monitoring at http://10.0.0.11:5000/healthz; MINYI_FORCE_HTTPS=1 there
    sends every visitor to HTTPS, but not the health check."""
    from server import create_app

    for name, value in settings(ROOT / "deploy/multi-machine/app.env").items():
        monkeypatch.setenv(name, value)
    database = test_config["SQLALCHEMY_DATABASE_URI"]
    for name, value in {"MINYI_SECRET_KEY": "x" * 48, "MINYI_INSTANCE_PATH": str(tmp_path),
                        "MINYI_DATABASE_URL": database, "MINYI_DATABASE_REPLICA_URL": database,
                        "MINYI_REDIS_URL": redis_url, "MINYI_ALLOW_SQLITE": "1"}.items():  # on both databases
        monkeypatch.setenv(name, value)
    app = create_app()
    assert app.config["MINYI_FORCE_HTTPS"]
    client = app.test_client()
    internal = "http://10.0.0.11:5000"
    response = client.get("/healthz", base_url=internal)
    assert response.status_code == 200, response.headers.get("Location")
    assert response.is_json and {**response.get_json(), "replica_lag_seconds": None} == {
        "status": "ok", "database": "ok", "replica": "ok", "replica_lag_seconds": None, "redis": "ok"}
    visitor = client.get("/", base_url=internal)
    assert visitor.status_code in (301, 302) and visitor.headers["Location"].startswith("https://")
