"""Appointment data for the benchmark: calendars, the hot slot, an API token, the room's opening.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.appointments setup --capacity 2000
    ... open-room --in-seconds 5 --per-minute 1200
    ... count --slot ID

Each command prints one JSON line (marker ``BENCH_DATA``) that bench/run.py reads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import Any

import django

MARKER = "BENCH_DATA "
SLOTS = "bench-buergerbuero"  # the slot list: an ordinary first-come calendar
RUSH = "bench-impfzentrum"  # one hot slot, booked through the API from the staff quota
ROOM = "bench-warteraum"  # a first-come calendar behind the waiting room


def _calendar(slug: str, location: Any, **fields: Any) -> Any:
    from rathaus.appointments.models import Calendar, OpeningRule, Weekday

    calendar = Calendar.objects.create(
        slug=slug, name_de=f"Benchmark {slug}", name_en=f"Benchmark {slug}", location=location,
        slot_minutes=15, book_from_days=1, book_until_days=28, **fields)
    for weekday in (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY,
                    Weekday.FRIDAY, Weekday.SATURDAY):
        OpeningRule.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(8),
                                   closes=dt.time(16), capacity=3, staff_capacity=1)
    return calendar


def setup(capacity: int, per_minute: int) -> dict[str, Any]:
    """Create the three calendars, their slots and an agent's API token."""
    from django.utils import timezone

    from rathaus.appointments.models import Location, Slot
    from rathaus.appointments.roles import ensure_agent
    from rathaus.appointments.services import sync_slots
    from rathaus.appointments.tokens import create_api_token

    location = Location.objects.create(slug="bench", name_de="Benchmark", street="Rathausplatz 1",
                                       postcode="31000", city="Musterstadt")
    for slug in (SLOTS, ROOM):
        sync_slots(calendar=_calendar(slug, location, waiting_room=slug == ROOM,
                                      admissions_per_minute=per_minute))
    rush = _calendar(RUSH, location)
    starts = timezone.make_aware(dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=2), dt.time(10)))
    slot = Slot.objects.create(calendar=rush, starts_at=starts,
                               ends_at=starts + dt.timedelta(minutes=15), capacity_online=0,
                               capacity_staff=capacity)
    # Booked first, to warm up the booking path in every worker without touching the hot slot.
    warm = Slot.objects.create(calendar=rush, starts_at=starts + dt.timedelta(hours=1),
                               ends_at=starts + dt.timedelta(hours=1, minutes=15),
                               capacity_online=0, capacity_staff=capacity)
    agent, _created = ensure_agent(username="bench-agent")
    _token, key = create_api_token(user=agent, name="benchmark")
    return {"slot_id": slot.pk, "warm_slot_id": warm.pk, "token": key,
            "slots_in_list": Slot.objects.filter(calendar__slug=SLOTS).count()}


def open_room(in_seconds: float, per_minute: int) -> dict[str, Any]:
    """Let the waiting room's calendar open ``in_seconds`` from now at ``per_minute``."""
    from django.utils import timezone

    from rathaus.appointments.models import Calendar

    opens_at = timezone.now() + dt.timedelta(seconds=in_seconds)
    Calendar.objects.filter(slug=ROOM).update(rush_opens_at=opens_at,
                                              admissions_per_minute=per_minute)
    return {"opens_at": opens_at.timestamp()}


def count(slot_id: int) -> dict[str, Any]:
    """Return the slot's counters and its bookings, straight from the database."""
    from rathaus.appointments.models import OCCUPYING, Booking, Slot

    slot = Slot.objects.get(pk=slot_id)
    bookings = Booking.objects.filter(slot=slot)
    created = sorted(bookings.values_list("created_at", flat=True))
    return {
        "capacity_staff": slot.capacity_staff, "booked_staff": slot.booked_staff,
        "booked_online": slot.booked_online, "bookings": bookings.count(),
        "occupying": bookings.filter(status__in=OCCUPYING).count(),
        "first_created": created[0].timestamp() if created else None,
        "last_created": created[-1].timestamp() if created else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.appointments")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("setup")
    make.add_argument("--capacity", type=int, default=2000)
    make.add_argument("--per-minute", type=int, default=600)
    room = commands.add_parser("open-room")
    room.add_argument("--in-seconds", type=float, default=5)
    room.add_argument("--per-minute", type=int, default=600)
    counting = commands.add_parser("count")
    counting.add_argument("--slot", type=int, required=True)
    args = parser.parse_args(argv)
    django.setup()
    if args.command == "setup":
        result = setup(args.capacity, args.per_minute)
    elif args.command == "open-room":
        result = open_room(args.in_seconds, args.per_minute)
    else:
        result = count(args.slot)
    print(MARKER + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
