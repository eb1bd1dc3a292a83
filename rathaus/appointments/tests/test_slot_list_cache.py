"""The calendar page's slot list may come from the cache for a few seconds, its form never."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rathaus.appointments import services
from rathaus.appointments.models import Booking, BookingStatus

from . import factories
from .pages import calendar_url, de, input_value, radios, text, times

pytestmark = [pytest.mark.django_db,
              pytest.mark.usefixtures("_slot_list_cached")]


@pytest.fixture
def _slot_list_cached() -> Any:
    with override_settings(RATHAUS_SLOT_LIST_CACHE_SECONDS=2):
        yield


def without_tokens(response: Any) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def queries(client: Client, url: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured.captured_queries)


def test_a_second_visitor_gets_the_slot_list_from_the_cache_with_a_form_of_their_own() -> None:
    slot = factories.slot(online=2)
    url = calendar_url(slot.calendar.slug)
    with override_settings(RATHAUS_SLOT_LIST_CACHE_SECONDS=0):
        Client().get(url)  # whatever a process looks up once, and nothing cached
    first, first_queries = queries(Client(enforce_csrf_checks=True), url)
    visitor = Client(enforce_csrf_checks=True)
    second, second_queries = queries(visitor, url)

    assert radios(second) == radios(first) == [str(slot.pk)]
    assert second_queries < first_queries, "the picker's queries are skipped"
    with override_settings(RATHAUS_SLOT_LIST_CACHE_SECONDS=0):
        uncached = Client().get(url)
    assert without_tokens(second) == without_tokens(uncached), "the same page"
    token = input_value(second, "csrfmiddlewaretoken")
    assert token
    assert token != input_value(first, "csrfmiddlewaretoken")
    # The visitor's own token is accepted: the hold works from the cached list.
    response = visitor.post(f"/de/appointments/{slot.calendar.slug}/hold/", {
        "slot": str(slot.pk), "date": timezone.localdate(slot.starts_at).isoformat(),
        "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Booking.objects.get().status == BookingStatus.HELD


def test_a_time_taken_meanwhile_is_refused_when_chosen_from_the_cached_list() -> None:
    slot = factories.slot(online=1)
    other = factories.slot(calendar_=slot.calendar, online=1, hour=11)
    client = Client()
    client.get(calendar_url(slot.calendar.slug))  # the list with both times is cached
    services.hold_slot(slot_id=slot.pk)

    page = client.get(calendar_url(slot.calendar.slug))
    assert str(slot.pk) in radios(page), "shown for up to the cache's seconds"
    refused = client.post(f"/de/appointments/{slot.calendar.slug}/hold/", {
        "slot": str(slot.pk), "date": timezone.localdate(slot.starts_at).isoformat()})
    assert refused.status_code == 200
    assert de(str(services.SlotFull.message)) in text(refused)
    # The page with the error is built afresh, and so is the list once the cache has expired.
    assert radios(refused) == [str(other.pk)]
    cache.clear()
    assert radios(client.get(calendar_url(slot.calendar.slug))) == [str(other.pk)]


def test_each_language_and_day_has_its_own_list() -> None:
    slot = factories.slot(online=1)
    later = factories.slot(calendar_=slot.calendar, online=1, days_ahead=4, hour=9)
    slug = slot.calendar.slug

    german = text(Client().get(calendar_url(slug)))
    english = text(Client().get(calendar_url(slug, "en")))
    next_day = Client().get(calendar_url(slug), {
        "date": timezone.localdate(later.starts_at).isoformat()})

    assert times(slot) in german
    assert "Free times on" in english
    assert "Freie Zeiten am" not in english
    assert radios(next_day) == [str(later.pk)]


@override_settings(RATHAUS_SLOT_LIST_CACHE_SECONDS=0)
def test_switched_off_every_request_reads_the_slots() -> None:
    slot = factories.slot(online=1)
    url = calendar_url(slot.calendar.slug)
    Client().get(url)  # whatever a process looks up once
    _first, first_queries = queries(Client(), url)
    _second, second_queries = queries(Client(), url)
    assert second_queries == first_queries
