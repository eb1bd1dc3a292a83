"""Fixtures of the notice tests: the services with shipped notices, a context, a clerk."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from rathaus.catalog.loader import load_directory
from rathaus.catalog.models import _SPEC_CACHE
from rathaus.catalog.services import publish_catalog
from rathaus.notices.models import NoticeKind, NoticeTemplate
from rathaus.notices.render import NoticeContext
from rathaus.notices.services import load_default_templates

SERVICES = ("hund-anmelden", "hund-abmelden", "geburtsurkunde", "gewerbe-anmelden")


@pytest.fixture(autouse=True)
def fresh_spec_cache() -> Iterator[None]:
    """Forget parsed definitions: version ids are reused after a test's rollback."""
    _SPEC_CACHE.clear()
    yield
    _SPEC_CACHE.clear()


@pytest.fixture
def notice_catalog(db: Any, tmp_path: Path) -> None:
    """Publish the services with shipped notices and load their default templates."""
    source = Path(settings.RATHAUS_SERVICES_DIR)
    for name in ("_catalog.yaml", *(f"{slug}.yaml" for slug in SERVICES)):
        shutil.copy(source / name, tmp_path / name)
    publish_catalog(loaded=load_directory(tmp_path))
    load_default_templates()


def template_of(slug: str, kind: NoticeKind) -> NoticeTemplate:
    return NoticeTemplate.objects.select_related(
        "service__department", "service__current_version", "current_version").get(
        service__slug=slug, kind=kind)


def dog_context(**changes: Any) -> NoticeContext:
    values: dict[str, Any] = {
        "reference": "K7QM-2XPA",
        "applicant_name": "Erika Mustermann",
        "applicant_address": "Heidestraße 17\n31134 Musterstadt",
        "service_title": "Hund zur Hundesteuer anmelden",
        "kind": NoticeKind.GRANTED,
        "decision_date": dt.date(2026, 12, 3),
        "clerk_name": "Jonas Schröder",
        "department": "Steueramt",
        "fee_cents": 9600,
        "answers": {"dogs": "Bello (Labrador-Mischling, Rüde)",
                    "payment_method": "Per Lastschrift (SEPA)"},
        "language": "de",
    }
    values.update(changes)
    return NoticeContext(**values)
