"""Statistics of the appointment calendars: counted per day and channel, never per person."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from rathaus.core.counters import BufferedCounter

from .models import Calendar, DailyCount

Key = tuple[int, str, str]  # calendar id, metric, channel


def _write(pending: Counter[Key]) -> None:
    today = timezone.localdate()
    with transaction.atomic():
        known = set(Calendar.objects.filter(
            pk__in={calendar for calendar, _, _ in pending}).values_list("pk", flat=True))
        for (calendar_id, metric, channel), n in pending.items():
            if calendar_id not in known:
                continue
            rows = DailyCount.objects.filter(calendar_id=calendar_id, day=today, metric=metric,
                                             channel=channel)
            if not rows.update(value=F("value") + n):
                _, created = DailyCount.objects.get_or_create(
                    calendar_id=calendar_id, day=today, metric=metric, channel=channel,
                    defaults={"value": n})
                if not created:
                    rows.update(value=F("value") + n)


class _Counter(BufferedCounter[Key]):
    def record(self, calendar_id: int, metric: str, channel: str, n: int = 1) -> None:
        self.add((calendar_id, metric, channel), n)


counter = _Counter(_write)
