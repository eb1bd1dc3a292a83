"""Fixtures shared by every test: the shipped catalog, PostgreSQL gating, PDF text."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from rathaus.catalog.loader import load_directory
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


@pytest.fixture
def admin_client(client: Any, admin_user: Any) -> Any:
    """pytest-django's admin browser, signed in with the second factor the admin site requires."""
    from rathaus.staff.tests.factories import sign_in_verified

    sign_in_verified(client, admin_user)
    return client


@pytest.fixture
def catalog(db: Any) -> None:
    """Publish every shipped service definition, as the start command does."""
    publish_catalog(loaded=load_directory(settings.RATHAUS_SERVICES_DIR))


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
