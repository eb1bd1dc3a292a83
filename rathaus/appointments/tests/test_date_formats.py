"""Appointment dates and times read the same way everywhere: 17 May 2026, 17:19 in English."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone, translation

from rathaus.appointments import links
from rathaus.appointments.models import Booking, BookingStatus

from .factories import slot

pytestmark = pytest.mark.django_db

GERMAN_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                 "September", "Oktober", "November", "Dezember"]


def _booking() -> Booking:
    place = slot(hour=17, minute=19, days_ahead=5)
    return Booking.objects.create(calendar=place.calendar, slot=place, channel="online",
                                  status=BookingStatus.CONFIRMED, person_key="k",
                                  name="Erika Mustermann", email="erika@example.org")


def test_the_english_appointment_page_and_e_mail_use_day_month_year_and_24_hours(
    client: Client,
) -> None:
    booking = _booking()
    day = timezone.localdate(booking.slot.starts_at)
    english = f"{day.day} {day:%B} {day.year}"  # 17 May 2026

    page = client.get(f"/en/appointment/{links.manage_token(booking)}/").content.decode()

    assert english in page
    assert "17:19" in page
    assert "p.m." not in page
    assert f"{day:%B} {day.day}," not in page
    with translation.override("en"):
        when = render_to_string("appointments/email/_when.txt", {
            "slot": booking.slot, "location": booking.calendar.location, "booking": booking})
    assert f"{day:%A}, {english}, 17:19–17:49" in when


def test_german_appointment_pages_are_unchanged(client: Client) -> None:
    booking = _booking()
    day = timezone.localdate(booking.slot.starts_at)
    german = f"{day.day}. {GERMAN_MONTHS[day.month - 1]} {day.year}"

    page = client.get(f"/de/appointment/{links.manage_token(booking)}/").content.decode()

    assert german in page
    assert "17:19" in page
    with translation.override("de"):
        when = render_to_string("appointments/email/_when.txt", {
            "slot": booking.slot, "location": booking.calendar.location, "booking": booking})
    assert f"{german}, 17:19–17:49" in when
