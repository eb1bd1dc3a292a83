"""A service page links to the calendar its definition names, when that calendar is bookable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pydantic import ValidationError

from rathaus.catalog.models import _SPEC_CACHE
from rathaus.catalog.tests.definitions import publish, service, write_catalog
from rathaus.forms.schema import ServiceDef

from . import factories
from .pages import de, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_spec_cache() -> Iterator[None]:
    _SPEC_CACHE.clear()
    yield
    _SPEC_CACHE.clear()


def appointment_service(**overrides: Any) -> dict[str, Any]:
    data = service("personalausweis", "Personalausweis beantragen", "Apply for an ID card",
                   channels=["appointment"], appointment_calendar="buergerbuero", **overrides)
    del data["form"]
    return data


def test_the_service_page_links_to_its_calendar(
    client: Client, tmp_path: Path, django_assert_num_queries: Any,
) -> None:
    factories.calendar(slug="buergerbuero")
    publish(write_catalog(tmp_path, appointment_service()))

    # The service with its version and department, and the calendar.
    with django_assert_num_queries(2):
        page = client.get("/de/services/personalausweis/")

    assert de("Book an appointment") in text(page)
    assert 'href="/de/appointments/buergerbuero/"' in page.content.decode()


def test_no_link_while_the_calendar_is_missing_or_switched_off(
    client: Client, tmp_path: Path,
) -> None:
    publish(write_catalog(tmp_path, appointment_service()))
    missing = client.get("/de/services/personalausweis/")
    factories.calendar(slug="buergerbuero", is_active=False)
    inactive = client.get("/de/services/personalausweis/")

    for page in (missing, inactive):
        assert page.status_code == 200
        assert "/appointments/buergerbuero/" not in page.content.decode()
        assert de("This service needs an appointment at the town hall.") in text(page)


def test_a_calendar_needs_the_appointment_channel() -> None:
    data = service("dienst", "Dienst", "Service", appointment_calendar="buergerbuero")

    with pytest.raises(ValidationError, match="needs 'appointment' among the channels"):
        ServiceDef.model_validate(data)
    with pytest.raises(ValidationError, match="appointment_calendar"):
        ServiceDef.model_validate({**data, "channels": ["form", "appointment"],
                                   "appointment_calendar": "Not A Slug"})
