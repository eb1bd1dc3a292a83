"""Calendars and slots for tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from rathaus.appointments.models import Calendar, Location, Mode, Slot

_numbers = itertools.count(1)


def location() -> Location:
    place, _ = Location.objects.get_or_create(
        slug="rathaus",
        defaults={"name_de": "Rathaus, Bürgerbüro", "name_en": "Town hall, citizens' office",
                  "street": "Rathausplatz 1", "postcode": "31000", "city": "Musterstadt"})
    return place


def calendar(**fields: Any) -> Calendar:
    """Return a new first-come calendar (``mode=Mode.DRAW`` for a draw calendar)."""
    n = next(_numbers)
    values: dict[str, Any] = {
        "slug": f"kalender-{n}", "name_de": f"Termin {n}", "name_en": f"Appointment {n}",
        "location": location(), "mode": Mode.FIRST_COME, "slot_minutes": 30,
        "book_from_days": 0, "book_until_days": 60,
    }
    return Calendar.objects.create(**{**values, **fields})


def slot(*, calendar_: Calendar | None = None, online: int = 1, staff: int = 0,
         days_ahead: int = 3, hour: int = 10, minute: int = 0, **fields: Any) -> Slot:
    """Return a slot ``days_ahead`` days from today at ``hour:minute`` local time."""
    owner = calendar_ if calendar_ is not None else calendar(**fields)
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    return Slot.objects.create(
        calendar=owner, starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=owner.slot_minutes),
        capacity_online=online, capacity_staff=staff)
