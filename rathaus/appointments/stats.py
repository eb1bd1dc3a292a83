"""Statistics of the appointment calendars: counted per day and channel, never per person."""

from __future__ import annotations

from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from rathaus.core.counters import BufferedCounter

from .models import Calendar, DailyCount

Key = tuple[int, str, str]  # calendar id, metric, channel


def _write(pending: Counter[Key]) -> None:
    """Add the counts to today's rows, one short statement per row, in a fixed order.

    No transaction around them: several web processes flush at the same time, and each row is
    changed by its own statement, so they never wait for each other in a cycle.
    """
    today = timezone.localdate()
    known = set(Calendar.objects.filter(
        pk__in={calendar for calendar, _, _ in pending}).values_list("pk", flat=True))
    for (calendar_id, metric, channel), n in sorted(pending.items()):
        if calendar_id not in known:
            continue
        rows = DailyCount.objects.filter(calendar_id=calendar_id, day=today, metric=metric,
                                         channel=channel)
        if rows.update(value=F("value") + n):
            continue
        try:
            with transaction.atomic():
                DailyCount.objects.create(calendar_id=calendar_id, day=today, metric=metric,
                                          channel=channel, value=n)
        except IntegrityError:  # another process created today's row first
            rows.update(value=F("value") + n)


class _Counter(BufferedCounter[Key]):
    def record(self, calendar_id: int, metric: str, channel: str, n: int = 1) -> None:
        self.add((calendar_id, metric, channel), n)


counter = _Counter(_write)
