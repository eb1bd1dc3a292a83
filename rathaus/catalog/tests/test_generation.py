"""The catalog generation keys the page cache; losing it from the cache must not go back."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import override_settings

from rathaus.catalog.selectors import bump_catalog_generation, catalog_generation
from rathaus.settings import base

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_cache() -> Iterator[None]:
    """The embedded default: the cache every process shares is the database's."""
    assert base.REDIS_URL == ""
    with override_settings(CACHES=base.CACHES):
        cache.clear()
        yield
        cache.clear()


def test_a_dropped_catalog_generation_comes_back_newer(database_cache: None) -> None:
    before = catalog_generation()
    bump_catalog_generation()
    bumped = catalog_generation()
    assert bumped == before + 1
    time.sleep(0.01)  # publications are rarer than one per millisecond
    cache.clear()  # a full cache culled the key
    assert catalog_generation() > bumped, "no page of an older catalog counts as current"
