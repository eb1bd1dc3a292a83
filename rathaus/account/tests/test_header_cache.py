"""The header shows the sign-in state, and no signed-in header ever reaches the shared cache."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus.account.tests import factories

pytestmark = pytest.mark.django_db

SIGNED_IN = 'href="/de/mein-rathaus/"'
SIGN_OUT = 'action="/identity/sign-out/"'


@pytest.fixture
def page_cache(settings: Any) -> None:
    settings.RATHAUS_PAGE_CACHE_SECONDS = 60


@pytest.mark.parametrize("path", ["/de/", "/de/services/hund-anmelden/"])
def test_a_signed_in_page_is_never_served_to_anyone_else(hund_catalog: None, page_cache: None,
                                                         path: str) -> None:
    citizen = Client()
    factories.signed_in(citizen)
    personal = citizen.get(path).content.decode()
    assert SIGNED_IN in personal
    assert SIGN_OUT in personal
    assert "csrfmiddlewaretoken" in personal

    anonymous = Client().get(path).content.decode()
    assert SIGNED_IN not in anonymous
    assert SIGN_OUT not in anonymous
    assert "csrfmiddlewaretoken" not in anonymous
    assert f'href="/de/anmelden/?next={path.replace("/", "%2F")}"' in anonymous


@pytest.mark.parametrize("path", ["/de/", "/de/services/hund-anmelden/"])
def test_a_cached_anonymous_page_is_not_served_to_a_signed_in_citizen(
        hund_catalog: None, page_cache: None, path: str) -> None:
    Client().get(path)  # fills the cache
    citizen = Client()
    factories.signed_in(citizen)
    page = citizen.get(path).content.decode()
    assert SIGNED_IN in page
    assert "Anmelden" not in page.split("</header>")[0]


def test_anonymous_pages_are_still_cached(hund_catalog: None, page_cache: None,
                                          django_assert_num_queries: Any) -> None:
    Client().get("/de/")
    with django_assert_num_queries(0):
        assert 'href="/de/anmelden/?next=%2Fde%2F"' in Client().get("/de/").content.decode()


def test_the_header_costs_no_query_for_anonymous_visitors(client: Client, hund_catalog: None,
                                                          django_assert_num_queries: Any) -> None:
    client.get("/de/impressum/")
    with django_assert_num_queries(0):
        page = client.get("/de/impressum/").content.decode()
    assert 'href="/de/anmelden/?next=%2Fde%2Fimpressum%2F"' in page


def test_the_header_of_a_signed_in_citizen(client: Client) -> None:
    factories.signed_in(client)
    page = client.get("/en/impressum/").content.decode()
    header = page.split("</header>")[0]
    assert 'href="/en/mein-rathaus/"' in header
    assert SIGN_OUT in header
    assert "/anmelden/" not in header


def test_the_sign_in_page_does_not_send_back_to_itself(client: Client) -> None:
    header = client.get("/de/anmelden/").content.decode().split("</header>")[0]
    assert 'href="/de/anmelden/"' in header
    assert "next=" not in header


def test_the_staff_area_does_not_offer_the_citizens_sign_in(client: Client) -> None:
    body = client.get("/de/staff/login/").content.decode()
    assert 'href="/de/anmelden/' not in body
    assert 'href="/de/anmelden/' in client.get("/de/impressum/").content.decode()
