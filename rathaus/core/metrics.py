"""Metrics in the Prometheus text format (prometheus_client), for the town's monitoring.

Two kinds:
- per request, counted in each web process: requests by view, method and status, and their
  duration by view. Under gunicorn with several workers every process writes them to files
  in ``PROMETHEUS_MULTIPROC_DIR`` (set by the start command and the systemd unit), and a
  scrape adds up all of them, so whichever worker answers, the figures are the whole server's.
- read at each scrape from the database, so they are the same whichever process or host is
  asked: the task queue (waiting tasks, the age of the oldest, failed tasks, live workers) and
  what the apps register in ``figures`` (submissions and bookings so far, as counters a
  monitoring system turns into per-minute rates).

``/metrics`` answers only a direct local request (no proxy header) or one with the bearer
token of RATHAUS_METRICS_TOKEN; everyone else gets 404 (docs/deployment.md).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db.models import Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .registry import Registry

REQUESTS = Counter("rathaus_http_requests", "Requests answered, by view, method and status.",
                   ["view", "method", "status"])
DURATION = Histogram("rathaus_http_request_duration_seconds",
                     "Time from the request to the response, by view.", ["view"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
# Figures the apps add: a function yielding metric families, read at every scrape.
figures: Registry[Callable[[], Iterable[Metric]]] = Registry("metrics figure")
# Headers a reverse proxy adds: a request carrying one came from outside.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_FORWARDED",
                 "HTTP_X_REAL_IP")
LOOPBACK = {"127.0.0.1", "::1"}


def view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    # Unresolved addresses (404s, static files) share one label: anyone can type any path.
    return match.view_name if match is not None and match.view_name else "unresolved"


class MetricsMiddleware:
    """Count each request and its duration; right after the request id, before all else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_name(request)
        REQUESTS.labels(view, request.method or "", str(response.status_code)).inc()
        DURATION.labels(view).observe(time.perf_counter() - started)
        return response


class TaskQueueCollector(Collector):
    """The background tasks as the database has them now, and the apps' figures."""

    def collect(self) -> Iterator[Metric]:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from .models import TaskWorker
        from .worker import lease

        now = timezone.now()
        ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        oldest = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
        yield GaugeMetricFamily("rathaus_tasks_waiting", "Tasks waiting to run (queue length).",
                                value=ready.count())
        yield GaugeMetricFamily(
            "rathaus_tasks_oldest_waiting_age_seconds",
            "Age of the oldest waiting task; 0 when none waits.",
            value=(now - oldest).total_seconds() if oldest else 0.0)
        yield GaugeMetricFamily("rathaus_tasks_running", "Tasks running now.",
                                value=DBTaskResult.objects.filter(
                                    status=TaskResultStatus.RUNNING).count())
        yield GaugeMetricFamily("rathaus_tasks_failed", "Tasks failed for good (see the admin).",
                                value=DBTaskResult.objects.filter(
                                    status=TaskResultStatus.FAILED).count())
        yield GaugeMetricFamily("rathaus_task_workers_alive",
                                "Task workers whose lease is current.",
                                value=TaskWorker.objects.filter(
                                    seen_at__gte=now - lease()).count())
        for key in sorted(figures):
            yield from figures[key]()


def counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, value=value)


def allowed(request: HttpRequest) -> bool:
    token: str = settings.RATHAUS_METRICS_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return (request.META.get("REMOTE_ADDR") in LOOPBACK
            and not any(header in request.META for header in PROXY_HEADERS))


def exposition() -> bytes:
    """The text of a scrape: the request figures of all processes, then the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        requests = generate_latest(processes)
    else:
        requests = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(TaskQueueCollector())
    return requests + generate_latest(database)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
