"""Staff of the submission's department read its health data; every opening is in the audit log."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.applications.tests.journey import downloaded
from rathaus.applications.tests.test_sealed_at_rest import SECRET, on_disk, raw_answers, submit
from rathaus.audit.models import Action, AuditEvent

from .conftest import text
from .factories import sign_in_verified, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def disability_card(catalog: None, django_capture_on_commit_callbacks: Any) -> Submission:
    submission = submit(Client(), django_capture_on_commit_callbacks)
    assert submission.department.slug == "soziales"
    assert SECRET not in raw_answers(Submission, submission.pk)
    return submission


def test_the_department_reads_the_health_data_and_each_decryption_is_logged(
        client: Client, disability_card: Submission) -> None:
    clerk = staff_user("sozial", clerk_of=("soziales",))
    sign_in_verified(client, clerk)
    page = client.get(f"/de/staff/submissions/{disability_card.reference}/")
    body = text(page)
    assert "Arthrose in beiden Kniegelenken" in body
    assert "Dr. Anna Berg" in body
    [event] = AuditEvent.objects.filter(action=Action.SENSITIVE_DECRYPTED)
    assert (event.actor, event.object_type, event.object_id, event.department) == (
        clerk, "applications.submission", disability_card.reference, disability_card.department)

    [upload] = disability_card.attachments.all()
    assert SECRET.encode() not in on_disk(upload.file)
    file = downloaded(client.get(f"/de/staff/submissions/{disability_card.reference}/files/"
                                 f"{upload.pk}/"))
    assert hashlib.sha256(file).hexdigest() == upload.sha256
    assert SECRET.encode() in file
    # The admin's link to the same file takes the same check and the same log.
    file = downloaded(client.get(f"/de/files/{upload.pk}/"))
    assert SECRET.encode() in file
    events = AuditEvent.objects.filter(action=Action.SENSITIVE_DECRYPTED).order_by("pk")
    assert [(item.actor, item.message) for item in events] == [
        (clerk, "answers"), (clerk, "befund.pdf"), (clerk, "befund.pdf")]


def test_another_department_decrypts_nothing(client: Client,
                                             disability_card: Submission) -> None:
    sign_in_verified(client, staff_user("steuer", clerk_of=("steueramt",)))
    [upload] = disability_card.attachments.all()
    for url in (f"/de/staff/submissions/{disability_card.reference}/",
                f"/de/staff/submissions/{disability_card.reference}/files/{upload.pk}/",
                f"/de/files/{upload.pk}/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert SECRET not in response.content.decode(errors="replace")
    assert not AuditEvent.objects.filter(action=Action.SENSITIVE_DECRYPTED).exists()


def test_a_submission_without_health_data_is_not_logged_as_decrypted(
        client: Client, catalog: None) -> None:
    from rathaus.applications.tests.hund import answer_simply
    from rathaus.applications.tests.journey import Journey

    journey = Journey(Client(), "hund-anmelden").start()
    answer_simply(journey)
    dog = journey.submit()
    sign_in_verified(client, staff_user("steuer", clerk_of=("steueramt",)))
    assert client.get(f"/de/staff/submissions/{dog.reference}/").status_code == 200
    assert AuditEvent.objects.filter(action=Action.SUBMISSION_VIEWED).exists()
    assert not AuditEvent.objects.filter(action=Action.SENSITIVE_DECRYPTED).exists()
