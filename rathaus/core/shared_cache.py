"""What every web process shares: the cache's Redis server, when the cache is Redis."""

from __future__ import annotations

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

_clients: dict[str, redis.Redis] = {}


def redis_client() -> redis.Redis | None:
    """Return a client of the cache's Redis server, or None when the cache is not Redis.

    For atomic counting (``INCR``), which Django's cache API does not promise: the database
    cache's ``incr`` is a read and a write.
    """
    if not isinstance(caches["default"], RedisCache):
        return None
    location = settings.CACHES["default"]["LOCATION"]
    url = location[0] if isinstance(location, list | tuple) else str(location).split(",")[0]
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url)
    return client
