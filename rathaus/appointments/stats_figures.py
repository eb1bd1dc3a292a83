"""The figures of a calendar's statistics page and CSV: counts per day and channel, no people."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .models import (
    Calendar,
    Channel,
    DailyCount,
    Metric,
    Registration,
    RegistrationStatus,
    Slot,
    WaitlistEntry,
    WaitlistStatus,
)

CHANNELS = (Channel.ONLINE, Channel.STAFF)
# The longest range one page or CSV shows (a year and a day for a leap year's full year).
MAX_DAYS = 367
PAST_DAYS = 30


@dataclass(frozen=True)
class Day:
    """What happened on one day, and how full its slots are."""

    day: dt.date
    counts: dict[tuple[str, str], int]
    capacity: dict[str, int]
    booked: dict[str, int]

    def count(self, metric: str, channel: str | None = None) -> int:
        if channel is not None:
            return self.counts.get((metric, channel), 0)
        return sum(self.counts.get((metric, c), 0) for c in CHANNELS)

    def utilisation(self, channel: str) -> float | None:
        """Return the share of the day's places of ``channel`` that are taken (0–1)."""
        capacity = self.capacity.get(channel, 0)
        return self.booked.get(channel, 0) / capacity if capacity else None


@dataclass(frozen=True)
class Figures:
    calendar: Calendar
    first: dt.date
    last: dt.date
    days: list[Day]
    waiting_list: int
    draw_list: int

    def total(self, metric: str, channel: str | None = None) -> int:
        return sum(day.count(metric, channel) for day in self.days)

    def share(self, metric: str, channel: str) -> float | None:
        """Return ``channel``'s share of ``metric`` over the range (0–1), or None without any."""
        everything = self.total(metric)
        return self.total(metric, channel) / everything if everything else None

    def utilisation(self, channel: str) -> float | None:
        capacity = sum(day.capacity.get(channel, 0) for day in self.days)
        booked = sum(day.booked.get(channel, 0) for day in self.days)
        return booked / capacity if capacity else None

    @property
    def days_with_slots(self) -> list[Day]:
        return [day for day in self.days if any(day.capacity.values())]


def default_range(calendar: Calendar, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Return the last 30 days and the days a citizen can book ahead."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=PAST_DAYS), today + dt.timedelta(
        days=calendar.book_until_days)


def calendars_with_lists() -> list[Calendar]:
    """Return every calendar with the current lengths of its waiting list and draw list."""
    return list(_with_lists(Calendar.objects.select_related("location")))


def _with_lists(calendars: QuerySet[Calendar]) -> QuerySet[Any]:
    waiting = (WaitlistEntry.objects.filter(calendar=OuterRef("pk"),
                                            status=WaitlistStatus.WAITING)
               .order_by().values("calendar").annotate(n=Count("pk")).values("n"))
    drawing = (Registration.objects.filter(calendar=OuterRef("pk"),
                                           status=RegistrationStatus.WAITING)
               .order_by().values("calendar").annotate(n=Count("pk")).values("n"))
    return calendars.annotate(
        waiting_list=Coalesce(Subquery(waiting, output_field=IntegerField()), 0),
        draw_list=Coalesce(Subquery(drawing, output_field=IntegerField()), 0))


def calendar_figures(*, slug: str, first: dt.date | None = None,
                     last: dt.date | None = None) -> Figures:
    """Return the calendar's figures from ``first`` to ``last`` (both inclusive); three queries.

    A missing end of the range, or a range longer than ``MAX_DAYS``, takes the default range's.
    Raises ``Calendar.DoesNotExist`` for an unknown slug.
    """
    calendar = _with_lists(Calendar.objects.filter(slug=slug)).get()
    default_first, default_last = default_range(calendar)
    first, last = first or default_first, last or default_last
    if last < first or (last - first).days >= MAX_DAYS:
        first, last = default_first, default_last
    counts: dict[dt.date, dict[tuple[str, str], int]] = defaultdict(dict)
    for day, metric, channel, value in DailyCount.objects.filter(
            calendar=calendar, day__gte=first, day__lte=last).values_list(
            "day", "metric", "channel", "value"):
        counts[day][(metric, channel)] = value
    zone = ZoneInfo(settings.TIME_ZONE)
    starts = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    ends = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    places: dict[dt.date, dict[str, Any]] = {
        row["local_day"]: dict(row)
        for row in Slot.objects.filter(calendar=calendar, starts_at__gte=starts, starts_at__lt=ends)
        .annotate(local_day=TruncDate("starts_at", tzinfo=zone)).order_by()
        .values("local_day")
        .annotate(capacity_online=Sum("capacity_online"), capacity_staff=Sum("capacity_staff"),
                  booked_online=Sum("booked_online"), booked_staff=Sum("booked_staff"))
    }
    days = []
    day = first
    while day <= last:
        slots = places.get(day, {})
        days.append(Day(
            day=day, counts=counts.get(day, {}),
            capacity={Channel.ONLINE: slots.get("capacity_online") or 0,
                      Channel.STAFF: slots.get("capacity_staff") or 0},
            booked={Channel.ONLINE: slots.get("booked_online") or 0,
                    Channel.STAFF: slots.get("booked_staff") or 0}))
        day += dt.timedelta(days=1)
    return Figures(calendar=calendar, first=first, last=last, days=days,
                   waiting_list=calendar.waiting_list, draw_list=calendar.draw_list)


# Metrics shown per channel (the rest are counted for online visitors only).
METRICS_BY_CHANNEL = (Metric.REQUEST, Metric.SLOT_FULL, Metric.BOOKED, Metric.CANCELLED,
                      Metric.NO_SHOW, Metric.ATTENDED, Metric.REGISTERED, Metric.WAITLISTED)
METRICS_ONLINE = (Metric.OFFERED, Metric.OFFER_ACCEPTED, Metric.OFFER_LAPSED,
                  Metric.WAITING_ROOM)
