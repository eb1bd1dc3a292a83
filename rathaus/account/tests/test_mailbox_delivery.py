"""Messages reach the mailbox: the receipt of a signed-in citizen's application, staff messages."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from rathaus.account.models import Message, MessageKind
from rathaus.account.services import deliver_receipt
from rathaus.account.tests import factories
from rathaus.applications.models import Submission
from rathaus.applications.tasks import send_submission_confirmation
from rathaus.applications.tests.hund import start
from rathaus.applications.tests.journey import downloaded
from rathaus.appointments.tests.pages import text
from rathaus.identity.levels import TrustLevel
from rathaus.identity.models import Citizen
from rathaus.identity.people import person_key
from rathaus.staff.tests.factories import sign_in_verified, staff_user

pytestmark = pytest.mark.django_db


def submitted(client: Client, django_capture_on_commit_callbacks: Any) -> Submission:
    journey = start(client)
    with django_capture_on_commit_callbacks(execute=True):
        return journey.submit()


def test_the_receipt_of_a_signed_in_citizen_reaches_the_mailbox(
        client: Client, hund_catalog: None, django_capture_on_commit_callbacks: Any,
        read_pdf: Any) -> None:
    # Signed in at level basic: nothing is verified, so the form takes the answers as typed.
    erika = factories.signed_in(client, level=TrustLevel.BASIC)
    submission = submitted(client, django_capture_on_commit_callbacks)
    if submission.citizen_id is None:  # the prefill stream binds submissions to the citizen
        Submission.objects.filter(pk=submission.pk).update(citizen=erika)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            send_submission_confirmation.enqueue(submission_id=submission.pk)

    message = Message.objects.get(citizen=erika)
    assert message.kind == MessageKind.RECEIPT
    assert message.submission_id == submission.pk
    assert submission.reference in message.subject
    assert message.attachment_name == f"receipt-{submission.reference}.pdf"
    with message.attachment.open("rb") as handle:
        assert submission.reference in read_pdf(handle.read())
    # The application named an address, so the confirmation e-mail is the one notice.
    assert [item.subject for item in mail.outbox] == [
        f"Your application {submission.reference} has been received"]

    assert submission.reference in text(client.get("/en/mein-rathaus/antraege/"))
    box = text(client.get("/en/mein-rathaus/postfach/"))
    assert submission.reference in box
    assert "with attachment" in box
    download = client.get(f"/en/mein-rathaus/postfach/{message.pk}/anhang/")
    assert download.status_code == 200
    assert downloaded(download).startswith(b"%PDF")


def test_the_receipt_reaches_the_mailbox_once(client: Client, hund_catalog: None,
                                              django_capture_on_commit_callbacks: Any) -> None:
    erika = factories.signed_in(client)
    submission = factories.submission(erika)
    first = deliver_receipt(submission=submission)
    second = deliver_receipt(submission=submission)
    assert first is not None
    assert second is not None
    assert first.pk == second.pk
    assert Message.objects.filter(citizen=erika).count() == 1


def test_without_an_address_in_the_application_the_mailbox_notice_tells(
        client: Client, hund_catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    erika = factories.signed_in(client)
    submission = factories.submission(erika, email="")
    with django_capture_on_commit_callbacks(execute=True):
        deliver_receipt(submission=submission)
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == [erika.email]
    assert submission.reference not in str(notice.subject) + str(notice.body)


def test_anonymous_applications_reach_no_mailbox(hund_catalog: None) -> None:
    assert deliver_receipt(submission=factories.submission(None)) is None
    assert not Message.objects.exists()


def test_staff_send_a_message_in_the_admin(client: Client, hund_catalog: None,
                                           django_capture_on_commit_callbacks: Any) -> None:
    erika = factories.other_citizen("erika")
    staff = staff_user(admin=True)
    sign_in_verified(client, staff)
    form = client.get("/admin/account/message/add/")
    assert form.status_code == 200, form.content[:300]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/account/message/add/", {
            "citizen": erika.pk, "subject": "Ihr Bescheid", "body": "Bewilligt.",
            "language": "de",
            "attachment": SimpleUploadedFile("Bescheid 2026.pdf", b"%PDF-1.7 ok",
                                             content_type="application/pdf"),
        })
    assert response.status_code == 302, response.content[:2000]
    message = Message.objects.get(citizen=erika)
    assert message.sent_by == staff
    assert message.attachment_name == "Bescheid 2026.pdf"
    assert "Bescheid 2026" not in str(message.attachment.name), "stored under a random name"
    assert [item.subject for item in mail.outbox] == ["Neue Nachricht in Mein Rathaus"]


def test_seed_demo_gives_the_persona_a_welcome_message(db: Any) -> None:
    from rathaus.identity.saml.simulator import BY_KEY

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    citizen = Citizen.objects.get(person_key=person_key(bundid_key=BY_KEY["erika"].bpk2))
    welcome = Message.objects.get(citizen=citizen)
    assert welcome.kind == MessageKind.WELCOME
    assert welcome.subject == "Willkommen in Mein Rathaus"


def test_a_draft_started_while_signed_in_is_in_mein_rathaus(client: Client,
                                                            hund_catalog: None) -> None:
    factories.signed_in(client, level=TrustLevel.BASIC)
    journey = start(client, until="dogs")
    page = client.get("/en/mein-rathaus/entwuerfe/")
    assert "Register a dog for dog tax" in text(page)
    resume = re.search(r'href="(/en/resume/[^"]+)"', page.content.decode())
    assert resume, "a continue link"
    other_browser = Client()
    factories.signed_in(other_browser, level=TrustLevel.BASIC)  # the same person elsewhere
    continued = other_browser.get(resume.group(1))
    assert continued.status_code == 302
    assert continued["Location"] == journey.step_url
    assert other_browser.get(continued["Location"]).status_code == 200
