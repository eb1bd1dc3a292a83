"""The appointments' figure for the metrics (rathaus/core/metrics.py)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric

from rathaus.core.metrics import counter, figures

from .models import Booking


@figures.register("bookings")
def bookings() -> Iterator[Metric]:
    yield counter("rathaus_bookings", "Appointments booked so far (cancelled ones included), "
                  "online and by phone.", Booking.objects.count())
