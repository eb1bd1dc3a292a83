"""Citizens find the tax, treasury, childcare, social, building, tree, cemetery and hall services
by the words they type."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def result_links(client: Client, query: str) -> list[str]:
    response = client.get(f"/de/?q={quote(query)}")
    assert response.status_code == 200
    match = re.search(r'<ul class="service-list">(.*?)</ul>', response.content.decode(), re.S)
    if match is None or "offline-need" in match.group(1):
        return []
    return re.findall(r'href="/de/services/([a-z0-9-]+)/"', match.group(1))


# Each service with the words citizens type for it; one test per service publishes the
# catalog once and tries all its words.
@pytest.mark.parametrize(("slug", "queries"), [
    ("hundesteuer-ermaessigung", [
        "Hundesteuer Ermäßigung", "Befreiung Hundesteuer", "Assistenzhund", "Blindenhund",
        "dog tax exemption"]),
    ("sepa-lastschriftmandat", [
        "Lastschrift", "Einzugsermächtigung", "Bankverbindung ändern", "direct debit"]),
    ("gartenwasserzaehler-zaehlerstand", [
        "Zählerstand", "Zaehlerstand melden", "Wasseruhr ablesen", "meter reading"]),
    ("eigentuemerwechsel-grundbesitzabgaben", [
        "Eigentümerwechsel", "Haus verkauft", "Grundstück gekauft", "change of owner"]),
    ("hortplatz-anmelden", [
        "Hortplatz", "Hort", "Nachmittagsbetreuung", "Ferienbetreuung", "after-school care"]),
    ("elternbeitraege-ermaessigung", [
        "Kitagebühren", "Elternbeitrag", "Kita Beitrag Ermäßigung", "childcare fees"]),
    ("wohngeld", [
        "Wohngeld", "wohngeld beantragen", "Mietzuschuss", "Lastenzuschuss", "Zuschuss zur Miete",
        "housing benefit"]),
    ("ehrenamtskarte", ["Ehrenamtskarte", "Ehrenamt", "volunteer card"]),
    ("vorkaufsrecht-negativzeugnis", [
        "Vorkaufsrecht", "Negativattest", "Negativzeugnis", "pre-emption"]),
    ("baumfaellung", [
        "Baum fällen", "Baumfällung", "Fällgenehmigung", "Baumschutzsatzung", "tree felling"]),
    ("grabnutzungsrecht-verlaengern", [
        "Grab verlängern", "Grabnutzungsrecht", "Ruhezeit", "extend grave"]),
    ("halle-mieten", ["Halle mieten", "Olympiahalle", "Saal mieten", "Bürgerhaus", "rent a hall"]),
    ("kontaktformular", ["Kontakt", "Kontaktformular", "Beschwerde", "Anregung",
                         "Frage an die Stadt", "contact form", "complaint"]),
])
def test_everyday_words_put_the_service_first(client: Client, catalog: None, slug: str,
                                              queries: list[str]) -> None:
    misplaced = {query: links[:3] for query in queries
                 if (links := result_links(client, query))[:1] != [slug]}

    assert misplaced == {}, f"these words do not put {slug} first"
