"""Django's Redis cache, reusing one redis-py client per connection pool, and falling back to
another cache (the database) while Redis cannot be reached.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call, and redis-py 8 fills
about 170 response callbacks in each one: a third of a millisecond per call, on every API
request (the key cache and the throttle). A client is thread-safe and the pool is shared, so
one per pool is enough.

The API's key cache and throttle live in this cache. With Redis down every request would fail,
including reads that need only PostgreSQL; instead each call that cannot reach Redis goes to the
cache named by FALLBACK (a database table, settings.CACHES) and a warning is logged, at most
once a minute per process (/healthz reports Redis as down meanwhile). When Redis is back the
calls go there again: throttle counts start afresh, and an API key revoked during the outage may
stay in Redis's copy for up to api.authentication.KEY_CACHE_SECONDS.
"""

import logging
import time

from django.core.cache import caches
from django.core.cache.backends import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("gvi.cache")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# Logged at most this often per process while Redis is unreachable.
WARN_EVERY_SECONDS = 60


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


def _with_fallback(name):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(RedisCache, self), name)(*args, **kwargs)
        except UNREACHABLE as error:
            if not self._fallback_alias:
                raise
            self._warn(error)
            return getattr(caches[self._fallback_alias], name)(*args, **kwargs)

    method.__name__ = name
    return method


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._fallback_alias = params.get("FALLBACK")
        self._warned_at = None

    def _warn(self, error):
        now = time.monotonic()
        if self._warned_at is None or now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning(
                "Redis cache unreachable (%s); using the %r cache until it answers.", error, self._fallback_alias
            )

    # Every operation Django's RedisCache implements (the others are built on these).
    add = _with_fallback("add")
    get = _with_fallback("get")
    set = _with_fallback("set")
    touch = _with_fallback("touch")
    delete = _with_fallback("delete")
    get_many = _with_fallback("get_many")
    has_key = _with_fallback("has_key")
    incr = _with_fallback("incr")
    set_many = _with_fallback("set_many")
    delete_many = _with_fallback("delete_many")
    clear = _with_fallback("clear")
