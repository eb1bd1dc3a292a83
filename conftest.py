"""Fixtures shared by every test: the shipped catalog, PostgreSQL gating, PDF text."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from rathaus.catalog.loader import LoadedCatalog, load_directory
from rathaus.catalog.services import publish_catalog


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    from rathaus.appointments.places import forget_slots
    from rathaus.appointments.tokens import forget_tokens
    from rathaus.catalog.services import view_counter

    cache.clear()
    view_counter.reset()
    forget_tokens()
    forget_slots()
    yield
    cache.clear()
    view_counter.reset()
    forget_tokens()
    forget_slots()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # A test that switches to English (a request, translation.override) must not decide the
    # language of the next one; under pytest-xdist the order of tests differs from run to run.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def admin_client(client: Any, admin_user: Any) -> Any:
    """pytest-django's admin browser, signed in with the second factor the admin site requires."""
    from rathaus.staff.tests.factories import sign_in_verified

    sign_in_verified(client, admin_user)
    return client


_LOADED: dict[tuple[str, tuple[tuple[str, int, int], ...]], LoadedCatalog] = {}


def shipped_catalog(directory: Path) -> LoadedCatalog:
    """The validated definitions of ``directory``, read once per test run.

    Reading and validating fifty files takes longer than publishing them; the result is not
    changed by publishing, so every test publishes the same one. A file changed meanwhile
    (a test writing definitions) is read again.
    """
    files = tuple(sorted((path.name, path.stat().st_mtime_ns, path.stat().st_size)
                         for path in directory.glob("*.yaml")))
    key = (str(directory), files)
    if key not in _LOADED:
        _LOADED[key] = load_directory(directory)
    return _LOADED[key]


@pytest.fixture
def catalog(db: Any) -> None:
    """Publish every shipped service definition, as the start command does."""
    publish_catalog(loaded=shipped_catalog(Path(settings.RATHAUS_SERVICES_DIR)))


def pytest_configure(config: pytest.Config) -> None:
    # Under pytest-xdist each worker has its own test database (pytest-django names them);
    # the Redis tests get a database of their own too, so that one worker's FLUSHDB never
    # empties what the other is counting.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("RATHAUS_TEST_REDIS_URL", "")
    base, _slash, number = url.rpartition("/")
    if worker.startswith("gw") and worker[2:].isdigit() and number.isdigit():
        os.environ["RATHAUS_TEST_REDIS_URL"] = f"{base}/{max(int(number) - int(worker[2:]), 0)}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def postgres(db: Any) -> None:
    """Skip loudly without PostgreSQL locally; on CI its absence is a failure."""
    if connection.vendor != "postgresql":
        message = (
            "NEEDS POSTGRESQL: this test proves behaviour on PostgreSQL; set DATABASE_URL "
            "(or run .ci/run) to include it."
        )
        if os.environ.get("CI") or os.environ.get("RATHAUS_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.fixture
def read_pdf() -> Any:
    return pdf_text
