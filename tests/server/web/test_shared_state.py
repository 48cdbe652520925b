"""Stateless app servers: with MINYI_REDIS_URL set, every server shares the caches and the rate limits through
Redis; without it each process keeps its own; with Redis away, pages still load and limits still hold."""

import secrets

import pytest

from server.config import ConfigError
from tests.helpers import WebClient


def _redis_app(make_app, url, prefix):
    return make_app(MINYI_REDIS_URL=url, CACHE_REDIS_URL=url, CACHE_KEY_PREFIX=f"test-{prefix}:",
                    RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix, MINYI_THRESHOLD_CACHE_SECONDS=60)


def test_servers_share_what_one_of_them_counted(make_app, redis_url, make_region, make_user):
    import redis

    from voting.supports import verified_residents

    prefix = secrets.token_hex(4)
    first, second = _redis_app(make_app, redis_url, prefix), _redis_app(make_app, redis_url, prefix)
    village = make_region("village")
    make_user("resident", region=village, verified=True)
    with first.app_context():
        assert verified_residents(village.id) == 1
    make_user("resident", region=village, verified=True)
    with second.app_context():
        assert verified_residents(village.id) == 1  # the count the first server made, for its minute
    alone = make_app(MINYI_THRESHOLD_CACHE_SECONDS=60)  # no Redis: its own memory, its own count
    with alone.app_context():
        assert verified_residents(village.id) == 2
    store = redis.Redis.from_url(redis_url)
    keys = store.keys(f"test-{prefix}:*")
    assert keys, "nothing was kept in Redis"
    store.delete(*keys)


def test_pages_load_and_limits_hold_while_redis_is_away(make_app, make_user):
    away = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    app = make_app(MINYI_REDIS_URL=away, MINYI_LOGIN_LIMIT="2 per minute", MINYI_THRESHOLD_CACHE_SECONDS=60)
    client = WebClient(app.test_client())
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["redis"] == "unreachable"
    assert client.get("/proposals").status_code == 200
    statuses = [client.post("/login", {"identifier": "a@example.org", "password": "wrong password"}).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 429]  # counted in memory meanwhile


def test_health_says_redis_is_fine(make_app, redis_url):
    app = make_app(MINYI_REDIS_URL=redis_url, CACHE_REDIS_URL=redis_url)
    assert app.test_client().get("/healthz").get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_a_mistyped_redis_url_stops_the_server_with_a_message(make_app):
    with pytest.raises(ConfigError, match="MINYI_REDIS_URL"):
        make_app(MINYI_REDIS_URL="localhost:6379")
