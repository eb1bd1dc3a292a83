"""Names and contact details of appointments do not stay longer than needed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from rathaus.appointments import services
from rathaus.appointments.models import Booking, DailyCount, DrawMethod, Mode, Registration
from rathaus.appointments.stats import counter

from . import factories

pytestmark = pytest.mark.django_db


def person(n: int) -> services.Person:
    return services.Person(name=f"Person {n}", email=f"p{n}@example.org", phone="0511 123")


def test_bookings_lose_names_30_days_after_the_appointment_counts_stay(
        django_capture_on_commit_callbacks: Any) -> None:
    slot = factories.slot(online=2)
    with django_capture_on_commit_callbacks(execute=True):
        kept = services.book_for_caller(slot_id=slot.pk, person=person(1), agent=None,
                                        channel="online")
    counter.flush()
    appointment_end = slot.ends_at

    assert services.purge_personal_data(now=appointment_end + dt.timedelta(days=29)) == 0
    assert services.purge_personal_data(now=appointment_end + dt.timedelta(days=31)) == 1

    kept.refresh_from_db()
    assert (kept.name, kept.email, kept.phone, kept.person_key) == ("", "", "", "")
    assert kept.reference
    assert kept.status == "confirmed"
    assert DailyCount.objects.get(metric="booked").value == 1


def test_a_cancelled_future_booking_is_anonymised_30_days_after_cancelling() -> None:
    slot = factories.slot(online=1, days_ahead=50)
    booking = services.book_for_caller(slot_id=slot.pk, person=person(2), agent=None,
                                       channel="online")
    services.cancel_booking(booking=booking)

    services.purge_personal_data(now=timezone.now() + dt.timedelta(days=31))

    assert Booking.objects.get(pk=booking.pk).email == ""


def test_people_still_on_a_draw_list_keep_their_registration() -> None:
    calendar = factories.calendar(mode=Mode.DRAW)
    waiting = services.register_for_draw(calendar=calendar, person=person(3), group=None)
    withdrawn = services.register_for_draw(calendar=calendar, person=person(4), group=None)
    Registration.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    services.open_release(calendar=calendar, opens_at=timezone.now(),
                          closes_at=timezone.now() + dt.timedelta(days=1),
                          slots_from=timezone.localdate(), slots_until=timezone.localdate(),
                          method=DrawMethod.LOTTERY)

    services.purge_personal_data(now=timezone.now() + dt.timedelta(days=400))

    assert Registration.objects.get(pk=waiting.pk).email == "p3@example.org"
    assert Registration.objects.get(pk=withdrawn.pk).email == ""
    assert Registration.objects.get(pk=withdrawn.pk).mailbox_key == ""
    assert Registration.objects.get(pk=waiting.pk).mailbox_key != ""
