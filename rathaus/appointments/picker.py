"""The slot picker: which days of the booking window a citizen sees, and which times are free.

A read, no writes: one indexed range query on the slot rows of the week shown, and the first free
time of the whole window only when the page needs it (to open on its day, or to say when the next
free time is).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext, pgettext

from .models import Calendar, Slot


@dataclass(frozen=True)
class Day:
    """One day of the week shown: how many times it has and how many are free online."""

    date: dt.date
    times: int
    free: int

    @property
    def closed(self) -> bool:
        return self.times == 0

    @property
    def full(self) -> bool:
        return self.times > 0 and self.free == 0


@dataclass(frozen=True)
class Time:
    """A free time of the day shown, with its free online places."""

    slot: Slot

    @property
    def places_left(self) -> int:
        return self.slot.capacity_online - self.slot.booked_online

    @property
    def shared(self) -> bool:
        """Whether the time has several places, so that how many are left is worth saying."""
        return self.slot.capacity_online > 1

    # The label and the places are built here rather than in the template: a day has dozens of
    # times, and a template include with a translation per time made up most of the page's cost.
    @property
    def label(self) -> str:
        start, end = timezone.localtime(self.slot.starts_at), timezone.localtime(self.slot.ends_at)
        return pgettext("from one clock time to another", "%(start)s to %(end)s") % {
            "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}

    @property
    def places_text(self) -> str:
        places = self.places_left
        return ngettext("%(places)s place left", "%(places)s places left", places) % {
            "places": places}


@dataclass(frozen=True)
class Picker:
    day: dt.date
    days: list[Day]
    slots: list[Time]
    earlier: dt.date | None
    later: dt.date | None
    next_free: dt.date | None
    any_free: bool


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def _first_free(calendar: Calendar, now: dt.datetime, first: dt.date, last: dt.date,
                exclude: int | None) -> Slot | None:
    free = Slot.objects.filter(
        calendar=calendar, starts_at__gt=now, starts_at__gte=_midnight(first),
        starts_at__lt=_midnight(last + dt.timedelta(days=1)),
        booked_online__lt=F("capacity_online"))
    if exclude is not None:
        free = free.exclude(pk=exclude)
    return free.order_by("starts_at").only("starts_at").first()


def week_of(calendar: Calendar, *, day: dt.date | None, week: dt.date | None = None,
            exclude: int | None = None) -> Picker:
    """Return the week around ``day`` (or the week ``week``) with the free times of one day.

    Without a date it opens on the first day with a free place. One range query reads the
    week's slots; the first free time of the whole window is looked up only when needed.
    """
    now = timezone.now()
    first, last = calendar.booking_window(timezone.localdate(now))
    first_free: Slot | None = None
    if day is None and week is None:
        first_free = _first_free(calendar, now, first, last, exclude)
        if first_free is None:
            return Picker(day=first, days=[], slots=[], earlier=None, later=None,
                          next_free=None, any_free=False)
        day = timezone.localdate(first_free.starts_at)
    chosen = min(max(day or week or first, first), last)
    monday = chosen - dt.timedelta(days=chosen.weekday())
    start, end = max(monday, first), min(monday + dt.timedelta(days=6), last)
    rows = list(Slot.objects.filter(
        calendar=calendar, starts_at__gt=now, starts_at__gte=_midnight(start),
        starts_at__lt=_midnight(end + dt.timedelta(days=1)),
    ).order_by("starts_at").only("starts_at", "ends_at", "capacity_online", "booked_online"))
    times: dict[dt.date, list[Slot]] = {}
    free: dict[dt.date, list[Slot]] = {}
    for slot in rows:
        date = timezone.localdate(slot.starts_at)
        times.setdefault(date, []).append(slot)
        if slot.pk != exclude and slot.booked_online < slot.capacity_online:
            free.setdefault(date, []).append(slot)
    days = [Day(date=start + dt.timedelta(days=n),
                times=len(times.get(start + dt.timedelta(days=n), [])),
                free=len(free.get(start + dt.timedelta(days=n), [])))
            for n in range((end - start).days + 1)]
    if day is None:
        # A week was chosen: open its first day with a free time.
        chosen = next((d.date for d in days if d.free), start)
    week_has_free = any(d.free for d in days)
    next_free: dt.date | None = None
    if not week_has_free:
        first_free = first_free or _first_free(calendar, now, first, last, exclude)
        next_free = timezone.localdate(first_free.starts_at) if first_free else None
    return Picker(
        day=chosen, days=days, slots=[Time(slot) for slot in free.get(chosen, [])],
        earlier=monday - dt.timedelta(days=7) if monday > first else None,
        later=monday + dt.timedelta(days=7) if monday + dt.timedelta(days=7) <= last else None,
        next_free=next_free, any_free=week_has_free or next_free is not None)
