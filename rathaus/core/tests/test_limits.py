"""Rate limits count atomically, in one place for every process, and forget old windows."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.test import override_settings

from rathaus.core import limits
from rathaus.core.models import RateCount
from rathaus.core.shared_cache import redis_client


def count_concurrently(threads: int = 8, each: int = 25, *, database: bool = True) -> list[int]:
    start = threading.Barrier(threads)

    def run(_: int) -> list[int]:
        try:
            start.wait()
            return [limits.count(scope="test", key="198.51.100.7", window=900)
                    for _ in range(each)]
        finally:
            if database:
                connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        counted = [n for taken in pool.map(run, range(threads)) for n in taken]
    if database:
        close_old_connections()
    return counted


@pytest.mark.django_db(transaction=True)
def test_concurrent_counts_in_the_database_are_never_lost() -> None:
    counted = count_concurrently()
    assert sorted(counted) == list(range(1, 201)), "every attempt got its own number"
    assert RateCount.objects.get().count == 200


@pytest.mark.django_db(transaction=True)
def test_postgresql_concurrent_counts_are_never_lost(postgres: None) -> None:
    counted = count_concurrently(threads=16)
    assert sorted(counted) == list(range(1, 401))


@pytest.mark.django_db
def test_the_limit_refuses_past_it_and_nothing_in_clear_is_stored() -> None:
    answers = [limits.hit(scope="test", key="erika@example.org", limit=3, window=900)
               for _ in range(5)]
    assert answers == [True, True, True, False, False]
    assert limits.hit(scope="test", key="max@example.org", limit=3, window=900)
    keys = list(RateCount.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert not any("example" in key for key in keys)


@pytest.mark.django_db
def test_rows_of_ended_windows_are_deleted_when_a_new_one_starts() -> None:
    limits.hit(scope="test", key="a", limit=3, window=60)
    limits.hit(scope="test", key="b", limit=3, window=60)
    later = time.time() + 120
    with mock.patch("rathaus.core.limits.time.time", return_value=later), \
            mock.patch("django.utils.timezone.now",
                       return_value=dt.datetime.fromtimestamp(later, tz=dt.UTC)):
        assert limits.hit(scope="test", key="a", limit=3, window=60)
    assert RateCount.objects.count() == 1, "the old windows of a and b are gone"


@pytest.fixture
def redis_cache() -> Iterator[None]:
    url = os.environ.get("RATHAUS_TEST_REDIS_URL")
    if not url:
        message = "NEEDS REDIS: set RATHAUS_TEST_REDIS_URL (CI does) to test counting in Redis"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with override_settings(CACHES={"default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}):
        cache.clear()
        yield
        client = redis_client()
        assert client is not None
        for key in client.scan_iter("rathaus:limit:*"):
            client.delete(key)
        cache.clear()


@pytest.mark.django_db
def test_with_redis_concurrent_counts_are_never_lost_and_expire(redis_cache: None) -> None:
    counted = count_concurrently(database=False)
    assert sorted(counted) == list(range(1, 201))
    assert not RateCount.objects.exists(), "Redis counts, not the database"
    client = redis_client()
    assert client is not None
    keys = list(client.scan_iter("rathaus:limit:*"))
    assert len(keys) == 1
    assert 0 < int(client.ttl(keys[0])) <= 900
