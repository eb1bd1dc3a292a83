from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rathaus.catalog import services
from rathaus.catalog.models import _SPEC_CACHE
from rathaus.core.counters import BufferedCounter

from .definitions import publish


@pytest.fixture(autouse=True)
def fresh_view_counter(monkeypatch: pytest.MonkeyPatch) -> BufferedCounter[int]:
    """Give each test its own view counter, so counts buffered by another test never leak in.

    The counter is process-wide; row ids are reused after a test's rollback, so a stale
    pending count would land on a different service of this test.
    """
    counter: BufferedCounter[int] = BufferedCounter(services._write_views, flush_after=3600)
    monkeypatch.setattr(services, "view_counter", counter)
    return counter


@pytest.fixture(autouse=True)
def fresh_spec_cache() -> Iterator[None]:
    """Forget parsed definitions: version ids are reused after a test's rollback."""
    _SPEC_CACHE.clear()
    yield
    _SPEC_CACHE.clear()


@pytest.fixture
def hund(db: None, tmp_path_factory: pytest.TempPathFactory, settings: Any) -> None:
    """Publish the shipped dog tax service alone (other definitions may be work in progress)."""
    directory = tmp_path_factory.mktemp("shipped")
    source = Path(settings.RATHAUS_SERVICES_DIR)
    for name in ("_catalog.yaml", "hund-anmelden.yaml"):
        shutil.copy(source / name, directory / name)
    publish(directory)
