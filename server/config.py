"""Configuration from environment variables, with safe defaults for development.

Every setting is documented in the README. Tests inject their own mapping into
``create_app``; nothing here runs at import time."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from core.rules import DEFAULTS as RULES


class ConfigError(RuntimeError):
    """The server must not start with this configuration; the message says why."""


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}.") from None


def database_url(instance_path: str) -> str:
    url = os.environ.get("MINYI_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "minyi.sqlite3")
    return _driver(url)


def _driver(url: str) -> str:
    """Heroku-style URLs and plain "postgresql://" both mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _development_secret(instance_path: str) -> str:
    """A random key kept in the instance folder, so sessions survive restarts in development."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """Read MINYI_* variables into Flask config keys."""
    production = os.environ.get("MINYI_ENV", "development").strip().lower() == "production"
    config = {
        "MINYI_ENV": "production" if production else "development",
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SECRET_KEY": os.environ.get("MINYI_SECRET_KEY") or None,
        "MINYI_ALLOW_SQLITE": _flag("MINYI_ALLOW_SQLITE"),
        # A streaming replica of the database, for anonymous reading (server.read_from_replica).
        "MINYI_DATABASE_REPLICA_URL": os.environ.get("MINYI_DATABASE_REPLICA_URL", "").strip() or None,
        "MINYI_CENSUS_KEY": os.environ.get("MINYI_CENSUS_KEY") or None,
        "MINYI_PHONE_REGION": os.environ.get("MINYI_PHONE_REGION", "CN"),
        "MINYI_LOGIN_LIMIT": os.environ.get("MINYI_LOGIN_LIMIT", "10 per minute;100 per day"),
        "MINYI_ACCOUNT_LOGIN_LIMIT": os.environ.get("MINYI_ACCOUNT_LOGIN_LIMIT", "20 per hour"),
        "MINYI_CENSUS_LIMIT": os.environ.get("MINYI_CENSUS_LIMIT", "5 per hour"),
        "MINYI_RESET_LIMIT": os.environ.get("MINYI_RESET_LIMIT", "10 per hour;30 per day"),
        "MINYI_ACCOUNT_RESET_LIMIT": os.environ.get("MINYI_ACCOUNT_RESET_LIMIT", "3 per hour;6 per day"),
        # What one account (or address, or kiosk) may write (server/web/limits.py).
        "MINYI_POSTING_LIMIT": os.environ.get("MINYI_POSTING_LIMIT", "20 per hour;100 per day"),
        "MINYI_POSTING_ADDRESS_LIMIT": os.environ.get("MINYI_POSTING_ADDRESS_LIMIT", "300 per hour"),
        "MINYI_BACKING_LIMIT": os.environ.get("MINYI_BACKING_LIMIT", "120 per hour;1000 per day"),
        "MINYI_RECEIPT_LIMIT": os.environ.get("MINYI_RECEIPT_LIMIT", "30 per hour"),
        "MINYI_KIOSK_UPLOAD_LIMIT": os.environ.get("MINYI_KIOSK_UPLOAD_LIMIT", "3000 per day"),
        # Redis, when given, holds what every app server must share: rate limits and caches (core.cache).
        "MINYI_REDIS_URL": os.environ.get("MINYI_REDIS_URL", "").strip() or None,
        "RATELIMIT_STORAGE_URI": os.environ.get("MINYI_RATELIMIT_STORAGE_URL", "").strip() or None,
        # ... and the job queue (core/jobs.py): its name there, so several sites may share one Redis.
        "MINYI_JOB_QUEUE": os.environ.get("MINYI_JOB_QUEUE", "").strip() or "minyi",
        "BABEL_DEFAULT_LOCALE": os.environ.get("MINYI_DEFAULT_LOCALE", "zh_Hans"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("MINYI_TIMEZONE", "Asia/Shanghai"),
        "MINYI_LOG_LEVEL": os.environ.get("MINYI_LOG_LEVEL", "INFO").upper(),
        "MINYI_PROXY_COUNT": _int("MINYI_PROXY_COUNT", 0),
        "MINYI_SMTP_HOST": os.environ.get("MINYI_SMTP_HOST", "").strip() or None,
        "MINYI_SMTP_PORT": _int("MINYI_SMTP_PORT", 25),
        "MINYI_SMTP_USER": os.environ.get("MINYI_SMTP_USER") or None,
        "MINYI_SMTP_PASSWORD": os.environ.get("MINYI_SMTP_PASSWORD") or None,
        "MINYI_SMTP_STARTTLS": _flag("MINYI_SMTP_STARTTLS", default=False),
        "MINYI_MAIL_FROM": os.environ.get("MINYI_MAIL_FROM", "minyi@localhost"),
        # An SMS centre (SMPP 3.4) for telling residents of answers by SMS (server/worker/texting.py).
        "MINYI_SMPP_HOST": os.environ.get("MINYI_SMPP_HOST", "").strip() or None,
        "MINYI_SMPP_PORT": _int("MINYI_SMPP_PORT", 2775),
        "MINYI_SMPP_SYSTEM_ID": os.environ.get("MINYI_SMPP_SYSTEM_ID") or None,
        "MINYI_SMPP_PASSWORD": os.environ.get("MINYI_SMPP_PASSWORD") or None,
        "MINYI_SMPP_SYSTEM_TYPE": os.environ.get("MINYI_SMPP_SYSTEM_TYPE") or None,
        "MINYI_SMPP_SOURCE": os.environ.get("MINYI_SMPP_SOURCE", "").strip() or None,
        "MINYI_SMPP_BIND": os.environ.get("MINYI_SMPP_BIND", "transmitter").strip().lower(),
        "MINYI_SMPP_TIMEOUT": _int("MINYI_SMPP_TIMEOUT", 10),
        "MINYI_BASE_URL": os.environ.get("MINYI_BASE_URL", "").strip() or None,
        # Short pages: quick on the slow mobile networks of villages (and to render; docs/performance.md).
        "MINYI_PAGE_SIZE": _int("MINYI_PAGE_SIZE", 20),
        # Maps: tile URL templates ({s} {z} {x} {y}; several, space-separated, are drawn one over the other), or
        # Tianditu with a key; neither: region outlines and points on a plain background (see README).
        "MINYI_MAP_TILES": os.environ.get("MINYI_MAP_TILES", "").strip() or None,
        "MINYI_MAP_SUBDOMAINS": os.environ.get("MINYI_MAP_SUBDOMAINS", "").strip() or None,
        "MINYI_MAP_ATTRIBUTION": os.environ.get("MINYI_MAP_ATTRIBUTION", "").strip() or None,
        "MINYI_MAP_MAX_ZOOM": _int("MINYI_MAP_MAX_ZOOM", 18),
        "MINYI_TIANDITU_KEY": os.environ.get("MINYI_TIANDITU_KEY", "").strip() or None,
        "MINYI_UPLOAD_PATH": os.environ.get("MINYI_UPLOAD_PATH", "").strip() or None,
        # Uploads in S3-compatible object storage (s3://bucket/prefix) instead of MINYI_UPLOAD_PATH.
        "MINYI_STORAGE_URL": os.environ.get("MINYI_STORAGE_URL", "").strip() or None,
        "MINYI_S3_ENDPOINT_URL": os.environ.get("MINYI_S3_ENDPOINT_URL", "").strip() or None,
        "MINYI_S3_REGION": os.environ.get("MINYI_S3_REGION", "").strip() or None,
        "SESSION_COOKIE_SECURE": _flag("MINYI_SECURE_COOKIES", default=production),
        "REMEMBER_COOKIE_SECURE": _flag("MINYI_SECURE_COOKIES", default=production),
        "MINYI_FORCE_HTTPS": _flag("MINYI_FORCE_HTTPS", default=False),
    }
    config.update(_rules_from_environment())
    return config


def _rules_from_environment() -> dict:
    """Domain rules (core/rules.py): each may be set by the environment variable of the same name."""
    found = {}
    for name, default in RULES.items():
        raw = os.environ.get(name, "").strip()
        if not raw:
            continue
        try:
            found[name] = type(default)(raw)
        except ValueError:
            kind = {int: "whole number", float: "number"}.get(type(default), "value")
            raise ConfigError(f"{name} must be a {kind}, not {raw!r}.") from None
    return found


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
    "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "RATELIMIT_HEADERS_ENABLED": True,
    "MINYI_LANGUAGES": ("zh_Hans", "en"),
}


def _check_values(config: dict) -> None:
    """Catch mistyped settings at start, with a message, instead of at the first request."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from limits import parse_many
    from limits.storage import SCHEMES

    for name in ("MINYI_LOGIN_LIMIT", "MINYI_ACCOUNT_LOGIN_LIMIT", "MINYI_CENSUS_LIMIT", "MINYI_RESET_LIMIT",
                 "MINYI_ACCOUNT_RESET_LIMIT", "MINYI_POSTING_LIMIT",
                 "MINYI_POSTING_ADDRESS_LIMIT", "MINYI_BACKING_LIMIT", "MINYI_RECEIPT_LIMIT",
                 "MINYI_KIOSK_UPLOAD_LIMIT"):
        try:
            parse_many(config[name])
        except (ValueError, TypeError):
            raise ConfigError(f"{name}={config[name]!r} is not a rate limit such as '10 per minute;100 per day'.") \
                from None
    try:
        ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"MINYI_TIMEZONE={config['BABEL_DEFAULT_TIMEZONE']!r} is not a time zone "
                          "such as 'Asia/Shanghai'.") from None
    if not 1 <= config["MINYI_PAGE_SIZE"] <= 200:
        raise ConfigError(f"MINYI_PAGE_SIZE must be between 1 and 200, not {config['MINYI_PAGE_SIZE']}.")
    if config.get("MINYI_SMPP_BIND", "transmitter") not in ("transmitter", "transceiver"):
        raise ConfigError("MINYI_SMPP_BIND must be transmitter or transceiver.")
    if len(config.get("MINYI_SMPP_SYSTEM_ID") or "") > 15 or len(config.get("MINYI_SMPP_PASSWORD") or "") > 8:
        raise ConfigError("MINYI_SMPP_SYSTEM_ID has at most 15 characters and MINYI_SMPP_PASSWORD at most 8 (SMPP 3.4).")
    if config["BABEL_DEFAULT_LOCALE"] not in config["MINYI_LANGUAGES"]:
        raise ConfigError(f"MINYI_DEFAULT_LOCALE must be one of {', '.join(config['MINYI_LANGUAGES'])}.")
    scheme = (config.get("RATELIMIT_STORAGE_URI") or "memory://").split(":", 1)[0]
    if scheme not in SCHEMES:
        raise ConfigError(f"MINYI_RATELIMIT_STORAGE_URL: unknown scheme {scheme!r} (use memory:// or redis://...).")
    redis = config.get("MINYI_REDIS_URL")
    if redis and not redis.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("MINYI_REDIS_URL must be a Redis URL such as redis://127.0.0.1:6379/0.")
    storage = config.get("MINYI_STORAGE_URL")
    if storage and (not storage.startswith("s3://") or not storage.removeprefix("s3://").split("/")[0]):
        raise ConfigError("MINYI_STORAGE_URL must name a bucket, such as s3://minyi-uploads/production.")
    uri = config["SQLALCHEMY_DATABASE_URI"] or ""
    if not uri.startswith(("sqlite:", "postgresql")):
        raise ConfigError("MINYI_DATABASE_URL must be a PostgreSQL (postgresql://...) or SQLite (sqlite:///...) URL.")


def finalize(config: dict, instance_path: str) -> None:
    """Fill derived values and refuse unsafe production settings."""
    production = config.get("MINYI_ENV") == "production"
    _check_values(config)
    if "change-me" in (config.get("SECRET_KEY") or "").lower():
        raise ConfigError("MINYI_SECRET_KEY is still the example value: set a long random string.")
    if not config.get("SECRET_KEY"):
        if production:
            raise ConfigError("MINYI_ENV=production needs MINYI_SECRET_KEY (a long random string).")
        config["SECRET_KEY"] = _development_secret(instance_path)
    elif production and len(config["SECRET_KEY"]) < 32:
        raise ConfigError("MINYI_SECRET_KEY is too short for production: use at least 32 random characters.")
    _shared_state(config)
    replica = config.get("MINYI_DATABASE_REPLICA_URL")
    if replica:
        if not _driver(replica).startswith(("sqlite:", "postgresql")):
            raise ConfigError("MINYI_DATABASE_REPLICA_URL must be a PostgreSQL URL (postgresql://...).")
        config["SQLALCHEMY_BINDS"] = {**(config.get("SQLALCHEMY_BINDS") or {}),
                                      "replica": {"url": _driver(replica), "pool_pre_ping": True}}
        if _driver(replica).startswith("postgresql"):  # a replica gone silent is given up on in seconds
            config["SQLALCHEMY_BINDS"]["replica"]["connect_args"] = {
                "connect_timeout": 3, "tcp_user_timeout": 10_000, "keepalives": 1, "keepalives_idle": 10,
                "keepalives_interval": 5, "keepalives_count": 2}
    uri = config.get("SQLALCHEMY_DATABASE_URI", "")
    if production and uri.startswith("sqlite") and not config.get("MINYI_ALLOW_SQLITE"):
        raise ConfigError("MINYI_ENV=production on SQLite is refused: set MINYI_DATABASE_URL to PostgreSQL "
                          "(or MINYI_ALLOW_SQLITE=1 for a single-machine trial).")
    # A pooled connection is tried before use (and every one older than a dead one set aside): after the database
    # restarted, no connection it closed is handed to a request. Kept when other engine options are given too.
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_pre_ping", True)
    if uri.startswith("sqlite"):
        # SQLite allows one writer at a time; wait for the lock instead of failing at once.
        options.setdefault("connect_args", {"timeout": 30})
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    # The census key is separate from the session key so the secret key can be rotated.
    if not config.get("MINYI_CENSUS_KEY"):
        config["MINYI_CENSUS_KEY"] = "census:" + config["SECRET_KEY"]


def _shared_state(config: dict) -> None:
    """Rate limits and caches in Redis when MINYI_REDIS_URL is set, in each process's memory otherwise."""
    redis = config.get("MINYI_REDIS_URL")
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = redis or "memory://"
    if redis:
        # Redis away: limits are counted in memory meanwhile rather than failing every request, and no request
        # waits more than a second for it (not the minutes TCP takes to give up on a host that went silent).
        quick = {"socket_timeout": 1, "socket_connect_timeout": 1}
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", quick)
        config.setdefault("CACHE_TYPE", "RedisCache")
        config.setdefault("CACHE_REDIS_URL", redis)
        config.setdefault("CACHE_OPTIONS", quick)
    else:
        config.setdefault("CACHE_TYPE", "SimpleCache")
    config.setdefault("CACHE_KEY_PREFIX", "minyi:")
    config.setdefault("CACHE_DEFAULT_TIMEOUT", 300)
