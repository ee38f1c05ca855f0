"""The Redis cache backend (config.cache): one client per pool, and it behaves as Django's."""

from django.conf import settings
from django.core.cache import caches

from tests.conftest import skip_or_fail


def test_the_redis_cache_reuses_its_client_and_works():
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        skip_or_fail("needs Redis (set REDIS_URL)")
    cache = caches["default"]
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    cache.set("gvi:test:cache", {"a": [1, 2]}, 30)
    assert cache.get("gvi:test:cache") == {"a": [1, 2]}
    assert cache.add("gvi:test:cache", "other", 30) is False
    assert cache.add("gvi:test:counter", 1, 30) is True
    assert cache.incr("gvi:test:counter") == 2
    cache.delete_many(["gvi:test:cache", "gvi:test:counter"])
    assert cache.get("gvi:test:cache") is None
