"""A resident of the old town applies for a two-year parking permit for her company car."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel
from rathaus.identity.testing import sign_in_client

from .journey import Journey, pdf_bytes, png_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "bewohnerparkausweis"

RESIDENCE = {
    "applicant_name-given_names": "Sabine", "applicant_name-family_name": "Hartmann",
    "applicant_address-street": "Kirchweg", "applicant_address-number": "9",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "main_residence": "yes", "zone": "a",
}


def today() -> str:
    return timezone.localdate().isoformat()


def certificate() -> SimpleUploadedFile:
    return SimpleUploadedFile("fahrzeugschein.png", png_bytes(), content_type="image/png")


def test_company_car_for_two_years(client: Client, catalog: None, read_pdf: Any,
                                   django_capture_on_commit_callbacks: Any) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    journey.answer("residence", RESIDENCE)
    confirmation = SimpleUploadedFile("bestaetigung-arbeitgeber.pdf", pdf_bytes(),
                                      content_type="application/pdf")
    journey.answer("vehicle", {"plate": "HI-SH 2024E", "vehicle_keeper": "company",
                               "registration_certificate": certificate(),
                               "keeper_confirmation": confirmation})
    journey.answer("period", {"valid_from": today(), "years": "2",
                              "applicant_email": "s.hartmann@example.org",
                              "applicant_phone": ""})
    journey.answer("declaration", {"truthful": "yes", "notice_by_retrieval": "yes"})

    check = journey.check_page()
    assert "HI-SH 2024E" in check
    assert "bestaetigung-arbeitgeber.pdf" in check
    assert "120,00 €" in check, "two years at 60 €"
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "ordnungsamt"
    assert submission.trust_level == TrustLevel.SUBSTANTIAL
    assert submission.fee_total == Decimal("120.00")
    answers = submission.answers
    assert answers["zone"] == "a"
    assert answers["years"] == 2
    assert answers["plate"] == "HI-SH 2024E"
    assert {upload.field_id for upload in submission.attachments.all()} == {
        "registration_certificate", "keeper_confirmation"}

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "HI-SH 2024E" in text
    assert "120,00" in text


def test_plate_and_confirmation_are_checked_and_a_second_home_stops(
        client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    journey.answer("residence", RESIDENCE)
    response = journey.post({"plate": "hi sh 2024", "vehicle_keeper": "leasing",
                             "registration_certificate": certificate()})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Geben Sie das Kennzeichen in Großbuchstaben mit Bindestrich" in body
    assert 'href="#keeper_confirmation"' in body, "a leased car needs the keeper's confirmation"
    assert 'value="hi sh 2024"' in body, "what was typed is kept"

    second = Client()
    sign_in(second, TrustLevel.SUBSTANTIAL)
    other = Journey(second, SLUG).start()
    other.post({**RESIDENCE, "main_residence": "no"})
    assert other.step_url.endswith("/residence/stop/")
    assert "Nur für die Hauptwohnung" in second.get(other.step_url).content.decode()
    assert not Submission.objects.exists()


def test_a_verified_address_outside_the_town_stops_at_once(client: Client,
                                                           catalog: None) -> None:
    sign_in_client(client, level=TrustLevel.HIGH)  # Erika, whose ID card says Köln
    journey = Journey(client, SLUG).start()
    body = journey.page()
    assert "Heidestraße 17, 51147 Köln" in body
    assert "in einer Bewohnerparkzone unserer Stadt gemeldet sind" in body
    assert 'name="zone"' not in body
