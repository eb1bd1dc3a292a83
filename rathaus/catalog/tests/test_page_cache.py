"""With the page cache on, service pages still count views and show a new version at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from rathaus.catalog import services as catalog_services
from rathaus.catalog.models import Department, ServiceDailyCount

from .definitions import publish, service, write_catalog, write_yaml

pytestmark = pytest.mark.django_db

OLD_TEXT = "Wir reinigen die Straßen einmal in der Woche."
NEW_TEXT = "Ab Mai reinigen wir die Straßen zweimal in der Woche."
URL = "/de/services/strassenreinigung/"


def street_cleaning(description_de: str) -> dict[str, Any]:
    return service("strassenreinigung", "Straßenreinigung", "Street cleaning",
                   description={"de": description_de, "en": "We clean the streets."})


def views() -> int:
    catalog_services.view_counter.flush()
    return sum(ServiceDailyCount.objects.values_list("views", flat=True))


def test_cached_service_page_counts_views_and_shows_a_new_version(
    client: Client, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RATHAUS_PAGE_CACHE_SECONDS = 60
    directory = write_catalog(tmp_path, street_cleaning(OLD_TEXT))
    with django_capture_on_commit_callbacks(execute=True):
        publish(directory)

    assert OLD_TEXT in client.get(URL).content.decode()
    # Renamed behind the cache's back: the next response must come from the cache.
    Department.objects.filter(slug="tiefbau").update(name_de="Umbenanntes Amt")
    cached = client.get(URL).content.decode()
    assert "Umbenanntes Amt" not in cached, "the second response is served from the cache"
    assert OLD_TEXT in cached
    assert views() == 2, "a page served from the cache is still counted"

    write_yaml(directory / "strassenreinigung.yaml", street_cleaning(NEW_TEXT))
    with django_capture_on_commit_callbacks(execute=True):
        assert publish(directory).new_versions == ["strassenreinigung"]

    page = client.get(URL).content.decode()
    assert NEW_TEXT in page
    assert OLD_TEXT not in page
    assert views() == 3


def test_cached_start_page_is_refreshed_after_publishing_commits(
    client: Client, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RATHAUS_PAGE_CACHE_SECONDS = 60
    directory = write_catalog(tmp_path, street_cleaning(OLD_TEXT))
    with django_capture_on_commit_callbacks(execute=True):
        publish(directory)
    assert 'href="/de/categories/ausweise/"' not in client.get("/de/").content.decode()

    write_yaml(directory / "reisepass.yaml",
               service("reisepass", "Reisepass beantragen", "Passport", category="ausweise"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish(directory)
    assert 'href="/de/categories/ausweise/"' not in client.get("/de/").content.decode(), (
        "until the transaction commits, the cached start page stays"
    )

    assert callbacks, "publishing schedules the cache bump for after the commit"
    for callback in callbacks:
        callback()

    assert 'href="/de/categories/ausweise/"' in client.get("/de/").content.decode()


def test_without_page_cache_every_request_renders_afresh(client: Client, tmp_path: Path) -> None:
    publish(write_catalog(tmp_path, street_cleaning(OLD_TEXT)))
    client.get(URL)
    Department.objects.filter(slug="tiefbau").update(name_de="Umbenanntes Amt")

    assert "Umbenanntes Amt" in client.get(URL).content.decode()


def test_cached_search_answers_the_same_query_again_and_finds_a_new_service(
    client: Client, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RATHAUS_PAGE_CACHE_SECONDS = 60
    directory = write_catalog(tmp_path, street_cleaning(OLD_TEXT))
    with django_capture_on_commit_callbacks(execute=True):
        publish(directory)
    search = "/de/?q=Stra%C3%9Fe"
    assert "Straßenreinigung" in client.get(search).content.decode()

    Department.objects.filter(slug="tiefbau").update(name_de="Umbenanntes Amt")
    from rathaus.catalog.models import Service

    Service.objects.filter(slug="strassenreinigung").update(title_de="Umbenannt")
    assert "Straßenreinigung" in client.get(search).content.decode(), (
        "the same query is answered from the cache")
    other = client.get("/de/?q=strassenrein").content.decode()
    assert 'value="strassenrein"' in other, "another query as typed is a page of its own"
    assert "Straßenreinigung" in other, (
        "a change behind the catalog's back is seen as late as on cached pages")

    write_yaml(directory / "strassensperrung.yaml",
               service("strassensperrung", "Straßensperrung beantragen", "Road closure"))
    with django_capture_on_commit_callbacks(execute=True):
        publish(directory)
    page = client.get(search).content.decode()
    assert "Straßensperrung beantragen" in page, "publishing retires the cached results"
    assert "Umbenannt" in page, "and what search matches is read afresh"
