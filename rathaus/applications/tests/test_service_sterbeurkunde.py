"""A brother who is the heir orders death certificates with evidence of his legal interest."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey, pdf_bytes

pytestmark = pytest.mark.django_db

SLUG = "sterbeurkunde"

DECEASED = {
    "deceased_name-given_names": "Hermann", "deceased_name-family_name": "Voß",
    "deceased_birth_name": "", "deceased_birth_date": "1941-02-03",
    "death_date": "2026-11-20", "death_location": "St.-Elisabeth-Krankenhaus",
}

APPLICANT = {
    "applicant_name-given_names": "Dieter", "applicant_name-family_name": "Voß",
    "applicant_email": "dieter.voss@example.org", "applicant_phone": "05121 998877",
    "delivery_address-street": "Am Kanal", "delivery_address-number": "9",
    "delivery_address-postcode": "31134", "delivery_address-city": "Musterstadt",
}


def test_sibling_as_heir_with_evidence(client: Client, catalog: None, read_pdf: Any,
                                       django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("death_place", {"died_in_town": "yes"})
    evidence = SimpleUploadedFile("erbschein.pdf", pdf_bytes(), content_type="application/pdf")
    journey.answer("relation", {"relation": "sibling", "legal_interest_evidence": evidence,
                                "legal_interest": "Ich bin Alleinerbe und löse die Wohnung "
                                                  "und die Konten meines Bruders auf."})
    journey.answer("deceased", DECEASED)
    journey.answer("certificate", {"purpose": "estate", "certificate_kind": "standard",
                                   "copies": "2"})
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Hermann Voß" in check
    assert "20.11.2026" in check
    assert "erbschein.pdf" in check
    assert "2 × 12,00 €" in check
    assert "24,00 €" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "standesamt"
    assert submission.fee_total == Decimal("24.00")
    answers = submission.answers
    assert answers["relation"] == "sibling"
    assert answers["deceased_name"] == {"given_names": "Hermann", "family_name": "Voß"}
    assert answers["death_date"] == "2026-11-20"
    assert answers["legal_interest_evidence"]["name"] == "erbschein.pdf"
    [upload] = submission.attachments.all()
    assert upload.field_id == "legal_interest_evidence"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Hermann Voß" in text
    assert "Alleinerbe" in text
    assert "24,00" in text
    assert mail.outbox[0].to == ["dieter.voss@example.org"]


def test_others_need_evidence_and_a_widow_pays_nothing_for_the_pension(
        client: Client, catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("death_place", {"died_in_town": "yes"})
    response = journey.post({"relation": "other", "legal_interest": "Ich bin Nachlasspfleger."})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#legal_interest_evidence"' in body
    assert "Ich bin Nachlasspfleger." in body, "what was typed is kept"

    # The widow needs neither explanation nor evidence; a certificate for the pension is free.
    journey.answer("relation", {"relation": "spouse"})
    journey.answer("deceased", DECEASED)
    journey.answer("certificate", {"purpose": "social_benefits", "certificate_kind": "standard",
                                   "copies": "1"})
    journey.answer("applicant", {**APPLICANT, "applicant_name-given_names": "Ilse"})
    journey.answer("declaration", {"truthful": "yes"})
    check = journey.check_page()
    assert "gebührenfrei" in check
    assert "12,00 €" not in check
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert submission.fee_total == Decimal("0.00")
    assert "legal_interest" not in submission.answers
    assert not submission.attachments.exists()
    assert Submission.objects.count() == 1
