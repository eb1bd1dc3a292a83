"""Citizens find the registry office, registration, election and lost-and-found services by
the words they type, against the shipped catalog as on a fresh install."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def result_links(client: Client, query: str, language: str = "de") -> list[str]:
    page = client.get(f"/{language}/?q={quote(query)}").content.decode()
    match = re.search(r'<ul class="service-list">(.*?)</ul>', page, re.S)
    if match is None or "offline-need" in match.group(1):
        return []
    return re.findall(rf'href="/{language}/services/([a-z0-9-]+)/"', match.group(1))


@pytest.mark.parametrize(("query", "slug"), [
    ("Eheurkunde", "eheurkunde"),
    ("Trauschein", "eheurkunde"),
    ("marriage certificate", "eheurkunde"),
    ("Sterbeurkunde", "sterbeurkunde"),
    ("Todesfall", "sterbeurkunde"),
    ("civil partnership", "lebenspartnerschaftsurkunde"),
    ("Eheschließung anmelden", "eheschliessung-anmelden"),
    ("Aufgebot", "eheschliessung-anmelden"),
    ("notice of marriage", "eheschliessung-anmelden"),
    ("Melderegisterauskunft", "melderegisterauskunft"),
    ("Adresse herausfinden", "melderegisterauskunft"),
    ("Übermittlungssperre", "uebermittlungssperren"),
    ("Widerspruch Bundeswehr", "uebermittlungssperren"),
    ("Abmeldung Ausland", "abmeldung-ausland"),
    ("auswandern", "abmeldung-ausland"),
    ("Wohnsitz abmelden", "abmeldung-ausland"),
    ("Wohnungsgeberbestätigung", "wohnungsgeberbestaetigung"),
    ("Vermieterbescheinigung", "wohnungsgeberbestaetigung"),
    ("landlord confirmation", "wohnungsgeberbestaetigung"),
    ("Ausweis abholen", "ausweis-abholbereitschaft"),
    ("Ist mein Ausweis fertig", "ausweis-abholbereitschaft"),
    ("Gewerbezentralregister", "gewerbezentralregister"),
    ("GZR Auskunft", "gewerbezentralregister"),
    ("Briefwahl", "briefwahl"),
    ("Brifwahl", "briefwahl"),                  # one letter missing
    ("Wahlschein", "briefwahl"),
    ("postal vote", "briefwahl"),
    ("Fundbüro", "fundsache"),
    ("Schlüssel verloren", "fundsache"),
    ("lost property", "fundsache"),
])
def test_everyday_words_find_the_service_first(client: Client, catalog: None, query: str,
                                               slug: str) -> None:
    links = result_links(client, query)

    assert links, f"{query!r} found nothing"
    assert links[0] == slug, f"{query!r} put {links} first"


def test_the_wedding_reservation_keeps_its_words(client: Client, catalog: None) -> None:
    assert result_links(client, "Trauung") == ["trautermin"]
    heiraten = result_links(client, "heiraten")
    assert heiraten[0] == "trautermin"
    assert "eheschliessung-anmelden" in heiraten, "giving notice is found as well"


def test_marriage_and_bereavement_list_their_services(client: Client, catalog: None) -> None:
    start = client.get("/de/").content.decode()
    assert 'href="/de/life-situations/heirat/"' in start
    assert 'href="/de/life-situations/todesfall/"' in start

    heirat = client.get("/de/life-situations/heirat/").content.decode()
    for slug in ("eheschliessung-anmelden", "eheurkunde", "lebenspartnerschaftsurkunde"):
        assert f'href="/de/services/{slug}/"' in heirat, slug
    todesfall = client.get("/de/life-situations/todesfall/").content.decode()
    assert 'href="/de/services/sterbeurkunde/"' in todesfall
    assert 'href="/de/services/eheurkunde/"' not in todesfall
