"""Search finds what citizens type, and says so plainly when a need is not online yet.

These run against the shipped catalog (services/), as a new user of the demo would search it.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils.html import escape

from rathaus.appointments.tests import factories
from rathaus.catalog.loader import CatalogInvalid, load_directory
from rathaus.catalog.models import OfflineNeed, Service
from rathaus.catalog.search import CatalogIndex, edit_distance, skeleton, typos_allowed
from rathaus.catalog.services import search_text_for

from .definitions import CATALOG, publish, service, write_catalog

pytestmark = pytest.mark.django_db


def search(client: Client, query: str, language: str = "de") -> str:
    response = client.get(f"/{language}/?q={quote(query)}")
    assert response.status_code == 200
    return response.content.decode()


def result_links(page: str, language: str = "de") -> list[str]:
    match = re.search(r'<ul class="service-list">(.*?)</ul>', page, re.S)
    if match is None or "offline-need" in match.group(1):
        return []
    return re.findall(rf'href="/{language}/services/([a-z0-9-]+)/"', match.group(1))


def offline_section(page: str) -> str:
    match = re.search(r'<section class="offline-needs"(.*?)</section>', page, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize(("query", "slug"), [
    ("fuhrungszeugnis", "fuehrungszeugnis"),        # umlaut left out
    ("Fuehrungszeugnis", "fuehrungszeugnis"),       # umlaut spelled out
    ("Führungszeugnis", "fuehrungszeugnis"),
    ("FUHRUNGSZEUGNIS", "fuehrungszeugnis"),
    ("Führungszeugniss", "fuehrungszeugnis"),       # one letter too many
    ("Fuhrungszeugnis beantragen", "fuehrungszeugnis"),
    ("Meldebescheinigng", "meldebescheinigung"),    # one letter missing
    ("Meldebeschienigung", "meldebescheinigung"),   # two letters swapped
    ("Hundesteur", "hund-anmelden"),
    ("Persnalausweis", "personalausweis-beantragen"),
    ("Gewerbeanmledung", "gewerbe-anmelden"),
    ("Kindergarden", "kindergartenplatz-anmelden"),
    ("Schwerbehindertenausweiss", "schwerbehindertenausweis"),
    ("Gartenwasserzahler", "gartenwasserzaehler-anmelden"),
    ("Kitaplatz", "kindergartenplatz-anmelden"),    # everyday keyword
    ("Wohngelt", "wohngeld"),
    ("heiraten", "trautermin"),
    ("Wohnsitznachweis", "meldebescheinigung"),
    ("Ich möchte meinen Hund anmelden", "hund-anmelden"),  # filler words left out
    ("I want to apply for a certificate of conduct", "fuehrungszeugnis"),
])
def test_missing_umlauts_typos_and_everyday_words_find_the_service(
    client: Client, catalog: None, query: str, slug: str
) -> None:
    links = result_links(search(client, query))

    assert links, f"{query!r} found nothing"
    # The dog tax has three services of equal standing: any may come first.
    assert slug in links[:3 if slug.startswith("hund-") else 1], f"{query!r} put {links} first"


@pytest.mark.parametrize("query", ["xyzzy", "qwertzuiop", "Baugenehmigung", "hnud", "Hunx",
                                   "Mond", "Führungszeugnis Pizza", "steuerberater"])
def test_nonsense_and_unknown_needs_find_nothing(client: Client, catalog: None,
                                                 query: str) -> None:
    page = search(client, query)

    assert result_links(page) == []
    assert offline_section(page) == ""
    assert "Versuchen Sie es mit einem kürzeren" in page


def test_a_word_found_as_typed_is_not_taken_for_a_typo(client: Client, catalog: None) -> None:
    links = result_links(search(client, "Hund abmelden"))

    assert links == ["hund-abmelden"], "'abmelden' is a word: no 'anmelden' by typo"


def test_short_words_still_find_compounds(client: Client, catalog: None) -> None:
    links = result_links(search(client, "hund"))

    assert set(links[:3]) == {"hund-anmelden", "hund-abmelden", "hundesteuer-ermaessigung"}
    assert links[3:] == ["sepa-lastschriftmandat"], "the dog tax by direct debit comes after"


@pytest.mark.parametrize(("query", "contact"), [
    ("Müll", "abfallberatung@musterstadt.example"),
    ("Mull", "abfallberatung@musterstadt.example"),
    ("Muell", "abfallberatung@musterstadt.example"),
    ("Sperrmüll", "abfallberatung@musterstadt.example"),
    ("Grundbesitzabgaben", "steueramt@musterstadt.example"),
])
def test_a_need_that_is_not_online_says_so_and_names_whom_to_contact(
    client: Client, catalog: None, query: str, contact: str
) -> None:
    page = search(client, query)
    section = offline_section(page)

    assert "Noch nicht online" in section, f"{query!r}: no offline answer"
    assert f'href="mailto:{contact}"' in section


def test_wohngeld_is_online_and_no_longer_an_offline_need(client: Client,
                                                          catalog: None) -> None:
    page = search(client, "Wohngeld")

    assert result_links(page)[0] == "wohngeld"
    assert offline_section(page) == ""


def test_waste_names_the_office_with_its_phone(client: Client, catalog: None) -> None:
    section = offline_section(search(client, "Müll"))

    assert "Abfallberatung der Stadt" in section
    assert 'href="tel:+4950001234-400"' in section
    assert "+49 5000 1234-400" in section


def test_moving_house_offers_the_citizens_office_appointment(client: Client,
                                                             catalog: None) -> None:
    page = search(client, "Ummeldung")
    assert "Wohnsitz anmelden, ummelden oder abmelden" in offline_section(page)
    assert "Bürgerbüro" in offline_section(page)
    assert 'href="/de/appointments/buergerbuero/"' not in page, "no calendar, no link"

    factories.calendar(slug="buergerbuero")
    section = offline_section(search(client, "ummelden"))

    assert 'href="/de/appointments/buergerbuero/"' in section


def test_moving_house_finds_the_services_and_the_offline_need(client: Client,
                                                              catalog: None) -> None:
    page = search(client, "Umzug")

    assert "Wohnsitz anmelden, ummelden oder abmelden" in offline_section(page)


def test_offline_needs_speak_english(client: Client, catalog: None) -> None:
    page = search(client, "passport", language="en")
    section = offline_section(page)

    assert "Not online yet" in section
    assert "Applying for a passport" in section
    assert "Reisepass beantragen" not in section


def test_a_need_on_the_topic_page(client: Client, catalog: None) -> None:
    page = client.get("/de/categories/umwelt-und-wasser/").content.decode()

    assert 'href="/de/services/baumfaellung/"' in page
    assert "Müllabfuhr, Abfalltonnen und Sperrmüll" in offline_section(page)


def test_topic_tiles_name_only_published_services(client: Client, catalog: None) -> None:
    page = client.get("/de/").content.decode()
    tiles = re.search(r'<section aria-labelledby="categories">(.*?)</section>', page, re.S)
    assert tiles is not None

    for phantom in ("Bäume", "Abwasser", "ändern und abmelden"):
        assert phantom not in tiles.group(1), f"a tile names {phantom!r}"
    published = {item.title_de for item in Service.objects.filter(is_active=True)}
    named = set()
    for text in re.findall(r'class="kern-body kern-body--small topic-services">(.*?)</p>',
                           tiles.group(1), re.S):
        named |= {part.strip() for part in text.split(" · ")}
    assert named == {escape(title) for title in published}


def test_a_switched_off_service_leaves_its_tile_and_the_search(client: Client,
                                                               catalog: None) -> None:
    assert result_links(search(client, "Trauung")) == ["trautermin"]
    Service.objects.filter(slug="trautermin").update(is_active=False)

    assert result_links(search(client, "Trauung")) == []
    assert "Trautermin im Standesamt reservieren" not in client.get("/de/").content.decode()


def test_the_start_page_links_the_appointments(client: Client, catalog: None) -> None:
    page = client.get("/de/").content.decode()

    assert 'href="/de/appointments/"' in page
    assert client.get("/de/appointments/").status_code == 200


def test_search_follows_a_republished_catalog(client: Client, tmp_path: Path) -> None:
    """Whoever published last, the next search reads the new rows (no stale index)."""
    catalog = copy.deepcopy(CATALOG)
    catalog["offline_needs"] = [{
        "slug": "sperrmuell", "title": {"de": "Sperrmüll anmelden", "en": "Bulky waste"},
        "keywords": ["sperrmüll"], "department": "tiefbau",
        "message": {"de": "Noch nicht online: rufen Sie uns an.", "en": "Not online: call."},
    }]
    write_catalog(tmp_path, service("reisepass", "Reisepass beantragen", "Passport"),
                  catalog=catalog)
    publish(tmp_path)
    assert "Sperrmüll anmelden" in offline_section(search(client, "sperrmull"))

    # The service goes online: the need leaves the file, the service joins.
    del catalog["offline_needs"]
    write_catalog(tmp_path, service("reisepass", "Reisepass beantragen", "Passport"),
                  service("sperrmuell", "Sperrmüll anmelden", "Bulky waste",
                          keywords=["sperrmüll"]),
                  catalog=catalog)
    publish(tmp_path)

    page = search(client, "sperrmull")
    assert offline_section(page) == ""
    assert result_links(page) == ["sperrmuell"]
    assert not OfflineNeed.objects.exists()


def _catalog_with_need(**need: Any) -> dict[str, Any]:
    catalog = copy.deepcopy(CATALOG)
    catalog["offline_needs"] = [{
        "slug": "wohngeld", "title": {"de": "Wohngeld", "en": "Housing benefit"},
        "keywords": ["wohngeld"], "message": {"de": "Bitte anrufen.", "en": "Please call."},
        **need,
    }]
    return catalog


@pytest.mark.parametrize(("need", "message"), [
    ({}, "offline_needs[0]: an offline need names whom to contact: 'department' or 'contact'"),
    ({"contact": {"de": "Amt", "en": "Office"}},
     "an offline need without 'department' needs 'email', 'phone', 'link_out'"),
    ({"department": "sozialamt"}, "offline_needs[0].department: unknown department 'sozialamt'"),
    ({"department": "tiefbau", "category": "wohnen"},
     "offline_needs[0].category: unknown category 'wohnen'"),
    ({"department": "tiefbau", "slug": "reisepass"},
     "offline_needs[0].slug: 'reisepass' is a service now"),
    ({"department": "tiefbau", "phone": "call us"}, "offline_needs[0].phone"),
    ({"department": "tiefbau", "keywords": []}, "offline_needs[0].keywords"),
])
def test_an_offline_need_is_checked_like_a_definition(tmp_path: Path, need: dict[str, Any],
                                                      message: str) -> None:
    write_catalog(tmp_path, service("reisepass", "Reisepass beantragen", "Passport"),
                  catalog=_catalog_with_need(**need))

    with pytest.raises(CatalogInvalid) as invalid:
        load_directory(tmp_path)

    assert message in str(invalid.value)
    assert "_catalog.yaml" in str(invalid.value)


def test_the_index_weighs_titles_over_summaries() -> None:
    title = search_text_for(load_spec("Müllabfuhr", summary="Tonnen leeren"))
    summary = search_text_for(load_spec("Tonnen", summary="Müllabfuhr jede Woche"))
    index = CatalogIndex([(1, summary), (2, title)])

    assert [hit.key for hit in index.search(["muellabfuhr"])] == [2, 1]
    # A typo is forgiven in a title, never in a summary.
    assert [hit.key for hit in index.search(["mullabfuhrr"])] == [2]


def load_spec(title: str, *, summary: str) -> Any:
    from rathaus.forms.schema import ServiceDef

    data = service("x", title, title)
    data["summary"] = {"de": summary, "en": summary}
    return ServiceDef.model_validate(data)


@pytest.mark.parametrize(("term", "allowed"), [("hund", 0), ("hunde", 1), ("gewerbe", 1),
                                                ("wohngeld", 1), ("personalausweis", 2)])
def test_longer_words_may_have_more_typos(term: str, allowed: int) -> None:
    assert typos_allowed(term) == allowed


def test_a_query_of_filler_words_only_is_searched_as_it_is() -> None:
    index = CatalogIndex([(1, "ich bin ein titel | | ")])

    assert [hit.key for hit in index.search(["ich", "ein"])] == [1]
    assert index.search(["ich", "xyz"]) == []


def test_the_first_letter_of_a_typo_must_be_right() -> None:
    index = CatalogIndex([(1, "hundesteuer | | ")])

    assert [hit.key for hit in index.search(["hundesteuar"])] == [1]
    assert index.search(["bundesteuer"]) == [], "another word, not a typo"


def test_edit_distance_counts_swaps_as_one() -> None:
    assert edit_distance("meldebeschienigung", "meldebescheinigung", 2) == (1, 1)
    assert edit_distance("hundesteur", "hundesteuer", 1) == (1, 1)
    assert edit_distance("hunde", "hundesteuer", 1) == (2, 0), "capped; a beginning matches"
    assert skeleton("fuehrungszeugnis") == skeleton("fuhrungszeugnis")
