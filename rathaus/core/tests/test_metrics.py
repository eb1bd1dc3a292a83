"""/metrics: request figures and the task queue, for the town's monitoring, not for the public."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def waiting_task(age: dt.timedelta) -> None:
    task = DBTaskResult.objects.create(
        task_path="rathaus.applications.tasks.purge_expired_drafts",
        args_kwargs={"args": [], "kwargs": {}}, queue_name="default", backend_name="default",
        run_after=get_date_max(), priority=0, status=TaskResultStatus.READY)
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - age)


def test_requests_by_view_and_status_and_the_queue(client: Client) -> None:
    before = samples(client.get("/metrics").content.decode())
    client.get("/de/")
    client.get("/de/gibt-es-nicht/")
    waiting_task(dt.timedelta(minutes=5))

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    after = samples(response.content.decode())
    home = ("rathaus_http_requests_total",
            (("method", "GET"), ("status", "200"), ("view", "catalog:home")))
    missing = ("rathaus_http_requests_total",
               (("method", "GET"), ("status", "404"), ("view", "unresolved")))
    assert after[home] - before.get(home, 0) == 1
    assert after[missing] - before.get(missing, 0) == 1
    assert after[("rathaus_http_request_duration_seconds_count",
                  (("view", "catalog:home"),))] >= 1
    assert after[("rathaus_tasks_waiting", ())] == 1
    assert 290 < after[("rathaus_tasks_oldest_waiting_age_seconds", ())] < 400
    assert after[("rathaus_tasks_failed", ())] == 0
    assert after[("rathaus_submissions_total", ())] == 0
    assert after[("rathaus_bookings_total", ())] == 0


@pytest.mark.parametrize("headers", [
    {"REMOTE_ADDR": "203.0.113.7"},
    {"HTTP_X_FORWARDED_FOR": "203.0.113.7"},
    {"HTTP_X_FORWARDED_PROTO": "https"},
], ids=["other-machine", "through-a-proxy", "through-tls-proxy"])
def test_not_reachable_from_outside_by_default(client: Client, headers: dict[str, str]) -> None:
    assert client.get("/metrics", **headers).status_code == 404  # type: ignore[arg-type]


def test_with_a_token_only_its_bearer_reads_them(client: Client, settings: Any) -> None:
    settings.RATHAUS_METRICS_TOKEN = "scrape-secret-123"
    assert client.get("/metrics").status_code == 404, "not even from this machine without it"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    allowed = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-123",
                         HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert allowed.status_code == 200
