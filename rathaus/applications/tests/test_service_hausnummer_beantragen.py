"""An architect applies for two house numbers for a pair of semi-detached houses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel

from .journey import Journey, pdf_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "hausnummer-beantragen"

PARCEL = {"gemarkung": "Oberdorf", "flur": "3", "flurstueck": "112/3, 112/4",
          "access_street": "Am Kirschgarten", "neighbour_number": "Am Kirschgarten 5"}


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def test_architect_applies_for_a_semi_detached_pair(client: Client, catalog: None,
                                                    read_pdf: Any,
                                                    django_capture_on_commit_callbacks: Any
                                                    ) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("reason", {"reason": "new_building", "building_status": "applied",
                              "permit_reference": "BA-2026-0147"})
    journey.answer("parcel", PARCEL)
    journey.answer("building", {"building_kind": "semi_terraced", "numbers_needed": "2",
                                "occupancy_date": "", "site_plan": pdf("lageplan.pdf")})
    journey.answer("applicant", {
        "applicant_role": "representative",
        "applicant_name-given_names": "Jonas", "applicant_name-family_name": "Albers",
        "applicant_address-street": "Poststraße", "applicant_address-number": "3",
        "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
        "owner_name": "Familie Neumann", "power_of_attorney": pdf("vollmacht.pdf"),
        "applicant_email": "albers@architekten.example", "applicant_phone": "",
        "notice_by_retrieval": "yes"})

    check = journey.check_page()
    assert "112/3, 112/4" in check
    assert "vollmacht.pdf" in check
    assert "80,00 €" in check, "two numbers at 40 €"
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "bauverwaltung"
    assert submission.fee_total == Decimal("80.00")
    answers = submission.answers
    assert answers["flur"] == 3
    assert answers["flurstueck"] == "112/3, 112/4"
    assert answers["numbers_needed"] == 2
    assert answers["owner_name"] == "Familie Neumann"
    assert {upload.field_id for upload in submission.attachments.all()} == {
        "site_plan", "power_of_attorney"}

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Am Kirschgarten" in text
    assert "80,00" in text


def test_parcel_is_checked_and_a_mere_idea_stops(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("reason", {"reason": "new_building", "building_status": "completed"})
    response = journey.post({**PARCEL, "flurstueck": "Flurstück zwölf"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Geben Sie das Flurstück als Zahl an" in body
    assert 'value="Oberdorf"' in body, "what was typed is kept"

    second = Client()
    sign_in(second, TrustLevel.BASIC)
    other = Journey(second, SLUG).start()
    other.post({"reason": "new_building", "building_status": "idea"})
    assert other.step_url.endswith("/reason/stop/")
    page = second.get(other.step_url).content.decode()
    assert "Eine Hausnummer vergeben wir erst mit dem Bauantrag" in page
    assert not Submission.objects.exists()
