"""Publishing makes immutable versions: an application stays bound to the version it started on."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from rathaus.applications.tests.journey import Journey
from rathaus.catalog.models import Service, ServiceVersion

from .definitions import publish, service, write_catalog, write_yaml

pytestmark = pytest.mark.django_db

OLD_TEXT = "Wir reinigen die Straßen einmal in der Woche."
NEW_TEXT = "Ab Mai reinigen wir die Straßen zweimal in der Woche."


def street_cleaning(description_de: str = OLD_TEXT) -> dict[str, Any]:
    return service("strassenreinigung", "Straßenreinigung", "Street cleaning",
                   description={"de": description_de, "en": "We clean the streets."})


@pytest.fixture
def services_dir(tmp_path: Path) -> Path:
    return write_catalog(tmp_path / "services", street_cleaning())


def versions() -> list[tuple[int, str]]:
    return list(
        ServiceVersion.objects.order_by("number")
        .values_list("number", "definition__description__de")
    )


def test_loading_the_same_definitions_again_creates_no_version(services_dir: Path) -> None:
    first = publish(services_dir)
    second = publish(services_dir)

    assert first.created == ["strassenreinigung"]
    assert second.unchanged == ["strassenreinigung"]
    assert second.created == second.new_versions == []
    assert versions() == [(1, OLD_TEXT)]


def test_load_services_command_is_idempotent(services_dir: Path) -> None:
    call_command("load_services", dir=services_dir, stdout=io.StringIO())
    call_command("load_services", dir=services_dir, stdout=io.StringIO())

    assert ServiceVersion.objects.count() == 1


def test_changed_text_becomes_version_two_and_is_shown(client: Client, services_dir: Path) -> None:
    publish(services_dir)
    assert OLD_TEXT in client.get("/de/services/strassenreinigung/").content.decode()

    write_yaml(services_dir / "strassenreinigung.yaml", street_cleaning(NEW_TEXT))
    report = publish(services_dir)

    assert report.new_versions == ["strassenreinigung"]
    assert versions() == [(1, OLD_TEXT), (2, NEW_TEXT)]
    assert Service.objects.get().current_version.number == 2  # type: ignore[union-attr]
    page = client.get("/de/services/strassenreinigung/").content.decode()
    assert NEW_TEXT in page
    assert OLD_TEXT not in page


def test_publishing_never_modifies_an_earlier_version(services_dir: Path) -> None:
    publish(services_dir)
    before = ServiceVersion.objects.values().get()
    frozen = copy.deepcopy(before)

    write_yaml(services_dir / "strassenreinigung.yaml", street_cleaning(NEW_TEXT))
    publish(services_dir)
    definition = street_cleaning(NEW_TEXT)
    definition["title"] = {"de": "Straßenreinigung und Winterdienst", "en": "Street cleaning"}
    write_yaml(services_dir / "strassenreinigung.yaml", definition)
    publish(services_dir)

    assert ServiceVersion.objects.values().get(number=1) == frozen
    assert frozen["definition"]["description"]["de"] == OLD_TEXT
    assert frozen["definition"]["title"]["de"] == "Straßenreinigung"
    assert ServiceVersion.objects.count() == 3


def test_admin_cannot_change_or_delete_a_version(admin_client: Client, services_dir: Path) -> None:
    publish(services_dir)
    version = ServiceVersion.objects.get()
    before = ServiceVersion.objects.values().get()
    change_url = f"/admin/catalog/serviceversion/{version.pk}/change/"

    view = admin_client.get(change_url)
    assert view.status_code == 200, "a version can be read"
    body = view.content.decode()
    assert 'name="definition"' not in body, "no editable definition field"
    assert 'name="_save"' not in body
    assert f'/admin/catalog/serviceversion/{version.pk}/delete/' not in body

    posted = admin_client.post(change_url, {
        "service": version.service_id, "number": 7, "checksum": "0" * 64,
        "definition": '{"title": {"de": "Gefälscht", "en": "Forged"}}', "source_path": "x.yaml",
    })
    assert posted.status_code == 403
    delete_url = f"/admin/catalog/serviceversion/{version.pk}/delete/"
    assert admin_client.get(delete_url).status_code == 403
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/catalog/serviceversion/add/").status_code == 403
    bulk = admin_client.post("/admin/catalog/serviceversion/", {
        "action": "delete_selected", "_selected_action": [version.pk], "post": "yes",
    })
    assert bulk.status_code in {200, 302, 403}

    assert ServiceVersion.objects.values().get() == before


def test_application_keeps_the_version_it_was_started_on(client: Client,
                                                          services_dir: Path) -> None:
    publish(services_dir)
    journey = Journey(client, "strassenreinigung").start()
    journey.answer("about", {"full_name": "Erika Mustermann"})
    assert journey.at_check

    # Meanwhile the editor publishes a version 2 with an extra required question.
    definition = street_cleaning(NEW_TEXT)
    definition["form"]["steps"][0]["fields"].append(
        {"id": "street", "type": "text", "label": {"de": "Straße", "en": "Street"}}
    )
    write_yaml(services_dir / "strassenreinigung.yaml", definition)
    assert publish(services_dir).new_versions == ["strassenreinigung"]

    submission = journey.submit()

    assert submission.service_version.number == 1
    assert submission.service_version.definition["description"]["de"] == OLD_TEXT
    assert submission.answers == {"full_name": "Erika Mustermann"}

    fresh = Journey(Client(), "strassenreinigung").start()
    assert 'name="street"' in fresh.page(), "a new application gets version 2"

