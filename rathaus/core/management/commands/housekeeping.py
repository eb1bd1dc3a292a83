"""Run the portal's periodic jobs: every minute and every hour, for as long as it runs.

``./rathaus.sh start`` runs it as one of its supervised processes; production runs
``housekeeping --once minutely`` and ``--once hourly`` from systemd timers
(docs/deployment.md). A job that fails is logged with its error and the others still run: a
broken purge must not hold up the appointment draws.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

logger = logging.getLogger("rathaus.housekeeping")

# (command, options). Appointments: lapsed holds and offers, draws, reminders.
MINUTELY: list[tuple[str, dict[str, Any]]] = [
    ("appointment_housekeeping", {"verbosity": 0}),
]
# Expired drafts, sign-ins, audit events, cases and bank statement files past their
# retention, lapsed deadlines of requests to applicants, notices not retrieved within ten days
# (flagged for the post), the case counts' rows folded, expired sessions.
HOURLY: list[tuple[str, dict[str, Any]]] = [
    ("purge_drafts", {"verbosity": 0}),
    ("purge_sign_ins", {"verbosity": 0}),
    ("purge_audit_log", {"verbosity": 0}),
    ("purge_cases", {"verbosity": 0}),
    ("purge_statement_files", {"verbosity": 0}),
    ("case_reminders", {"verbosity": 0}),
    ("notice_deliveries", {"verbosity": 0}),
    ("compact_case_counts", {"verbosity": 0}),
    ("clearsessions", {"verbosity": 0}),
]
SCHEDULES = {"minutely": MINUTELY, "hourly": HOURLY}
MINUTE = 60.0
HOUR = 3600.0


def run_jobs(jobs: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Run each job; return the names of those that failed (each is logged with its error)."""
    failed = []
    for name, options in jobs:
        try:
            call_command(name, **options)
        except Exception:
            logger.exception("housekeeping job %s failed", name)
            failed.append(name)
    return failed


class Command(BaseCommand):
    help = ("Run the periodic jobs: every minute and every hour until stopped, or one schedule "
            "once (--once minutely|hourly, for systemd timers or cron).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", choices=sorted(SCHEDULES),
                            help="run this schedule's jobs once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        once: str | None = options["once"]
        if once is not None:
            failed = run_jobs(SCHEDULES[once])
            if failed:
                raise SystemExit(f"housekeeping: failed: {', '.join(failed)}")
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        next_hourly = time.monotonic()
        while not stop.is_set():
            started = time.monotonic()
            run_jobs(MINUTELY)
            if started >= next_hourly:
                run_jobs(HOURLY)
                next_hourly = started + HOUR
            # Between rounds no connection is kept that the database may drop meanwhile.
            close_old_connections()
            stop.wait(max(0.0, MINUTE - (time.monotonic() - started)))
