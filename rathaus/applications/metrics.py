"""The applications' figure for the metrics (rathaus/core/metrics.py)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric

from rathaus.core.metrics import counter, figures

from .models import Submission


@figures.register("submissions")
def submissions() -> Iterator[Metric]:
    yield counter("rathaus_submissions", "Applications submitted so far, all services.",
                  Submission.objects.count())
