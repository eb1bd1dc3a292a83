"""A signed-in citizen books and registers under their own person key, with the form filled in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from rathaus.appointments import services
from rathaus.appointments.models import Booking, DrawMethod, Mode, Registration
from rathaus.appointments.tests import factories as appointment_factories
from rathaus.appointments.tests.pages import book, de, hold, input_value, text
from rathaus.identity.people import person_key
from rathaus.identity.testing import sign_in_client

pytestmark = pytest.mark.django_db(transaction=True)  # the confirmation goes out after commit


def test_booking_while_signed_in_uses_the_bundid_key_and_shows_in_mein_rathaus(
        client: Client) -> None:
    citizen = sign_in_client(client, bpk2="erika-bpk2")
    slot = appointment_factories.slot(online=2)

    details = client.get(hold(client, slot)["Location"])
    assert input_value(details, "name") == "Erika Mustermann"
    assert input_value(details, "email") == "erika.mustermann@example.org"

    # She may change the address the confirmation goes to; she stays the same person.
    booking = book(client, slot, {"name": "Erika Mustermann", "email": "erika@work.example",
                                  "phone": ""})
    assert booking.person_key == citizen.person_key == person_key(bundid_key="erika-bpk2")
    assert booking.person_key != person_key(email="erika@work.example")
    assert booking.reference in text(client.get("/de/mein-rathaus/termine/"))

    # One booking per person and calendar holds for the person, whatever address is typed.
    other = appointment_factories.slot(calendar_=slot.calendar, hour=11)
    refused = client.post(hold(client, other)["Location"], {
        "name": "Erika Mustermann", "email": "another@example.org", "phone": ""})
    assert refused.status_code == 200
    assert de("There is already an appointment for this e-mail address in this calendar. "
              "Use the link in its e-mail to change or cancel it.") in text(refused)
    assert Booking.objects.filter(status="confirmed").count() == 1


def test_anonymous_booking_keeps_the_e_mail_key(client: Client) -> None:
    slot = appointment_factories.slot()
    booking = book(client, slot)
    assert booking.person_key == person_key(email="erika@example.org")


def test_registering_for_a_draw_while_signed_in(client: Client) -> None:
    citizen = sign_in_client(client, bpk2="erika-bpk2")
    calendar = appointment_factories.calendar(mode=Mode.DRAW)
    appointment_factories.slot(calendar_=calendar, days_ahead=10)
    now = timezone.now()
    services.open_release(calendar=calendar, opens_at=now - dt.timedelta(hours=1),
                          closes_at=now + dt.timedelta(hours=1),
                          slots_from=timezone.localdate(),
                          slots_until=timezone.localdate() + dt.timedelta(days=20),
                          method=DrawMethod.LOTTERY)

    page = client.get(f"/de/appointments/{calendar.slug}/")
    assert input_value(page, "name") == "Erika Mustermann"
    assert input_value(page, "email") == "erika.mustermann@example.org"
    response = client.post(f"/de/appointments/{calendar.slug}/register/", {
        "name": "Erika Mustermann", "email": "erika.mustermann@example.org", "phone": "",
        "eligible": "yes"})
    assert response.status_code == 302, text(response)
    registration = Registration.objects.get()
    assert registration.person_key == citizen.person_key
    assert registration.reference in text(client.get("/de/mein-rathaus/termine/"))
