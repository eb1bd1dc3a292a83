"""Fixtures of the form engine tests: services published on their own, isolated from the others."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from rathaus.catalog.loader import LoadedService, load_directory
from rathaus.catalog.models import _SPEC_CACHE
from rathaus.catalog.services import publish_catalog, publish_service
from rathaus.forms.schema import ServiceDef

from . import hund
from . import nachweis as nachweis_service


@pytest.fixture(autouse=True)
def fresh_spec_cache() -> Iterator[None]:
    """Forget parsed definitions: version ids are reused after a test's rollback.

    Without this, a test publishing another set of services leaves a parsed definition under
    an id that the next test gives to a different service.
    """
    _SPEC_CACHE.clear()
    yield
    _SPEC_CACHE.clear()


@pytest.fixture
def hund_catalog(db: Any, tmp_path: Path) -> None:
    """Publish the catalog with only the dog registration, whatever other definitions say."""
    source = Path(settings.RATHAUS_SERVICES_DIR)
    for name in ("_catalog.yaml", f"{hund.SLUG}.yaml"):
        shutil.copy(source / name, tmp_path / name)
    publish_catalog(loaded=load_directory(tmp_path))


@pytest.fixture
def nachweis(hund_catalog: None) -> ServiceDef:
    """Publish the test-only proof service next to the dog registration."""
    spec = ServiceDef.model_validate(nachweis_service.DEFINITION)
    publish_service(loaded=LoadedService(spec=spec, data=nachweis_service.DEFINITION,
                                         path=Path(f"{nachweis_service.SLUG}.yaml")))
    return spec
