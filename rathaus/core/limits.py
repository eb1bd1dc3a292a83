"""Rate limits: how often one address or one client may do something per window.

A fixed window per key is enough to stop someone flooding an inbox or the outgoing mail; it is
not an accounting system. Every web process counts into the same place, atomically: Redis
``INCR`` when the cache is Redis (``REDIS_URL``), otherwise one ``INSERT … ON CONFLICT DO
UPDATE … RETURNING`` on a row of ``core.RateCount``. The counts are not kept in the cache
itself: a cache may drop entries when it is full, and a flood of cache entries must not reset
anyone's limit.
"""

from __future__ import annotations

import datetime as dt
import functools
import time

from django.db import connection
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import RateCount
from .shared_cache import redis_client


def hit(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one attempt for ``key``; return False when it is over ``limit`` in this window.

    ``key`` is hashed with the site secret, so neither Redis nor the database holds an e-mail
    or IP address in clear, nor one that could be guessed back.
    """
    return count(scope=scope, key=key, window=window) <= limit


def count(*, scope: str, key: str, window: int) -> int:
    """Count one attempt for ``key`` and return how many there were in this window."""
    bucket = int(time.time()) // window
    digest = salted_hmac("rathaus.core.limits", f"{scope}:{key}:{window}",
                         algorithm="sha256").hexdigest()[:40]
    name = f"{scope[:24]}:{digest}:{bucket}"
    client = redis_client()
    if client is not None:
        redis_key = f"rathaus:limit:{name}"
        with client.pipeline() as pipe:  # MULTI … EXEC: the expiry is never left unset
            pipe.incr(redis_key)
            pipe.expire(redis_key, window)
            counted, _ = pipe.execute()
        return int(counted)
    ends = dt.datetime.fromtimestamp((bucket + 1) * window, tz=dt.UTC)
    return _count_in_database(name[:80], ends)


@functools.cache
def _upsert_sql() -> str:
    q = connection.ops.quote_name
    table = q(RateCount._meta.db_table)
    key, counted, expires = q("key"), q("count"), q("expires_at")
    # Only quoted names go into the text; the values are parameters.
    return (f"INSERT INTO {table} ({key}, {counted}, {expires}) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT ({key}) DO UPDATE SET {counted} = {table}.{counted} + 1 "
            f"RETURNING {counted}")


def _count_in_database(key: str, ends: dt.datetime) -> int:
    # One statement: concurrent processes wait on the row's lock (SQLite: the write lock), so
    # no two of them read the same count.
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), [key, connection.ops.adapt_datetimefield_value(ends)])
        counted = int(cursor.fetchone()[0])
    if counted == 1:
        # A key's first count in a window: rows of windows that have ended can go.
        RateCount.objects.filter(expires_at__lt=timezone.now()).delete()
    return counted
