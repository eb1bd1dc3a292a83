"""A clerk sees the submissions of their department, and cannot open another department's."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from rathaus.applications.models import Submission, Upload
from rathaus.applications.tests.hund import answer_simply
from rathaus.applications.tests.journey import Journey
from rathaus.audit.models import Action, AuditEvent
from rathaus.cases.tests import factories as cases

from .conftest import text
from .factories import sign_in_verified, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def dog_tax(client: Client, catalog: None) -> Submission:
    """A dog registration submitted by a citizen: it goes to the tax office (Steueramt)."""
    journey = Journey(Client(), "hund-anmelden", language="en").start()
    answer_simply(journey)
    submission = journey.submit()
    assert submission.department.slug == "steueramt"
    return submission


def copy_to(submission: Submission, slug: str) -> Submission:
    return cases.copy_to(submission, slug).submission


def test_a_clerk_lists_and_opens_the_own_departments_submissions(
        client: Client, dog_tax: Submission) -> None:
    other = copy_to(dog_tax, "ordnungsamt")
    clerk = staff_user("steuer", clerk_of=("steueramt",))
    sign_in_verified(client, clerk)

    inbox = client.get("/en/staff/submissions/")
    assert inbox.status_code == 200
    assert dog_tax.reference in text(inbox)
    assert other.reference not in inbox.content.decode()
    assert "Departments: Tax Office" in text(inbox)

    page = client.get(f"/en/staff/submissions/{dog_tax.reference}/")
    assert page.status_code == 200
    body = text(page)
    for shown in ("Register a dog for dog tax", "Erika", "Mustermann", "Bello",
                  "Musterversicherung AG", "Tax Office"):
        assert shown in body, shown
    event = AuditEvent.objects.get(action=Action.SUBMISSION_VIEWED)
    assert (event.actor, event.object_id, event.department) == (
        clerk, dog_tax.reference, dog_tax.department)


def test_another_departments_submission_is_not_found_and_the_attempt_logged(
        client: Client, dog_tax: Submission) -> None:
    other = copy_to(dog_tax, "ordnungsamt")
    sign_in_verified(client, staff_user("steuer", clerk_of=("steueramt",)))
    for reference in (other.reference, other.reference.lower(), "ZZZZ-ZZZZ"):
        response = client.get(f"/en/staff/submissions/{reference}/")
        assert response.status_code == 404
        assert "Mustermann" not in response.content.decode()
    upload = Upload.objects.create(submission=other, field_id="x", original_name="x.pdf",
                                   file=ContentFile(b"%PDF", name="x.pdf"),
                                   content_type="application/pdf", size=4, sha256="0")
    response = client.get(f"/en/staff/submissions/{other.reference}/files/{upload.pk}/")
    assert response.status_code == 404
    denied = list(AuditEvent.objects.filter(action=Action.SUBMISSION_DENIED).order_by("pk"))
    assert [(event.object_id, event.department) for event in denied] == [
        (other.reference, other.department), (other.reference, other.department),
        ("ZZZZ-ZZZZ", None), (other.reference, other.department)]
    assert not AuditEvent.objects.filter(action=Action.SUBMISSION_VIEWED).exists()


def test_attachments_open_for_the_department_and_are_logged(
        client: Client, dog_tax: Submission) -> None:
    upload = Upload.objects.create(submission=dog_tax, field_id="x", original_name="erlaubnis.pdf",
                                   file=ContentFile(b"%PDF-1.4", name="e.pdf"),
                                   content_type="application/pdf", size=8, sha256="0")
    sign_in_verified(client, staff_user("steuer", clerk_of=("steueramt",)))
    page = client.get(f"/en/staff/submissions/{dog_tax.reference}/").content.decode()
    url = f"/en/staff/submissions/{dog_tax.reference}/files/{upload.pk}/"
    assert url in page
    response = client.get(url)
    assert b"".join(response.streaming_content) == b"%PDF-1.4"  # type: ignore[attr-defined]
    assert AuditEvent.objects.get(action=Action.ATTACHMENT_DOWNLOADED).message == "erlaubnis.pdf"


def test_staff_without_a_department_have_no_inbox(client: Client, dog_tax: Submission) -> None:
    sign_in_verified(client, staff_user("telefon", agent=True))
    assert client.get("/en/staff/submissions/").status_code == 403
    assert client.get(f"/en/staff/submissions/{dog_tax.reference}/").status_code == 403
    assert "Workbasket" not in text(client.get("/en/staff/"))


def test_a_lead_and_an_administrator_see_the_department(
        client: Client, dog_tax: Submission) -> None:
    sign_in_verified(client, staff_user("leitung", lead_of=("steueramt",)))
    assert client.get(f"/en/staff/submissions/{dog_tax.reference}/").status_code == 200
    admin = Client()
    sign_in_verified(admin, staff_user("it", admin=True))
    assert dog_tax.reference in text(admin.get("/en/staff/submissions/"))


def test_the_inbox_needs_the_second_factor(client: Client, dog_tax: Submission) -> None:
    client.force_login(staff_user("steuer", clerk_of=("steueramt",)))
    response = client.get(f"/en/staff/submissions/{dog_tax.reference}/")
    assert response["Location"].startswith("/en/staff/login/")
    assert not AuditEvent.objects.exists()


def test_the_inbox_takes_the_same_queries_for_3_or_30_submissions(
        client: Client, dog_tax: Submission, django_assert_num_queries: Any) -> None:
    for _ in range(2):
        copy_to(dog_tax, "steueramt")
    copy_to(dog_tax, "ordnungsamt")
    sign_in_verified(client, staff_user("steuer", clerk_of=("steueramt", "ordnungsamt")))
    # user, OTP device, the departments' memberships (the clerk's and their colleagues'),
    # services, counts per state (also the list's length), page of cases
    with django_assert_num_queries(6):
        few = client.get("/en/staff/submissions/")
    assert few.content.decode().count('class="kern-link reference"') == 4
    for _ in range(26):
        copy_to(dog_tax, "ordnungsamt")
    with django_assert_num_queries(6):
        many = client.get("/en/staff/submissions/")
    assert many.content.decode().count('class="kern-link reference"') == 30


def test_the_clerk_sees_which_answers_came_verified_from_bundid(
        client: Client, dog_tax: Submission) -> None:
    dog_tax.verified_fields = {"owner_name": {"attribute": "name", "level": 4,
                                              "source": "bundid"}}
    dog_tax.save(update_fields=["verified_fields"])
    sign_in_verified(client, staff_user("steuer", clerk_of=("steueramt",)))
    body = client.get(f"/en/staff/submissions/{dog_tax.reference}/").content.decode()
    assert body.count("Verified by BundID") == 1
