"""A citizen searches the start page in their own spelling: case, umlauts and ß do not matter."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils.html import escape

from .definitions import publish, service, write_catalog

pytestmark = pytest.mark.django_db

HUND = 'href="/de/services/hund-anmelden/"'
STRASSE = 'href="/de/services/strassenreinigung/"'
MUELL = 'href="/de/services/muellabfuhr/"'


def search(client: Client, query: str) -> str:
    response = client.get(f"/de/?q={quote(query)}")
    assert response.status_code == 200
    return response.content.decode()


def result_links(page: str) -> list[str]:
    """Return the service links of the result list, in order."""
    match = re.search(r'<ul class="service-list">(.*?)</ul>', page, re.S)
    if match is None:
        return []
    return re.findall(r'href="/de/services/([a-z0-9-]+)/"', match.group(1))


@pytest.fixture
def street_services(tmp_path: Path) -> None:
    write_catalog(
        tmp_path,
        service("strassenreinigung", "Straßenreinigung", "Street cleaning"),
        service("muellabfuhr", "Müllabfuhr", "Waste collection"),
        service("reisepass", "Reisepass beantragen", "Apply for a passport",
                category="ausweise", life_situations=["reisen"]),
        # Spelled out, as in older data: a query with umlauts must find it too.
        service("gruenschnitt", "Gruenschnitt abholen lassen", "Garden waste pick-up"),
    )
    publish(tmp_path)


@pytest.mark.parametrize("query", ["hund", "Hund", "HUNDESTEUER", "hundesteuer", "Hundesteuer",
                                   "hund steuer", "  hund  "])
def test_dog_tax_is_found_however_it_is_typed(client: Client, hund: None, query: str) -> None:
    page = search(client, query)

    assert "hund-anmelden" in result_links(page)
    assert escape("Hund zur Hundesteuer anmelden") in page
    assert f'value="{escape(query.strip())}"' in page, "the search box keeps the query"


def test_every_word_of_the_query_must_match(client: Client, hund: None) -> None:
    assert "hund-anmelden" not in result_links(search(client, "hund zzzqx"))


@pytest.mark.parametrize("query", ["strasse", "Straße", "STRASSE", "straße", "STRAẞE",
                                   "Strassenreinigung", "street"])
def test_sharp_s_matches_ss_both_ways(client: Client, street_services: None, query: str) -> None:
    assert result_links(search(client, query)) == ["strassenreinigung"]


@pytest.mark.parametrize("query", ["muell", "Müll", "MÜLL", "MUELL", "müllabfuhr", "Muellabfuhr"])
def test_umlaut_matches_its_spelled_out_form(client: Client, street_services: None,
                                             query: str) -> None:
    page = search(client, query)

    assert result_links(page) == ["muellabfuhr"]
    assert escape("Müllabfuhr") in page


@pytest.mark.parametrize("query", ["Grünschnitt", "GRÜNSCHNITT", "gruenschnitt"])
def test_spelled_out_text_is_found_with_umlauts(client: Client, street_services: None,
                                                query: str) -> None:
    assert result_links(search(client, query)) == ["gruenschnitt"]


def test_empty_query_shows_the_normal_start_page(client: Client, street_services: None) -> None:
    for url in ("/de/?q=", "/de/?q=%20%20", "/de/"):
        page = client.get(url).content.decode()

        assert 'href="/de/categories/strasse-und-abfall/"' in page, url
        assert 'role="status"' not in page, f"{url} must not look like a search without hits"


def test_query_without_hits_says_so_and_offers_the_a_to_z_list(
    client: Client, street_services: None
) -> None:
    page = search(client, "Baugenehmigung")

    assert result_links(page) == []
    status = re.search(r'role="status">(.*?)</p>', page, re.S)
    assert status is not None
    assert re.match(r"\s*0\D", status.group(1)), status.group(1)
    assert "Baugenehmigung" in status.group(1), "the page repeats what was searched for"
    assert 'href="/de/services/"' in page
    assert STRASSE not in page
    assert MUELL not in page


def test_a_to_z_list_lists_every_service_alphabetically(
    client: Client, street_services: None
) -> None:
    page = client.get("/de/services/").content.decode()

    assert result_links(page) == ["gruenschnitt", "muellabfuhr", "reisepass", "strassenreinigung"]


def test_search_is_not_fooled_by_markup_in_the_query(client: Client, street_services: None) -> None:
    page = search(client, '<script>alert("x")</script>')

    assert "<script>alert" not in page
    assert escape("<script>") in page
