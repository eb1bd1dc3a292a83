"""The periodic jobs: a failing one is reported and the others still run."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from rathaus.core.management.commands import housekeeping

pytestmark = pytest.mark.django_db


def test_hourly_jobs_run_once_and_clear_expired_sessions() -> None:
    Session.objects.create(session_key="x" * 32, session_data="",
                           expire_date=timezone.now() - datetime.timedelta(days=1))

    call_command("housekeeping", "--once", "hourly")

    assert not Session.objects.exists(), "clearsessions ran"


def test_a_failing_job_is_logged_and_the_others_still_run(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    Session.objects.create(session_key="y" * 32, session_data="",
                           expire_date=timezone.now() - datetime.timedelta(days=1))
    jobs: list[tuple[str, dict[str, Any]]] = [
        ("purge_drafts", {"verbosity": 0, "no_such_option": True}),
        ("clearsessions", {"verbosity": 0}),
    ]
    monkeypatch.setitem(housekeeping.SCHEDULES, "hourly", jobs)

    with pytest.raises(SystemExit, match="failed: purge_drafts"):
        call_command("housekeeping", "--once", "hourly")

    assert "housekeeping job purge_drafts failed" in caplog.text
    assert not Session.objects.exists(), "the job after the failing one still ran"
