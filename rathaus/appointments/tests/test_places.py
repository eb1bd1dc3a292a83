"""What a booking remembers about slots, and what it never remembers (places.py)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rathaus.appointments import places, services
from rathaus.appointments.models import Booking, Slot

from . import factories

pytestmark = pytest.mark.django_db


def caller(n: int) -> services.Person:
    return services.Person(name=f"Anrufer {n}", phone=f"0511 {n}")


def test_closing_a_calendar_here_refuses_its_bookings_at_once() -> None:
    slot = factories.slot(online=0, staff=5)
    services.book_for_caller(slot_id=slot.pk, person=caller(1), agent=None)

    slot.calendar.is_active = False
    slot.calendar.save()

    with pytest.raises(services.NotBookable):
        services.book_for_caller(slot_id=slot.pk, person=caller(2), agent=None)


def test_another_process_closing_a_calendar_takes_effect_within_seconds(monkeypatch: Any) -> None:
    slot = factories.slot(online=0, staff=5)
    services.book_for_caller(slot_id=slot.pk, person=caller(1), agent=None)
    clock = time.monotonic()
    # An update that sends no signal to this process, as one in another web process.
    type(slot.calendar).objects.filter(pk=slot.calendar_id).update(is_active=False)

    services.book_for_caller(slot_id=slot.pk, person=caller(2), agent=None)
    monkeypatch.setattr(time, "monotonic", lambda: clock + places.FACTS_SECONDS + 0.1)
    with pytest.raises(services.NotBookable):
        services.book_for_caller(slot_id=slot.pk, person=caller(3), agent=None)


def test_places_are_never_remembered_only_counted() -> None:
    slot = factories.slot(online=0, staff=1)
    first = services.book_for_caller(slot_id=slot.pk, person=caller(1), agent=None)
    with pytest.raises(services.SlotFull):
        services.book_for_caller(slot_id=slot.pk, person=caller(2), agent=None)

    services.cancel_booking(booking=first)

    services.book_for_caller(slot_id=slot.pk, person=caller(3), agent=None)
    slot.refresh_from_db()
    assert slot.booked_staff == 1


def test_a_slot_removed_by_another_process_is_not_bookable_and_nothing_is_written() -> None:
    slot = factories.slot(online=0, staff=3)
    facts = places.slot_facts(slot.pk)
    assert facts is not None
    Slot.objects.filter(pk=slot.pk).delete()
    places._facts[slot.pk] = (float("inf"), facts)  # still remembered over there

    with pytest.raises(services.NotBookable):
        services.book_for_caller(slot_id=slot.pk, person=caller(1), agent=None)
    assert not Booking.objects.exists()


def test_the_booking_row_holds_everything_the_service_gave_it() -> None:
    slot = factories.slot(online=0, staff=3)
    person = services.Person(name="Ayşe Yılmaz-Schröder", email="ayse@example.org",
                             phone="05121 301-0", language="en")

    booking = services.book_for_caller(slot_id=slot.pk, person=person, agent=None)

    stored = Booking.objects.get(pk=booking.pk)
    fields = [f.attname for f in Booking._meta.concrete_fields]
    assert {f: getattr(stored, f) for f in fields} == {f: getattr(booking, f) for f in fields}
    assert (stored.name, stored.language, stored.status) == (person.name, "en", "confirmed")


def test_remembered_facts_cannot_be_changed_by_a_request() -> None:
    facts = places.slot_facts(factories.slot().pk)
    assert facts is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.calendar_active = False  # type: ignore[misc]


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_booking_is_one_statement_and_one_commit(postgres: None) -> None:
    slot = factories.slot(online=0, staff=2)
    services.book_for_caller(slot_id=slot.pk, person=caller(1), agent=None)  # remembers the slot

    with CaptureQueriesContext(connection) as booking:
        services.book_for_caller(slot_id=slot.pk, person=caller(2), agent=None)
    with CaptureQueriesContext(connection) as refusal, pytest.raises(services.SlotFull):
        services.book_for_caller(slot_id=slot.pk, person=caller(3), agent=None)

    assert [q["sql"][:15] for q in booking.captured_queries] == ["WITH taken AS ("]
    assert [q["sql"][:15] for q in refusal.captured_queries] == ["WITH taken AS ("]
    assert Booking.objects.count() == 2
