"""A list a citizen may leave empty (repeat.min 0), filled and emptied again without JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from rathaus.catalog.loader import LoadedService
from rathaus.catalog.services import publish_service
from rathaus.forms.schema import ServiceDef

from .journey import Journey

pytestmark = pytest.mark.django_db
SLUG = "test-helfer"


def _text(value: str) -> dict[str, str]:
    return {"de": value, "en": value}


DEFINITION: dict[str, Any] = {
    "slug": SLUG, "title": _text("Name helpers"), "summary": _text("Test service."),
    "description": _text("Test service."), "department": "steueramt",
    "category": "steuern-und-abgaben", "who_may_apply": _text("Anyone."), "fees": _text("None."),
    "processing_time": _text("A day."), "channels": ["form"],
    "form": {"steps": [{"id": "helpers", "title": _text("Helpers"), "fields": [
        {"id": "organiser", "type": "text", "label": _text("Organiser")},
        {"id": "helpers", "type": "group", "label": _text("Helpers"),
         "repeat": {"min": 0, "max": 3, "item_label": _text("Helper"),
                    "add_label": _text("Add a helper"), "remove_label": _text("Remove")},
         "fields": [{"id": "helper_name", "type": "text", "label": _text("Name of the helper")}]},
    ]}]},
}


@pytest.fixture
def helpers_service(hund_catalog: None) -> None:
    spec = ServiceDef.model_validate(DEFINITION)
    publish_service(loaded=LoadedService(spec=spec, data=DEFINITION, path=Path(f"{SLUG}.yaml")))


def test_a_list_that_may_stay_empty_is_added_to_and_emptied_again(
        client: Client, helpers_service: None) -> None:
    journey = Journey(client, SLUG, language="en").start()
    page = journey.page()
    assert 'name="helpers-count" value="0"' in page
    assert "helpers-0-helper_name" not in page, "no item until one is added"
    assert 'value="add:helpers"' in page

    added = journey.post({"organiser": "Jan", "helpers-count": "0"}, action="add:helpers")
    body = added.content.decode()
    assert '<label class="kern-label" for="helpers-0-helper_name">Name of the helper' in body
    assert 'value="remove:helpers:0"' in body, "the only item can be removed again"
    assert 'value="Jan"' in body, "what was typed is kept"

    removed = journey.post({"organiser": "Jan", "helpers-count": "1",
                            "helpers-0-helper_name": ""}, action="remove:helpers:0")
    body = removed.content.decode()
    assert 'name="helpers-count" value="0"' in body
    assert "helpers-0-helper_name" not in body

    journey.answer("helpers", {"organiser": "Jan", "helpers-count": "0"})
    assert journey.at_check
    assert "Helper 1" not in journey.check_page()
    submission = journey.submit()
    assert submission.answers == {"organiser": "Jan", "helpers": []}
