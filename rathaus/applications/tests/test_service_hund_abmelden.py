"""A keeper deregisters a dog from dog tax after giving it away, or after its death."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from .journey import Journey

pytestmark = pytest.mark.django_db

OWNER = {
    "owner_name-given_names": "Erika", "owner_name-family_name": "Mustermann",
    "owner_address-street": "Lindenallee", "owner_address-number": "7a",
    "owner_address-postcode": "31134", "owner_address-city": "Musterstadt",
    "owner_email": "erika@example.org", "owner_phone": "05121 123456",
}
DOG = {"tax_number": "HS-2021-0815", "dog_name": "Bello", "tag_number": "1207"}
NEW_KEEPER = {
    "new_keeper_name-given_names": "Hans", "new_keeper_name-family_name": "Schulze",
    "new_keeper_address-street": "Gartenweg", "new_keeper_address-number": "3",
    "new_keeper_address-postcode": "31137", "new_keeper_address-city": "Hildesheim",
}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def last_week() -> str:
    return (timezone.localdate() - datetime.timedelta(days=7)).isoformat()


def fill_until_reason(journey: Journey) -> None:
    journey.answer("owner", OWNER)
    journey.answer("dog", DOG)


def test_dog_given_away_with_new_keeper(client: Client, catalog: None, read_pdf: Any,
                                        django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, "hund-abmelden").start()
    fill_until_reason(journey)
    journey.answer("reason", {"reason": "given_away", "change_date": last_week()})
    details = journey.page()
    assert 'name="new_keeper_name-given_names"' in details
    assert 'name="new_address-street"' not in details, "only questions for this reason"
    assert 'name="vet_certificate"' not in details
    journey.answer("details", NEW_KEEPER)
    journey.answer("tag_and_payment", {"tag_returned": "yes", "cancel_mandate": "yes"})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Hans Schulze" in check
    assert "Gartenweg 3, 31137 Hildesheim" in check
    assert "HS-2021-0815" in check
    assert "Bello" in check
    assert 'id="fees"' not in check, "deregistering is free"

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "steueramt"
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["reason"] == "given_away"
    assert answers["change_date"] == last_week()
    assert answers["tag_number"] == "1207"
    assert answers["new_keeper_name"] == {"given_names": "Hans", "family_name": "Schulze"}
    assert answers["new_keeper_address"]["city"] == "Hildesheim"
    assert answers["tag_returned"] is True
    assert answers["cancel_mandate"] is True
    assert "new_address" not in answers
    assert "tag_missing_reason" not in answers

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Bello" in text
    assert "Hans Schulze" in text
    assert "1207" in text

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erika@example.org"]
    assert submission.reference in message.subject
    assert message.attachments[0][2] == "application/pdf"


def test_death_with_vet_certificate_drops_earlier_new_keeper(
    client: Client, catalog: None, read_pdf: Any, django_capture_on_commit_callbacks: Any
) -> None:
    journey = Journey(client, "hund-abmelden").start()
    fill_until_reason(journey)
    journey.answer("reason", {"reason": "given_away", "change_date": last_week()})
    journey.answer("details", NEW_KEEPER)

    # The keeper goes back and corrects the reason: the dog has died.
    journey.step_url = journey.step_url.replace("/tag_and_payment/", "/reason/")
    journey.answer("reason", {"reason": "death", "change_date": last_week()})
    details = journey.page()
    assert 'name="vet_certificate"' in details
    assert 'name="new_keeper_name-given_names"' not in details
    certificate = SimpleUploadedFile("bescheinigung.pdf", PDF, content_type="application/pdf")
    journey.answer("details", {"vet_certificate": certificate})
    journey.answer("tag_and_payment", {"tag_returned": "no",
                                       "tag_missing_reason": "Marke ist verloren gegangen",
                                       "cancel_mandate": "no"})
    journey.answer("declaration", {"truthful": "yes"})
    check = journey.check_page()
    assert "bescheinigung.pdf" in check
    assert "Hans Schulze" not in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    answers = submission.answers
    assert answers["reason"] == "death"
    assert "new_keeper_name" not in answers
    assert "new_keeper_address" not in answers
    assert answers["vet_certificate"]["name"] == "bescheinigung.pdf"
    assert answers["tag_missing_reason"] == "Marke ist verloren gegangen"
    assert [upload.original_name for upload in submission.attachments.all()] == [
        "bescheinigung.pdf"
    ]
    assert "bescheinigung.pdf" in read_pdf(journey.receipt(submission))


def test_other_reason_skips_the_details_step(client: Client, catalog: None) -> None:
    journey = Journey(client, "hund-abmelden").start()
    fill_until_reason(journey)
    journey.answer("reason", {"reason": "other", "change_date": last_week(),
                              "reason_other": "Der Hund ist entlaufen und nicht zurückgekehrt."})
    assert journey.step_id == "tag_and_payment"


def test_change_date_in_the_future_is_refused(client: Client, catalog: None) -> None:
    journey = Journey(client, "hund-abmelden").start()
    fill_until_reason(journey)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = journey.post({"reason": "moved_away", "change_date": tomorrow})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#change_date"' in body
    assert f'value="{tomorrow}"' in body, "the typed date is kept"
    assert 'value="moved_away" checked' in body
    assert journey.step_id == "reason"
