"""Rate limits in the cache: how often one address or one client may do something per window.

A fixed window per key is enough to stop someone flooding an inbox or the outgoing mail; it is
not an accounting system. With Redis (REDIS_URL) the counts are shared by every web process;
with the per-process memory cache each process counts on its own.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.utils.crypto import salted_hmac


def hit(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one attempt for ``key``; return False when it is over ``limit`` in this window.

    ``key`` is hashed with the site secret, so cache keys never hold an e-mail or IP address
    in clear, nor one that could be guessed back.
    """
    bucket = int(time.time()) // window
    digest = salted_hmac("rathaus.core.limits", f"{scope}:{key}",
                         algorithm="sha256").hexdigest()[:32]
    cache_key = f"limit:{scope}:{digest}:{bucket}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    return count <= limit
