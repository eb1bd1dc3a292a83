"""A notary asks about road charges for two parcels before a sale; neighbours are turned away."""

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

SLUG = "anliegerbescheinigung"


def parcel(index: int, flur: str, number: str) -> dict[str, str]:
    return {f"parcels-{index}-gemarkung": "Musterstadt", f"parcels-{index}-flur": flur,
            f"parcels-{index}-flurstueck": number}


ADDRESS = {"property_address-street": "Schlossallee", "property_address-number": "8",
           "property_address-postcode": "31134", "property_address-city": "Musterstadt"}


def test_notary_asks_for_two_parcels_before_a_sale(client: Client, catalog: None,
                                                   read_pdf: Any,
                                                   django_capture_on_commit_callbacks: Any
                                                   ) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("role", {"applicant_role": "notary", "notary_reference": "UR 1234/2026"})
    journey.answer("plots", {**ADDRESS, "parcels-count": "2", **parcel(0, "7", "45/2"),
                             **parcel(1, "7", "46")})
    journey.answer("purpose", {"purpose": "sale", "contents": ["development", "improvement"],
                               "delivery": "pdf_email"})
    journey.answer("applicant", {
        "applicant_name-given_names": "Claudia", "applicant_name-family_name": "Brandt",
        "applicant_organisation": "Notariat Dr. Brandt",
        "applicant_address-street": "Marktplatz", "applicant_address-number": "2",
        "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
        "applicant_email": "kanzlei@notariat-brandt.example", "applicant_phone": ""})

    check = journey.check_page()
    assert "UR 1234/2026" in check
    assert "45/2" in check
    assert "50,00 €" in check, "two parcels at 25 €"
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "bauverwaltung"
    assert submission.fee_total == Decimal("50.00")
    answers = submission.answers
    assert [p["flurstueck"] for p in answers["parcels"]] == ["45/2", "46"]
    assert answers["parcels"][0]["flur"] == 7
    assert answers["purpose"] == "sale"
    assert "owner_consent" not in answers, "a notary needs no consent upload"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Notariat Dr. Brandt" in text
    assert "50,00" in text


def test_a_buyer_needs_the_owners_consent(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    response = journey.post({"applicant_role": "buyer"})
    assert response.status_code == 200
    assert 'href="#owner_consent"' in response.content.decode()
    consent = SimpleUploadedFile("einverstaendnis.pdf", pdf_bytes(),
                                 content_type="application/pdf")
    journey.answer("role", {"applicant_role": "buyer", "owner_consent": consent})
    assert journey.step_id == "plots"


def test_someone_else_is_told_who_may_ask(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.post({"applicant_role": "other"})
    assert journey.step_url.endswith("/role/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Die Auskunft erhalten nur Berechtigte" in page
    assert "Steuergeheimnis" in page
    assert not Submission.objects.exists()
