"""Ended cases are deleted after their service's retention period, with a legal hold that stops it.

The clock is moved by patching ``django.utils.timezone.now`` (as core's tests do): the cases end
"now" and the purge runs years later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from rathaus.account.tests.factories import mailbox_messages, message, other_citizen
from rathaus.applications.models import Submission, Upload
from rathaus.audit.models import Action, AuditEvent
from rathaus.cases.models import Case, CaseEvent, EventKind, Note, PurgedCase
from rathaus.cases.retention import purge_cases
from rathaus.cases.services import (
    NotPermitted,
    add_note,
    change_state,
    lift_legal_hold,
    set_legal_hold,
)
from rathaus.forms.workflow import WorkflowDef
from rathaus.staff.tests.factories import staff_user

from .factories import copy_to, dog_registration

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[list[Callable[[], None]]]]
DAY = dt.timedelta(days=1)
YEARS = dt.timedelta(days=365 * 50)


@contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


@pytest.fixture
def lead(db: Any) -> User:
    return staff_user("leitung", lead_of=("steueramt",))


@pytest.fixture
def clerk(db: Any) -> User:
    return staff_user("steuer", clerk_of=("steueramt",))


def work_through(case: Case, actor: User) -> Case:
    """Take the case to a granted decision and close it, as a clerk does."""
    for to, outcome in (("in_progress", ""), ("decided", "granted"), ("closed", "")):
        case = change_state(case_id=case.pk, to=to, actor=actor, expected_version=case.version,
                            outcome=outcome)
    return case


@pytest.fixture
def closed(catalog: None, clerk: User) -> Case:
    """Erika's dog registration with an upload, a receipt PDF, a mailbox message and a note."""
    case = dog_registration()
    submission = case.submission
    submission.receipt_pdf.save("receipt.pdf", ContentFile(b"%PDF-1.7 Erika Mustermann"))
    Upload.objects.create(submission=submission, field_id="photo", original_name="hund.jpg",
                          content_type="image/jpeg", size=4, sha256="0" * 64,
                          file=ContentFile(b"JPEG", name="hund.jpg"))
    message(other_citizen("erika"), "Ihr Bescheid", attachment=b"%PDF Bescheid",
            submission=submission, body="Liebe Frau Mustermann")
    add_note(case_id=case.pk, text="Erika Mustermann rief an", actor=clerk,
             expected_version=case.version)
    case.refresh_from_db()
    return work_through(case, clerk)


def keep(case: Case) -> dt.timedelta:
    """The retention period of the case's service version (the dog registration: ten years)."""
    return dt.timedelta(days=case.submission.service_version.spec.retention_days)


def stored_files(case: Case) -> list[str]:
    submission = case.submission
    names: list[str] = [submission.receipt_pdf.name or ""]
    names += [upload.file.name or "" for upload in submission.attachments.all()]
    messages = mailbox_messages().filter(submission=submission)
    names += [item.attachment.name or "" for item in messages]
    return names


def raw_rows_mention(*needles: str) -> list[str]:
    """Tables whose raw rows contain any of ``needles`` (cases, submissions, mailbox)."""
    found = []
    with connection.cursor() as cursor:
        for table in ("cases_case", "cases_caseevent", "cases_note", "cases_purgedcase",
                      "applications_submission", "applications_upload", "account_message"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            text = repr(cursor.fetchall())
            found += [table for needle in needles if needle in text]
    return found


def test_ending_starts_the_clock_and_reopening_stops_it(catalog: None, clerk: User,
                                                        lead: User) -> None:
    case = dog_registration()
    assert case.ended_at is None
    case = change_state(case_id=case.pk, to="in_progress", actor=clerk, expected_version=1)
    case = change_state(case_id=case.pk, to="decided", actor=clerk,
                        expected_version=case.version, outcome="refused")
    assert case.ended_at is None, "decided is not an end: the citizen may still object"
    case = change_state(case_id=case.pk, to="in_progress", actor=lead,
                        expected_version=case.version)
    case = change_state(case_id=case.pk, to="withdrawn", actor=clerk,
                        expected_version=case.version)
    ended = case.ended_at
    assert ended is not None
    later = timezone.now() + 5 * DAY
    with clock(later):
        case = change_state(case_id=case.pk, to="closed", actor=clerk,
                            expected_version=case.version)
    assert case.ended_at == ended, "closing a withdrawn case does not restart the clock"


def test_a_lead_reopening_a_forwarded_case_stops_the_clock(catalog: None, lead: User) -> None:
    workflow = WorkflowDef.model_validate({"transitions": [
        {"from": ["received"], "to": "forwarded", "roles": ["lead"]},
        {"from": ["forwarded"], "to": "in_progress", "roles": ["lead"]},
        {"from": ["in_progress", "forwarded"], "to": "closed"}]})
    case = dog_registration()
    with mock.patch("rathaus.cases.services.workflow_of", return_value=workflow):
        case = change_state(case_id=case.pk, to="forwarded", actor=lead, expected_version=1,
                            forwarded_to="Landratsamt")
        assert case.ended_at is not None
        case = change_state(case_id=case.pk, to="in_progress", actor=lead,
                            expected_version=case.version)
    assert Case.objects.get(pk=case.pk).ended_at is None
    with clock(timezone.now() + YEARS):
        assert purge_cases().cases == 0


def test_a_closed_case_past_its_retention_is_reduced_to_statistics(
        closed: Case, django_capture_on_commit_callbacks: Capture) -> None:
    files = stored_files(closed)
    assert len(files) == 3
    assert all(default_storage.exists(name) for name in files)
    received, ended = closed.received_at, closed.ended_at
    assert ended is not None
    with clock(ended + keep(closed)), django_capture_on_commit_callbacks(execute=True):
        report = purge_cases()
    assert (report.cases, report.uploads, report.messages, report.files) == (1, 1, 1, 3)
    assert not Case.objects.exists()
    assert not Submission.objects.exists()
    assert not Upload.objects.exists()
    assert not mailbox_messages().exists()
    assert not Note.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not any(default_storage.exists(name) for name in files), "files gone from disk"
    assert raw_rows_mention("Erika", "Mustermann", "erika@example.org", closed.reference) == []
    row = PurgedCase.objects.get()
    local_received, local_ended = timezone.localtime(received), timezone.localtime(ended)
    assert (row.service_id, row.department_id, row.channel) == (
        closed.service_id, closed.department_id, "online")
    assert row.received_month == local_received.date().replace(day=1)
    assert row.ended_month == local_ended.date().replace(day=1)
    assert (row.end_state, row.outcome) == ("closed", "granted")
    assert row.processing_days == (ended - received).days


def test_the_audit_log_keeps_no_answer_content(
        closed: Case, django_capture_on_commit_callbacks: Capture) -> None:
    assert closed.ended_at is not None
    with clock(closed.ended_at + keep(closed)), django_capture_on_commit_callbacks(execute=True):
        purge_cases()
    purged = AuditEvent.objects.get(action=Action.CASE_PURGED)
    assert purged.actor_label == "system"
    assert purged.object_id == closed.reference
    text = repr(list(AuditEvent.objects.values()))
    for answer in ("Erika", "Mustermann", "erika@example.org", "rief an"):
        assert answer not in text


def test_a_case_a_day_younger_than_its_retention_is_kept(closed: Case) -> None:
    assert closed.ended_at is not None
    with clock(closed.ended_at + keep(closed) - DAY):
        report = purge_cases()
    assert report.cases == 0
    assert Case.objects.filter(pk=closed.pk).exists()
    assert not PurgedCase.objects.exists()


def test_a_case_under_legal_hold_is_kept_whatever_its_age(closed: Case, lead: User) -> None:
    set_legal_hold(case_id=closed.pk, reason="Klage beim VG, Az. 1 K 23/26", actor=lead,
                   expected_version=closed.version)
    assert closed.ended_at is not None
    with clock(closed.ended_at + YEARS):
        assert purge_cases().cases == 0
    assert Submission.objects.filter(pk=closed.submission_id).exists()


def test_lifting_the_hold_lets_the_purge_take_the_case(
        closed: Case, lead: User, django_capture_on_commit_callbacks: Capture) -> None:
    held = set_legal_hold(case_id=closed.pk, reason="Prüfung durch den Rechnungshof",
                          actor=lead, expected_version=closed.version)
    lift_legal_hold(case_id=closed.pk, actor=lead, expected_version=held.version)
    kinds = list(CaseEvent.objects.filter(case=closed).values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.HOLD_SET, EventKind.HOLD_LIFTED]
    assert list(AuditEvent.objects.filter(action__startswith="cases.hold").order_by("pk")
                .values_list("action", flat=True)) == [Action.CASE_HOLD_SET,
                                                       Action.CASE_HOLD_LIFTED]
    assert closed.ended_at is not None
    with clock(closed.ended_at + keep(closed)), django_capture_on_commit_callbacks(execute=True):
        assert purge_cases().cases == 1


def test_a_clerk_may_not_set_a_legal_hold(closed: Case, clerk: User) -> None:
    with pytest.raises(NotPermitted):
        set_legal_hold(case_id=closed.pk, reason="x", actor=clerk,
                       expected_version=closed.version)


def test_a_case_not_yet_ended_is_never_purged(catalog: None, clerk: User) -> None:
    case = dog_registration()
    decided = copy_to(case.submission, "steueramt", state="decided", outcome="granted")
    with clock(timezone.now() + YEARS):
        assert purge_cases().cases == 0
    assert set(Case.objects.values_list("pk", flat=True)) == {case.pk, decided.pk}


def test_the_dry_run_lists_and_changes_nothing_and_a_second_run_does_nothing(
        closed: Case, django_capture_on_commit_callbacks: Capture) -> None:
    assert closed.ended_at is not None
    files = stored_files(closed)
    out = StringIO()
    with clock(closed.ended_at + keep(closed)):
        call_command("purge_cases", "--dry-run", stdout=out)
    assert closed.reference in out.getvalue()
    assert "Would delete 1 case(s)." in out.getvalue()
    assert Case.objects.filter(pk=closed.pk).exists()
    assert not PurgedCase.objects.exists()
    assert all(default_storage.exists(name) for name in files)
    for expected in ("Deleted 1 case(s)", "Deleted 0 case(s)"):
        out = StringIO()
        with clock(closed.ended_at + keep(closed)), \
                django_capture_on_commit_callbacks(execute=True):
            call_command("purge_cases", stdout=out)
        assert expected in out.getvalue()
    assert PurgedCase.objects.count() == 1


def test_a_failure_leaves_the_case_whole(closed: Case,
                                         django_capture_on_commit_callbacks: Capture) -> None:
    assert closed.ended_at is not None
    files = stored_files(closed)
    with clock(closed.ended_at + keep(closed)), django_capture_on_commit_callbacks(execute=True), \
            mock.patch("rathaus.cases.retention.record", side_effect=RuntimeError("disk full")), \
            pytest.raises(RuntimeError):
        purge_cases()
    assert Case.objects.filter(pk=closed.pk).exists()
    assert not PurgedCase.objects.exists()
    assert mailbox_messages().exists()
    assert Upload.objects.exists()
    assert all(default_storage.exists(name) for name in files)
