"""Citizens find the permits, notices and reports of the public order office, the civil
engineering office, the works depot and the building administration by their everyday words."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client

from rathaus.catalog.loader import LoadedCatalog, load_directory
from rathaus.catalog.services import publish_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shipped() -> LoadedCatalog:
    """Parse services/ once for the module: parsing, not publishing, is what takes time."""
    return load_directory(settings.RATHAUS_SERVICES_DIR)


@pytest.fixture
def published(db: Any, shipped: LoadedCatalog) -> None:
    """Publish every shipped definition, as the `catalog` fixture does."""
    publish_catalog(loaded=shipped)


def first_result(client: Client, query: str, language: str) -> str | None:
    """Return the slug of the first service the search lists, if any."""
    response = client.get(f"/{language}/?q={quote(query)}")
    assert response.status_code == 200
    match = re.search(r'<ul class="service-list">(.*?)</ul>', response.content.decode(), re.S)
    if match is None:
        return None
    links = re.findall(rf'href="/{language}/services/([a-z0-9-]+)/"', match.group(1))
    return links[0] if links else None


@pytest.mark.parametrize(("slug", "queries"), [
    ("gewerbe-ummelden", [
        ("Gewerbe ummelden", "de"),
        ("Gewerbeummeldung", "de"),
        ("Betrieb verlegen", "de"),
        ("GewA 2", "de"),
        ("change business registration", "en"),
    ]),
    ("gewerbe-abmelden", [
        ("Gewerbe abmelden", "de"),
        ("Gewerbeabmeldung", "de"),
        ("Betriebsaufgabe", "de"),
        ("Firma schließen", "de"),
        ("close a business", "en"),
    ]),
    ("gaststaettengestattung", [
        ("Ausschank", "de"),
        ("Bierwagen", "de"),
        ("Gaststättengestattung", "de"),
        ("Alkohol ausschenken", "de"),
        ("food stall", "en"),
    ]),
    ("veranstaltung-anmelden", [
        ("Veranstaltung anmelden", "de"),
        ("Straßenfest", "de"),
        ("Flohmarkt", "de"),
        ("outdoor event", "en"),
    ]),
    ("plakatierungserlaubnis", [
        ("Plakate", "de"),
        ("Wahlplakate", "de"),
        ("Plakatierung", "de"),
        ("posters", "en"),
    ]),
    ("halteverbot-umzug", [
        ("Halteverbot Umzug", "de"),
        ("Parkverbot", "de"),
        ("Umzugswagen", "de"),
        ("no parking zone", "en"),
    ]),
    ("sondernutzung-strasse", [
        ("Container", "de"),
        ("Baugerüst", "de"),
        ("Sondernutzung", "de"),
        ("Gerüst Gehweg", "de"),
        ("skip", "en"),
    ]),
    ("osterfeuer-anmelden", [
        ("Osterfeuer", "de"),
        ("Brauchtumsfeuer", "de"),
        ("Maifeuer", "de"),
        ("bonfire", "en"),
    ]),
    ("schaden-melden", [
        ("Schlagloch", "de"),
        ("Laterne kaputt", "de"),
        ("Mängelmelder", "de"),
        ("wilder Müll", "de"),
        ("pothole", "en"),
    ]),
    ("bewohnerparkausweis", [
        ("Bewohnerparkausweis", "de"),
        ("Anwohnerparkausweis", "de"),
        ("Anwohnerparken", "de"),
        ("residents parking permit", "en"),
    ]),
    ("hausnummer-beantragen", [
        ("Hausnummer", "de"),
        ("Hausnummer Neubau", "de"),
        ("house number", "en"),
    ]),
    ("anliegerbescheinigung", [
        ("Anliegerbescheinigung", "de"),
        ("Erschließungsbeitrag", "de"),
        ("Straßenausbaubeitrag", "de"),
        ("development charges", "en"),
    ]),
])
def test_everyday_words_find_the_service_first(client: Client, published: None, slug: str,
                                               queries: list[tuple[str, str]]) -> None:
    found = {query: first_result(client, query, language) for query, language in queries}

    assert found == dict.fromkeys(found, slug)
