"""The administrator runs a failed task again from the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

pytestmark = pytest.mark.django_db


def failed_task() -> DBTaskResult[Any, Any]:
    return DBTaskResult.objects.create(
        task_path="rathaus.applications.tasks.send_submission_confirmation",
        args_kwargs={"args": [], "kwargs": {"submission_id": 1}}, queue_name="default",
        backend_name="default", run_after=get_date_max(), priority=0,
        status=TaskResultStatus.FAILED, worker_ids=["a", "b", "c", "d", "e"],
        exception_class_path="smtplib.SMTPServerDisconnected",
        traceback="smtplib.SMTPServerDisconnected: Connection unexpectedly closed")


def test_admin_sees_the_error_and_runs_the_task_again(admin_client: Client) -> None:
    task = failed_task()
    page = admin_client.get(f"/admin/django_tasks_database/dbtaskresult/{task.pk}/change/")
    assert "Connection unexpectedly closed" in page.content.decode()

    response = admin_client.post("/admin/django_tasks_database/dbtaskresult/", {
        "action": "run_failed_again", "index": "0", "_selected_action": [str(task.pk)]},
        follow=True)

    assert "1 fehlgeschlagene Aufgabe wird erneut ausgeführt." in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    assert task.worker_ids == [], "its attempts are counted afresh"
