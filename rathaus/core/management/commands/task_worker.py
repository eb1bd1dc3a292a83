"""Run background tasks as django-tasks-db's ``db_worker`` does, with a lease and retries.

The options are ``db_worker``'s; see rathaus/core/worker.py for what is added.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django_tasks_db.management.commands import db_worker

from rathaus.core.worker import LeasedWorker


class Command(db_worker.Command):
    help = ("Run the background tasks: a worker that dies leaves no task RUNNING for good, "
            "failed tasks are tried again with growing waits.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        if options["reload"]:
            raise CommandError("task_worker does not reload; use db_worker --reload to develop")
        worker = LeasedWorker(
            queue_names=queue_names, interval=options["interval"], batch=options["batch"],
            backend_name=options["backend_name"], startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"], worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
