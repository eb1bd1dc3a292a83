"""Tasks for the worker crash tests: each writes what it did to a file the test reads."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import task


@task()
def slow_mark(*, path: str, seconds: float) -> None:
    """Write "started", wait, write "done": a worker killed in the wait leaves only "started"."""
    marks = Path(path)
    with marks.open("a") as out:
        out.write("started\n")
    time.sleep(seconds)
    with marks.open("a") as out:
        out.write("done\n")


@task()
def fail_once(*, path: str) -> None:
    """Fail on the first attempt, succeed on the next."""
    marks = Path(path)
    attempts = len(marks.read_text().splitlines()) if marks.exists() else 0
    with marks.open("a") as out:
        out.write("attempt\n")
    if attempts == 0:
        raise RuntimeError("the mail server did not answer")
