"""List pages cost a fixed number of queries, however many services the town publishes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rathaus.catalog.models import Service, ServiceDailyCount

from .definitions import publish, service, write_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[3, 10], ids=["3-services", "10-services"])
def published(request: pytest.FixtureRequest, tmp_path: Path) -> int:
    """Publish N services in two topics and two life situations, all recently viewed."""
    count: int = request.param
    write_catalog(tmp_path, *[
        service(f"dienst-{index:02d}", f"Dienst {index:02d}", f"Service {index:02d}",
                department=("tiefbau", "buergerdienste")[index % 2],
                category=("strasse-und-abfall", "ausweise")[index % 2],
                life_situations=["haus-und-hof", "reisen"])
        for index in range(count)
    ])
    publish(tmp_path)
    ServiceDailyCount.objects.bulk_create(
        ServiceDailyCount(service=item, day=timezone.localdate(), views=item.pk)
        for item in Service.objects.all()
    )
    return count


def service_links(client: Client, url: str, queries: int, assert_num_queries: Any) -> int:
    with assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    return len(re.findall(r'href="/de/services/dienst-\d+/"', response.content.decode()))


# The services with their topics (the tiles), life situations, most used.
def test_start_page(client: Client, published: int, django_assert_num_queries: Any) -> None:
    links = service_links(client, "/de/", 3, django_assert_num_queries)
    assert links == min(published, 6), "the most used list is on the page"


def test_a_to_z_list(client: Client, published: int, django_assert_num_queries: Any) -> None:
    assert service_links(client, "/de/services/", 1, django_assert_num_queries) == published


# The active services and the offline needs; matching runs in memory on exactly those rows.
def test_search_results(client: Client, published: int, django_assert_num_queries: Any) -> None:
    assert service_links(client, "/de/?q=dienst", 2, django_assert_num_queries) == published


# With the page cache on, a process keeps what search matches for the catalog's generation:
# a query it has not answered before costs no query at all.
def test_new_search_with_page_cache(client: Client, published: int, settings: Any,
                                    django_assert_num_queries: Any) -> None:
    settings.RATHAUS_PAGE_CACHE_SECONDS = 60
    assert service_links(client, "/de/?q=dienst", 2, django_assert_num_queries) == published
    assert service_links(client, "/de/?q=Dienst+01", 0, django_assert_num_queries) == 1


def test_category_page(client: Client, published: int, django_assert_num_queries: Any) -> None:
    # The topic, its services, its offline needs.
    links = service_links(client, "/de/categories/ausweise/", 3, django_assert_num_queries)
    assert links == published // 2


def test_life_situation_page(client: Client, published: int,
                             django_assert_num_queries: Any) -> None:
    links = service_links(client, "/de/life-situations/reisen/", 2, django_assert_num_queries)
    assert links == published


def test_service_page(client: Client, published: int, django_assert_num_queries: Any) -> None:
    # One query: service with its current version and department; the view is only buffered.
    with django_assert_num_queries(1):
        response = client.get("/de/services/dienst-01/")
    assert "buergerdienste@musterstadt.example" in response.content.decode()
