"""Which slots a calendar has on which days: pure functions of its rules, closures and holidays.

Slots start at the local opening time (Europe/Berlin) and follow each other at the slot length in
real time, so a slot is always exactly as long as configured, also on the nights the clocks change;
an opening or closing time that does not exist on the spring-forward night is read as the moment
after the gap (03:00 CEST), and one that occurs twice in October as its first occurrence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays

UTC = dt.UTC


@dataclass(frozen=True)
class Hours:
    """Opening hours that apply on a weekday (rule) or a single date (special opening)."""

    opens: dt.time
    closes: dt.time
    capacity: int
    staff_capacity: int
    weekday: int | None = None
    date: dt.date | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def applies_on(self, day: dt.date) -> bool:
        if self.date is not None:
            return day == self.date
        if self.weekday != day.weekday():
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


@dataclass(frozen=True)
class PlannedSlot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity_online: int
    capacity_staff: int


def public_holidays(years: Iterable[int]) -> holidays.HolidayBase:
    """Return the public holidays of Lower Saxony for the given years."""
    return holidays.country_holidays("DE", subdiv="NI", years=list(years))


def _local(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """Return the first instant at which the clocks show ``at`` (or a later time) on ``day``."""
    wall = dt.datetime.combine(day, at)
    instant = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first of a repeated hour
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # Inside the spring-forward gap fold=0 lands as far past the gap as ``at`` lies in it
    # (02:30 -> 03:30 CEST), but from the end of the gap on the clocks already show a later time:
    # search the whole second the gap ends between the readings with both offsets.
    before = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    after = int(instant.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if dt.datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    return dt.datetime.fromtimestamp(after, UTC)


def plan_slots(
    *,
    start: dt.date,
    end: dt.date,
    slot_minutes: int,
    rules: Iterable[Hours],
    specials: Iterable[Hours] = (),
    closed_days: Container[dt.date] = (),
    holiday_days: Container[dt.date] = (),
    zone: ZoneInfo,
) -> list[PlannedSlot]:
    """Return the slots from ``start`` to ``end`` (both inclusive), ordered by start.

    A special opening replaces the weekday rules on its date and opens even on a holiday;
    a closure closes the day whatever else applies. Slots never overlap: where hours overlap,
    the earlier-opening hours win.
    """
    rules = sorted(rules, key=lambda h: h.opens)
    specials = sorted(specials, key=lambda h: h.opens)
    length = dt.timedelta(minutes=slot_minutes)
    planned: list[PlannedSlot] = []
    day = start
    while day <= end:
        if day not in closed_days:
            todays = [h for h in specials if h.applies_on(day)]
            if not todays and day not in holiday_days:
                todays = [h for h in rules if h.applies_on(day)]
            day_slots: list[PlannedSlot] = []
            for hours in todays:
                cursor = _local(day, hours.opens, zone)
                closes = _local(day, hours.closes, zone)
                while cursor + length <= closes:
                    ends = cursor + length
                    if not any(s.starts_at < ends and cursor < s.ends_at for s in day_slots):
                        day_slots.append(PlannedSlot(cursor, ends,
                                                     hours.capacity - hours.staff_capacity,
                                                     hours.staff_capacity))
                    cursor = ends
            planned.extend(sorted(day_slots, key=lambda s: s.starts_at))
        day += dt.timedelta(days=1)
    return planned
