"""A citizen writes to the town with a question or complaint that has no service of its own."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey, png_bytes

pytestmark = pytest.mark.django_db

SLUG = "kontaktformular"
ENQUIRY = {
    "enquiry_kind": "complaint", "topic": "building",
    "subject": "Straßenlaterne Am Mühlbach seit Wochen dunkel",
    "message": "Die Laterne vor Haus Nr. 12 ist seit drei Wochen aus. Abends ist der Gehweg "
               "dort ganz dunkel.",
    "file_reference": "",
}


def test_complaint_with_photo_answered_by_email(
        client: Client, catalog: None, read_pdf: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    photo = SimpleUploadedFile("laterne.png", png_bytes(), content_type="image/png")
    journey.answer("enquiry", {**ENQUIRY, "attachment": photo})
    journey.answer("contact", {
        "reply_by": "email", "contact_name-given_names": "Ulla",
        "contact_name-family_name": "Brandt", "contact_email": "ulla.brandt@example.org",
        "consent": "yes"})

    check = journey.check_page()
    assert "Straßenlaterne Am Mühlbach seit Wochen dunkel" in check
    assert "Eine Beschwerde" in check
    assert "Bauen, Straßen, Verkehr" in check
    assert "laterne.png" in check
    assert "Meldung absenden" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "buergerbuero"
    answers = submission.answers
    assert answers["topic"] == "building"
    assert answers["enquiry_kind"] == "complaint"
    assert answers["reply_by"] == "email"
    assert "contact_address" not in answers, "only the way of answering chosen is kept"
    assert submission.email == "ulla.brandt@example.org"
    assert submission.attachments.get().content_type == "image/png"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Laterne vor Haus Nr. 12" in text
    assert "Ulla Brandt" in text

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ulla.brandt@example.org"]
    assert mail.outbox[0].subject == f"Ihre Meldung {submission.reference} ist eingegangen"


def test_an_answer_by_post_needs_the_address_and_keeps_what_was_typed(
        client: Client, catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    missing = journey.post({**ENQUIRY, "message": ""})
    assert missing.status_code == 200
    assert 'href="#message"' in missing.content.decode()
    assert "Straßenlaterne Am Mühlbach" in missing.content.decode(), "the subject is kept"

    journey.answer("enquiry", ENQUIRY)
    response = journey.post({"reply_by": "post", "contact_name-given_names": "Ulla",
                             "contact_name-family_name": "Brandt", "consent": "yes"})

    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#contact_address' in body
    assert 'value="post" checked' in body
    assert 'value="Brandt"' in body
    assert not Submission.objects.exists()


def test_no_answer_needed_keeps_no_contact_details(
        client: Client, catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG, language="en").start()
    journey.answer("enquiry", {**ENQUIRY, "enquiry_kind": "praise", "topic": "unknown",
                               "subject": "Thank you", "message": "The new playground is great."})
    # Without JavaScript the e-mail input is still sent; with no answer wanted it is not kept.
    journey.answer("contact", {"reply_by": "none", "contact_email": "typed@example.org",
                               "consent": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.answers["reply_by"] == "none"
    assert "contact_email" not in submission.answers
    assert submission.email == ""
    assert mail.outbox == []
