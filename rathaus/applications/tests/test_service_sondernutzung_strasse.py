"""An owner puts up scaffolding on the pavement for a month; a skip on the road needs signs."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rathaus.identity.levels import TrustLevel

from .journey import Journey, png_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "sondernutzung-strasse"


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


LOCATION = {"location-street": "Bahnhofstraße", "location-number": "12",
            "location-postcode": "31134", "location-city": "Musterstadt"}

APPLICANT = {
    "applicant_role": "owner",
    "applicant_name-given_names": "Karl", "applicant_name-family_name": "Brenner",
    "applicant_address-street": "Bahnhofstraße", "applicant_address-number": "12",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "applicant_email": "brenner@example.org", "applicant_phone": "05121 303030",
}


def sketch() -> SimpleUploadedFile:
    return SimpleUploadedFile("skizze.png", png_bytes(), content_type="image/png")


def test_scaffolding_on_the_pavement_for_thirty_days(
        client: Client, catalog: None, read_pdf: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("use", {"use_kind": "scaffold", "scaffold_company": "Gerüstbau Nord GmbH",
                           "purpose": "Sanierung der Fassade"})
    page = journey.page()
    journey.answer("place", {**LOCATION, "surface": ["pavement"], "area_m2": "9",
                             "area_class": "up_to_10", "pavement_left_cm": "180",
                             "site_plan": sketch()})
    journey.answer("period", {"date_from": in_days(14), "date_until": in_days(43)})
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"obligations": "yes"})
    assert 'name="container_size"' not in page

    check = journey.check_page()
    assert "Gerüstbau Nord GmbH" in check
    assert "skizze.png" in check
    assert "30 Tage × 1,00 €" in check, "the days counted from the dates"
    assert "55,00 €" in check, "25 € + 30 days × 1 €"
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "tiefbau"
    assert submission.fee_total == Decimal("55.00")
    answers = submission.answers
    assert answers["area_m2"] == 9
    assert answers["pavement_left_cm"] == 180
    assert answers["surface"] == ["pavement"]
    assert "container_size" not in answers
    assert submission.attachments.get().field_id == "site_plan"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Sanierung der Fassade" in text
    assert "55,00" in text


def test_a_skip_on_the_parking_lane_needs_a_sketch(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("use", {"use_kind": "container", "container_size": "up_to_7",
                           "purpose": "Entrümpelung"})
    place = {**LOCATION, "surface": ["parking"], "area_m2": "8", "area_class": "up_to_10"}
    response = journey.post(place)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#site_plan"' in body
    assert 'href="#pavement_left_cm"' not in body, "only asked when the pavement is used"
    assert 'value="8"' in body, "what was typed is kept"
    journey.answer("place", {**place, "site_plan": sketch()})
    response = journey.post({"date_from": in_days(9), "date_until": in_days(7)})
    assert response.status_code == 200
    assert "„Bis“ darf nicht vor „Von“" in response.content.decode()
    journey.answer("period", {"date_from": in_days(7), "date_until": in_days(9)})
    journey.answer("applicant", {**APPLICANT, "applicant_role": "company",
                                 "company_name": "Container Weber"})
    journey.answer("declaration", {"obligations": "yes"})
    submission = journey.submit()
    assert submission.fee_total == Decimal("28.00")
    assert submission.answers["container_size"] == "up_to_7"
    assert "pavement_left_cm" not in submission.answers
    assert "scaffold_company" not in submission.answers
