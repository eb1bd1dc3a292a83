"""The start page lists topics, life situations and the most used services, counted untracked."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from rathaus.catalog import services as catalog_services
from rathaus.catalog.models import Service, ServiceDailyCount

from .definitions import publish, service, write_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(tmp_path: Path) -> dict[str, Service]:
    write_catalog(
        tmp_path,
        service("strassenreinigung", "Straßenreinigung", "Street cleaning"),
        service("muellabfuhr", "Müllabfuhr", "Waste collection"),
        service("sperrmuell", "Sperrmüll anmelden", "Bulky waste", life_situations=[]),
        service("reisepass", "Reisepass beantragen", "Apply for a passport",
                category="ausweise", life_situations=["reisen"]),
    )
    publish(tmp_path)
    return {item.slug: item for item in Service.objects.all()}


def start_page(client: Client) -> str:
    response = client.get("/de/")
    assert response.status_code == 200
    return response.content.decode()


def most_used(page: str) -> list[str]:
    """Return the slugs in the 'most used' section, in order ([] when the section is absent)."""
    match = re.search(r'<section aria-labelledby="most-used">(.*?)</section>', page, re.S)
    if match is None:
        return []
    return re.findall(r'href="/de/services/([a-z0-9-]+)/"', match.group(1))


def views_on(item: Service, views: int, days_ago: int = 0) -> None:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    ServiceDailyCount.objects.create(service=item, day=day, views=views)


def test_topics_with_services_are_listed_with_links(client: Client,
                                                    town: dict[str, Service]) -> None:
    page = start_page(client)

    assert 'href="/de/categories/strasse-und-abfall/"' in page
    assert "Straße und Abfall" in page
    assert "Müllabfuhr · Sperrmüll anmelden · Straßenreinigung" in page, (
        "the tile names the topic's services"
    )
    assert 'href="/de/categories/ausweise/"' in page
    assert 'href="/de/categories/leer/"' not in page, "a topic without services is not offered"


def test_topic_page_lists_its_services(client: Client, town: dict[str, Service]) -> None:
    page = client.get("/de/categories/ausweise/").content.decode()

    assert "Personalausweis und Reisepass" in page
    assert 'href="/de/services/reisepass/"' in page
    assert 'href="/de/services/muellabfuhr/"' not in page


def test_life_situations_are_listed_with_links(client: Client, town: dict[str, Service]) -> None:
    page = start_page(client)

    assert 'href="/de/life-situations/haus-und-hof/"' in page
    assert "Haus und Hof" in page
    assert 'href="/de/life-situations/reisen/"' in page
    assert "Auf Reisen" in page

    situation = client.get("/de/life-situations/haus-und-hof/").content.decode()
    assert 'href="/de/services/strassenreinigung/"' in situation
    assert 'href="/de/services/muellabfuhr/"' in situation
    assert 'href="/de/services/sperrmuell/"' not in situation
    assert 'href="/de/services/reisepass/"' not in situation


def test_most_used_follows_the_server_side_counts(client: Client, town: dict[str, Service]) -> None:
    views_on(town["reisepass"], 3)
    views_on(town["muellabfuhr"], 40)
    views_on(town["muellabfuhr"], 5, days_ago=10)
    views_on(town["strassenreinigung"], 20)
    views_on(town["strassenreinigung"], 30, days_ago=2)
    views_on(town["sperrmuell"], 900, days_ago=45)  # long ago: not "recent"

    assert most_used(start_page(client)) == ["strassenreinigung", "muellabfuhr", "reisepass"]


def test_most_used_is_absent_without_recent_views(client: Client, town: dict[str, Service]) -> None:
    views_on(town["sperrmuell"], 900, days_ago=45)

    page = start_page(client)

    assert most_used(page) == []
    assert 'id="most-used"' not in page


def test_opening_service_pages_moves_them_up(client: Client, town: dict[str, Service]) -> None:
    for _ in range(3):
        client.get("/de/services/sperrmuell/")
    client.get("/de/services/reisepass/")
    catalog_services.view_counter.flush()

    assert most_used(start_page(client)) == ["sperrmuell", "reisepass"]


def test_opening_a_service_page_counts_one_view(client: Client, town: dict[str, Service]) -> None:
    item = town["muellabfuhr"]
    client.get("/de/services/muellabfuhr/")
    client.get("/en/services/muellabfuhr/")
    assert not ServiceDailyCount.objects.exists(), "views are buffered, not written per request"

    catalog_services.view_counter.flush()

    count = ServiceDailyCount.objects.get()
    assert (count.service_id, count.day, count.views) == (item.pk, timezone.localdate(), 2)

    client.get("/de/services/muellabfuhr/")
    catalog_services.view_counter.flush()
    assert ServiceDailyCount.objects.get().views == 3, "the day's row is added to, not replaced"


def test_unknown_service_page_counts_nothing(client: Client, town: dict[str, Service]) -> None:
    assert client.get("/de/services/gibt-es-nicht/").status_code == 404
    catalog_services.view_counter.flush()

    assert not ServiceDailyCount.objects.exists()


@pytest.mark.parametrize("url", ["/de/", "/de/?q=muell", "/de/services/",
                                 "/de/services/muellabfuhr/", "/de/categories/strasse-und-abfall/",
                                 "/en/services/reisepass/"])
def test_browsing_the_catalog_sets_no_cookie(client: Client, town: dict[str, Service],
                                             url: str) -> None:
    views_on(town["muellabfuhr"], 4)

    response = client.get(url)

    assert response.status_code == 200
    assert dict(response.cookies) == {}
    assert "Set-Cookie" not in response.headers
    assert dict(client.cookies) == {}


def test_view_counter_stores_no_ip_no_user_no_agent(
    client: Client, town: dict[str, Service], django_user_model: type
) -> None:
    names = {field.name for field in ServiceDailyCount._meta.get_fields()}
    assert names == {"id", "service", "day", "views"}

    user = django_user_model.objects.create_user(username="erika", password="x")  # type: ignore[attr-defined]
    client.force_login(user)
    client.get("/de/services/muellabfuhr/", REMOTE_ADDR="203.0.113.77",
               HTTP_USER_AGENT="Firefox/140 erika-laptop", HTTP_REFERER="https://example.org/")
    catalog_services.view_counter.flush()

    row = ServiceDailyCount.objects.values().get()
    assert set(row) == {"id", "service_id", "day", "views"}
    assert (row["service_id"], row["day"], row["views"]) == (
        town["muellabfuhr"].pk, timezone.localdate(), 1
    )
    stored = " ".join(str(value) for value in row.values())
    for personal in ("203.0.113.77", "Firefox", "erika", "example.org"):
        assert personal not in stored
