"""The shipped appointment services, from the start page to a booked time, as on a fresh install."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from rathaus.appointments.models import BookingStatus, Slot

from .pages import book, de, radios, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def installed(catalog: None) -> None:
    call_command("load_calendars", stdout=StringIO())


@pytest.mark.parametrize(("service", "calendar"), [
    ("personalausweis-beantragen", "buergerbuero"),
    ("trautermin", "trauzimmer"),
    ("impftermin", "impfzentrum"),
    ("eheschliessung-anmelden", "standesamt"),
])
def test_each_appointment_service_leads_to_its_calendar(
        client: Client, installed: None, service: str, calendar: str) -> None:
    found = client.get("/de/", {"q": service.split("-")[0]})
    page = client.get(f"/de/services/{service}/")
    calendar_page = client.get(f"/de/appointments/{calendar}/")

    assert f'href="/de/services/{service}/"' in found.content.decode()
    assert de("Book an appointment") in text(page)
    assert f'href="/de/appointments/{calendar}/"' in page.content.decode()
    assert calendar_page.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_an_id_card_appointment_can_be_booked_from_a_fresh_install(
        client: Client, installed: None) -> None:
    page = client.get("/de/appointments/buergerbuero/")
    offered = radios(page)
    slot = Slot.objects.get(pk=offered[0])

    booking = book(client, slot)

    assert timezone.localtime(slot.starts_at).weekday() < 5
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.calendar.slug == "buergerbuero"


def test_the_vaccination_centre_takes_registrations_instead_of_a_race(
        client: Client, installed: None) -> None:
    call_command("seed_demo", stdout=StringIO())

    page = client.get("/de/appointments/impfzentrum/")

    assert radios(page) == []  # no first-come slot picker
    assert "80 Jahre und älter" in text(page)  # the priority groups to choose from
