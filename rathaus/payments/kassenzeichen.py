"""Kassenzeichen: the cash office's payment reference, from a counter per format and year.

Each service names its format (``GEB-{year}-{number:06}``); the counter row of that format and
year is locked while its number is taken, so concurrent submissions never get the same one.
Services that share a format share its counter, for the same reason. The unique Kassenzeichen
of the payment is the backstop.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import KassenzeichenCounter


def allocate(*, series: str, year: int) -> int:
    """Return the next number of ``series`` in ``year``, counting from 1."""
    with transaction.atomic():
        # Insert the row if this is the year's first number; a concurrent insert wins quietly.
        KassenzeichenCounter.objects.bulk_create(
            [KassenzeichenCounter(series=series, year=year)], ignore_conflicts=True)
        counter = KassenzeichenCounter.objects.select_for_update().get(series=series, year=year)
        KassenzeichenCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
        return counter.last + 1


def new_kassenzeichen(series: str) -> str:
    """Return the next Kassenzeichen of the format ``series`` for this year."""
    year = timezone.localdate().year
    return series.format(year=year, number=allocate(series=series, year=year))
