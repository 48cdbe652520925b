"""The cache every app server shares: Redis when MINYI_REDIS_URL is set, this process's memory otherwise.

It lives here, beside ``db``, so the domain packages use it without importing the web layer. What is cached
is always safe to recount (counts that change slowly, answers to "is this search word rare?"): when Redis is
away, the value is counted again and the page still loads."""

import logging

from flask_caching import Cache

log = logging.getLogger(__name__)

cache = Cache()


def remembered(key: str, seconds: float, compute):
    """``compute()``, reused for ``seconds`` by every worker of every server (not kept when ``seconds`` is 0)."""
    if seconds <= 0:
        return compute()
    try:
        found = cache.get(key)
    except Exception as error:  # noqa: BLE001  (Redis down or a value it cannot read back: count again)
        log.warning("cache unavailable, counting %s again: %s", key, error)
        return compute()
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(key, value, timeout=max(1, round(seconds)))
    except Exception as error:  # noqa: BLE001
        log.warning("cache unavailable, %s not kept: %s", key, error)
    return value
