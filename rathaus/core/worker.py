"""The task worker with a lease, recovery of orphaned tasks and retries with back-off.

django-tasks-db's worker marks a task RUNNING when it claims it and finished when it ends; a
worker killed in between (SIGKILL, out of memory, the machine gone) leaves the task RUNNING
for ever. Here every worker holds a lease (a TaskWorker row it renews every few seconds from
a second thread); a RUNNING task whose worker's lease has lapsed is put back in the queue and
run again by the next worker that looks. Tasks are written to be idempotent: a re-run never
repeats a side effect that was recorded (docs/deployment.md, "Tasks").

A task that fails is tried again after 30 s, 1, 2, 4 minutes (``RATHAUS_TASK_*`` settings);
after the last attempt it stays FAILED with its error, for the admin to read and retry.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max

from .models import TaskWorker

logger = logging.getLogger("rathaus.worker")
# A lease not renewed for this long has lapsed; the heartbeat renews it four times as often.
FORGET_WORKERS_AFTER = dt.timedelta(days=1)
WORKER_DIED = "The worker running this task stopped before the task ended."


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.RATHAUS_TASK_LEASE_SECONDS)


def retry_delay(attempts: int) -> dt.timedelta:
    """Return the wait before the next attempt after ``attempts`` failed ones."""
    base = settings.RATHAUS_TASK_RETRY_SECONDS
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def renew_lease(worker_id: str, *, started_at: dt.datetime) -> None:
    now = timezone.now()
    TaskWorker.objects.update_or_create(worker_id=worker_id, defaults={
        "hostname": socket.gethostname()[:255], "pid": os.getpid(),
        "started_at": started_at, "seen_at": now,
    })


def end_lease(worker_id: str) -> None:
    TaskWorker.objects.filter(worker_id=worker_id).delete()


def recover_orphaned_tasks(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Queue again the RUNNING tasks whose worker's lease has lapsed; return (queued, failed).

    A task whose worker died as often as a task may be attempted is failed instead: one that
    kills its worker each time (running out of memory, say) must not do so for ever.
    """
    now = now or timezone.now()
    cutoff = now - lease()
    alive = set(TaskWorker.objects.filter(seen_at__gte=cutoff).values_list("worker_id",
                                                                             flat=True))
    queued = failed = 0
    with transaction.atomic():
        running = (DBTaskResult.objects.select_for_update(skip_locked=True)
                   .filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff))
        for result in running:
            if result.worker_ids and result.worker_ids[-1] in alive:
                continue
            attempts = len(result.worker_ids)
            # Only if nobody changed it meanwhile (another worker's recovery, say).
            same = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING,
                                               started_at=result.started_at)
            if attempts >= settings.RATHAUS_TASK_MAX_ATTEMPTS:
                same.update(
                    status=TaskResultStatus.FAILED, finished_at=now,
                    exception_class_path="rathaus.core.worker.WorkerDied",
                    traceback=WORKER_DIED)
                failed += 1
                logger.error("task %s (%s) failed: its worker died %d times",
                             result.pk, result.task_path, attempts)
            else:
                same.update(status=TaskResultStatus.READY, started_at=None,
                            run_after=get_date_max())
                queued += 1
                logger.warning("task %s (%s) taken up again: its worker %s stopped",
                               result.pk, result.task_path,
                               result.worker_ids[-1] if result.worker_ids else "?")
    TaskWorker.objects.filter(seen_at__lt=now - FORGET_WORKERS_AFTER).delete()
    return queued, failed


def schedule_retry(result: DBTaskResult[Any, Any], *, now: dt.datetime | None = None) -> bool:
    """Queue a failed task again after its back-off; False when its attempts are used up."""
    attempts = len(result.worker_ids)
    if attempts >= settings.RATHAUS_TASK_MAX_ATTEMPTS:
        return False
    run_after = (now or timezone.now()) + retry_delay(attempts)
    # The error stays on the row, so the admin sees why the task waits.
    DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, started_at=None, finished_at=None, run_after=run_after)
    logger.warning("task %s (%s) failed (attempt %d), tried again after %s",
                   result.pk, result.task_path, attempts, run_after.isoformat())
    return True


def run_again(results: Any) -> int:
    """Queue failed tasks to run again now, with their attempts counted afresh (the admin's
    action); return how many."""
    return int(results.filter(status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, started_at=None, finished_at=None,
        run_after=get_date_max(), worker_ids=[]))


class LeasedWorker(Worker):
    """django-tasks-db's worker holding a lease, recovering orphans, retrying failures."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, name="lease", daemon=True)

    def _beat(self) -> None:
        interval = settings.RATHAUS_TASK_LEASE_SECONDS / 4
        try:
            while not self._stop.is_set():
                try:
                    renew_lease(self.worker_id, started_at=self.started_at)
                    recover_orphaned_tasks()
                except OperationalError:  # SQLite busy, or the database restarting
                    logger.warning("could not renew the lease of worker %s; trying again",
                                   self.worker_id, exc_info=True)
                self._stop.wait(interval)
        finally:
            connection.close()

    def run(self) -> None:
        # The lease exists before the first task is claimed.
        renew_lease(self.worker_id, started_at=self.started_at)
        self._heartbeat.start()
        try:
            super().run()
        finally:
            self._stop.set()
            self._heartbeat.join(timeout=10)
            end_lease(self.worker_id)

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        super().run_task(db_task_result)
        if db_task_result.status == TaskResultStatus.FAILED:
            schedule_retry(db_task_result)
