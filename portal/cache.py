"""A Redis cache that keeps the portal working when Redis is down (issue 15).

What the portal keeps in the cache is either a counter (rate limits: allauth's sign-in
limits, the API's per-token limits) or a hint (the closure-days version, a double-send
guard). None of it is a record: the database holds those. So when Redis cannot be reached,
each call falls back to this process's own memory instead of failing the request: the rate
limits still count (per process, for the outage), hints go to the database
(``deadlines.closures`` reads the closure days from the database while ``degraded``), and a
warning is logged at most once a minute. Connections time out after a fraction of a second,
so a request never hangs on a dead server; the next call after ``RETRY_SECONDS`` tries Redis
again, and the portal is back on it once it answers.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

#: After a failure, calls go to the local memory this long before Redis is tried again.
RETRY_SECONDS = 5.0
#: At most one warning per this many seconds.
WARN_EVERY_SECONDS = 60.0

_FALLBACK_METHODS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr",
                     "decr", "set_many", "delete_many", "clear", "get_or_set")


def _unavailable_errors():
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, {**params, "OPTIONS": options})
        self._local = LocMemCache(f"fallback-{id(self)}", {"TIMEOUT": params.get("TIMEOUT",
                                                                                  300)})
        self._failed_at = None
        self._warned_at = 0.0
        self.retry_seconds = RETRY_SECONDS

    @property
    def degraded(self) -> bool:
        """Redis failed within the last ``RETRY_SECONDS``: this process is on its own copy."""
        return (self._failed_at is not None
                and time.monotonic() - self._failed_at < self.retry_seconds)

    def _failed(self, error):
        now = time.monotonic()
        self._failed_at = now
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning("The cache (Redis) is unavailable (%s); this process uses its own "
                           "memory until it answers again.", type(error).__name__)

    def _recovered(self):
        if self._failed_at is not None:
            self._failed_at = None
            logger.warning("The cache (Redis) answers again.")


def _resilient(name):
    redis_method = getattr(RedisCache, name)
    local_method = getattr(LocMemCache, name)

    @functools.wraps(redis_method)
    def call(self, *args, **kwargs):
        if self.degraded:
            return local_method(self._local, *args, **kwargs)
        try:
            result = redis_method(self, *args, **kwargs)
        except _unavailable_errors() as error:
            self._failed(error)
            return local_method(self._local, *args, **kwargs)
        self._recovered()
        return result

    return call


for _name in _FALLBACK_METHODS:
    setattr(ResilientRedisCache, _name, _resilient(_name))
