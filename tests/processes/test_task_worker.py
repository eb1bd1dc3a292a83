"""The task worker as ./rathaus.sh start runs it, killed in the middle of a task.

A worker killed with SIGKILL leaves its task RUNNING; another worker (or the same one,
restarted by supervisord) takes it up once the dead one's lease has lapsed, and runs it to
its end. A failing task is tried again after its back-off.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from .test_several_workers import database_url

pytestmark = pytest.mark.django_db(transaction=True)  # the worker processes see only commits

LEASE = 2  # seconds; the heartbeat renews it every half second


def enqueue(task_path: str, **kwargs: Any) -> DBTaskResult[Any, Any]:
    return DBTaskResult.objects.create(
        task_path=task_path, args_kwargs={"args": [], "kwargs": kwargs}, queue_name="default",
        backend_name="default", run_after=get_date_max(), priority=0,
        status=TaskResultStatus.READY)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    logs: list[Any] = []
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "RATHAUS_", "REDIS_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "tests.processes.server_settings",
        "DATABASE_URL": database_url(),
        "RATHAUS_VAR_DIR": str(tmp_path / "var"),
        "RATHAUS_DB_POOL": "0",
        "RATHAUS_TASK_LEASE_SECONDS": str(LEASE),
        "RATHAUS_TASK_RETRY_SECONDS": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(settings.BASE_DIR),
                                                    os.environ.get("PYTHONPATH")])),
    })

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(started)}.log").open("w")
        logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "manage.py", "task_worker", "--queue-name", "default",
             "--interval", "0.2", "--no-startup-delay"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    for log in logs:
        log.close()


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)


def test_a_task_whose_worker_was_killed_is_run_again_to_its_end(
        tmp_path: Path, start_worker: Callable[[], subprocess.Popen[bytes]]) -> None:
    marks = tmp_path / "marks.txt"
    result = enqueue("tests.processes.tasks.slow_mark", path=str(marks), seconds=3)
    first = start_worker()
    wait_for(lambda: marks.exists() and "started" in marks.read_text(), seconds=30,
             what="the first worker to start the task")
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    result.refresh_from_db()
    assert result.status == TaskResultStatus.RUNNING, "the dead worker left it running"

    start_worker()  # as supervisord starts the worker again
    wait_for(lambda: DBTaskResult.objects.get(pk=result.pk).status
             == TaskResultStatus.SUCCESSFUL, seconds=45, what="the task to succeed")

    assert marks.read_text().splitlines() == ["started", "started", "done"]
    result.refresh_from_db()
    assert len(result.worker_ids) == 2, "run by the first worker, then by the second"
    assert result.worker_ids[0] != result.worker_ids[1]


def test_a_failed_task_is_tried_again_after_its_wait(
        tmp_path: Path, start_worker: Callable[[], subprocess.Popen[bytes]]) -> None:
    marks = tmp_path / "attempts.txt"
    result = enqueue("tests.processes.tasks.fail_once", path=str(marks))
    start_worker()

    wait_for(lambda: DBTaskResult.objects.get(pk=result.pk).status
             == TaskResultStatus.SUCCESSFUL, seconds=45, what="the second attempt")

    assert marks.read_text().splitlines() == ["attempt", "attempt"]
    result.refresh_from_db()
    assert len(result.worker_ids) == 2
    assert result.traceback == "", "the error of the first attempt is gone once it succeeded"
