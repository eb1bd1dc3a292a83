"""Without Redis the cache every process sees is the database's; migrate creates its table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from rathaus.core.models import CACHE_TABLE
from rathaus.settings import base

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_cache() -> Iterator[None]:
    assert base.REDIS_URL == "", "the embedded default is what is tested here"
    with override_settings(CACHES=base.CACHES):
        cache.clear()
        yield
        cache.clear()


def test_the_embedded_default_caches_in_the_table_migrate_created(database_cache: None) -> None:
    assert base.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert base.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert CACHE_TABLE in connection.introspection.table_names()
    cache.set("page:1:de:home", "<html>", 60)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {CACHE_TABLE}")  # noqa: S608
        assert cursor.fetchone()[0] == 1
    assert cache.get("page:1:de:home") == "<html>"

