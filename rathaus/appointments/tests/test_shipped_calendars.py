"""The calendars the town gets on a fresh install, as the start command installs them."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from rathaus.appointments.models import Calendar, Mode, Slot
from rathaus.appointments.services import NotBookable, hold_slot, sync_slots


@pytest.fixture
def shipped(catalog: None) -> None:
    call_command("load_calendars", stdout=StringIO())


def mondays(calendar: Calendar) -> dict[dt.date, tuple[int, int]]:
    totals: dict[dt.date, tuple[int, int]] = {}
    for slot in Slot.objects.filter(calendar=calendar):
        day = timezone.localtime(slot.starts_at).date()
        online, staff = totals.get(day, (0, 0))
        totals[day] = (online + slot.capacity_online, staff + slot.capacity_staff)
    return totals


def test_the_vaccination_centre_has_200_doses_each_monday_15_percent_by_phone(
        shipped: None) -> None:
    centre = Calendar.objects.get(slug="impfzentrum")

    days = mondays(centre)

    assert centre.mode == Mode.DRAW
    assert centre.waiting_room
    assert days, "no Mondays in the booking window"
    assert all(day.weekday() == 0 for day in days)
    assert set(days.values()) == {(170, 30)}  # 200 doses, 30 of them (15 %) for callers
    assert [g.code for g in centre.priority_groups.order_by("rank", "code")] == [
        "ab-80", "pflege", "ab-60", "alle"]
    assert str(centre.department) == "Soziales"


def test_a_public_holiday_monday_has_no_vaccinations(shipped: None) -> None:
    centre = Calendar.objects.get(slug="impfzentrum")
    easter_monday, whit_monday = dt.date(2027, 3, 29), dt.date(2027, 5, 17)

    sync_slots(calendar=centre, start=dt.date(2027, 3, 22), end=dt.date(2027, 5, 24))

    days = mondays(centre)
    assert easter_monday not in days
    assert whit_monday not in days
    assert days[dt.date(2027, 3, 22)] == (170, 30)
    assert days[dt.date(2027, 4, 5)] == (170, 30)


def test_citizens_office_and_wedding_room_are_first_come(shipped: None) -> None:
    office = Calendar.objects.get(slug="buergerbuero")
    wedding = Calendar.objects.get(slug="trauzimmer")

    assert office.mode == wedding.mode == Mode.FIRST_COME
    office_days = {timezone.localtime(s.starts_at).weekday() for s in office.slots.all()}
    assert office_days == {0, 1, 2, 3, 4}
    # Online, a wedding is booked 30 days ahead at the earliest; the office itself may book
    # earlier slots for a caller.
    soon = wedding.slots.filter(starts_at__lt=timezone.now() + dt.timedelta(days=29)).first()
    later = wedding.slots.filter(starts_at__gt=timezone.now() + dt.timedelta(days=31)).first()
    assert soon is not None
    assert later is not None
    with pytest.raises(NotBookable):
        hold_slot(slot_id=soon.pk)
    assert hold_slot(slot_id=later.pk).slot == later
    assert wedding.slots.aggregate(staff=Sum("capacity_staff"))["staff"] == 0


def test_loading_again_keeps_what_the_admin_changed(shipped: None) -> None:
    Calendar.objects.filter(slug="buergerbuero").update(hold_minutes=25)

    out = StringIO()
    call_command("load_calendars", stdout=out)

    assert "none (all exist)" in out.getvalue()
    assert Calendar.objects.get(slug="buergerbuero").hold_minutes == 25
    call_command("load_calendars", "--update", stdout=StringIO())
    assert Calendar.objects.get(slug="buergerbuero").hold_minutes == 10


def test_a_broken_calendar_file_names_the_place_and_the_problem(tmp_path: Path) -> None:
    broken = tmp_path / "_calendars.yaml"
    broken.write_text(
        "locations: []\ncalendars:\n  - slug: x\n    name: {de: X, en: X}\n"
        "    location: nowhere\n    rules:\n      - {weekday: 9, opens: '10:00', "
        "closes: '09:00', capacity: 1}\n", encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("load_calendars", "--check", "--file", str(broken))

    assert "calendars.0.rules.0.weekday" in str(error.value)
    assert "less than or equal to 6" in str(error.value)
