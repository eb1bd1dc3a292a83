"""A keeper on citizen's benefit applies for half the dog tax, with the benefit notice."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel

from .journey import Journey, pdf_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "hundesteuer-ermaessigung"

OWNER = {
    "owner_name-given_names": "Erika", "owner_name-family_name": "Mustermann",
    "owner_address-street": "Lindenallee", "owner_address-number": "7a",
    "owner_address-postcode": "31134", "owner_address-city": "Musterstadt",
    "owner_email": "erika@example.org",
}
DOG = {"dog_registered": "yes", "dog_name": "Bello", "tax_tag_number": "0815",
       "dangerous": "no"}


def start(client: Client) -> Journey:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("owner", OWNER)
    return journey


def test_half_tax_on_citizens_benefit_with_the_notice(
        client: Client, catalog: None, read_pdf: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    journey.answer("dog", DOG)
    until = (timezone.localdate() + datetime.timedelta(days=150)).isoformat()
    notice = SimpleUploadedFile("leistungsbescheid.pdf", pdf_bytes(),
                                content_type="application/pdf")
    journey.answer("reason", {"reason": "social_benefits", "benefit_kind": "buergergeld",
                              "benefit_until": until, "evidence": notice,
                              # Sent by a browser without JavaScript; hidden for this reason.
                              "rescue_organisation": "DRK"})
    journey.answer("declaration", {"truthful": "yes", "notice_by_retrieval": "yes"})

    check = journey.check_page()
    assert "Bürgergeld (SGB II)" in check
    assert "0815" in check
    assert "leistungsbescheid.pdf" in check
    assert 'id="fees"' not in check, "applying is free"

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "steueramt"
    assert submission.trust_level == TrustLevel.BASIC
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["reason"] == "social_benefits"
    assert answers["benefit_until"] == until
    assert answers["tax_tag_number"] == "0815"
    assert answers["notice_by_retrieval"] is True
    assert "rescue_organisation" not in answers, "a hidden answer is not kept"
    assert [upload.field_id for upload in submission.attachments.all()] == ["evidence"]

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Bello" in text
    assert "Bürgergeld (SGB II)" in text
    assert "leistungsbescheid.pdf" in text
    assert "evidence" in submission.sensitive_fields, "a benefit notice is kept sealed"
    assert mail.outbox[0].to == ["erika@example.org"]
    assert mail.outbox[0].attachments == [], "sealed evidence: the receipt is not e-mailed"


def test_rescue_dog_needs_its_test_and_bad_tag_numbers_are_explained(
        client: Client, catalog: None) -> None:
    journey = start(client)
    response = journey.post({**DOG, "tax_tag_number": "A-15"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "besteht aus bis zu sechs Ziffern" in body
    assert 'value="Bello"' in body, "what was typed is kept"
    journey.answer("dog", DOG)

    response = journey.post({"reason": "rescue_dog"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#rescue_organisation"' in body
    assert 'href="#rescue_test_date"' in body
    assert 'href="#evidence"' in body
    assert 'href="#benefit_kind"' not in body, "only the chosen reason's questions"


def test_dangerous_dog_stops(client: Client, catalog: None) -> None:
    journey = start(client)
    journey.post({**DOG, "dangerous": "yes"})
    assert journey.step_url.endswith("/dog/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Für gefährliche Hunde gibt es keine Ermäßigung" in page
    assert not Submission.objects.exists()
