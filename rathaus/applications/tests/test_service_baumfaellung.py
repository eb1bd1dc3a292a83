"""An owner applies to fell a protected oak; a small tree needs no permit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel

from .journey import Journey, pdf_bytes, png_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "baumfaellung"

APPLICANT = {
    "request_kind": "permit",
    "applicant_name-given_names": "Jens", "applicant_name-family_name": "Gärtner",
    "applicant_role": "owner", "applicant_email": "jens.gaertner@example.org",
    "applicant_phone": "05121 998877",
}


def tree(index: int, species: str, circumference: str) -> dict[str, str]:
    data = {"species": species, "circumference_cm": circumference, "height_m": "18",
            "position": f"Baum {index + 1}, hinter dem Haus"}
    return {f"trees-{index}-{key}": value for key, value in data.items()}


def files() -> dict[str, SimpleUploadedFile]:
    return {"site_plan": SimpleUploadedFile("lageplan.pdf", pdf_bytes(),
                                            content_type="application/pdf"),
            "photos": SimpleUploadedFile("eiche.png", png_bytes(), content_type="image/png")}


def start(client: Client) -> Journey:
    sign_in(client, TrustLevel.BASIC)
    return Journey(client, SLUG).start()


def test_permit_for_a_diseased_oak_with_replacement(
        client: Client, catalog: None, read_pdf: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    journey.answer("protected", {"circumference_class": "protected", "fruit_tree": "no"})
    journey.answer("request", APPLICANT)
    journey.answer("trees", {
        "property_address-street": "Am Mühlbach", "property_address-number": "12",
        "property_address-postcode": "31134", "property_address-city": "Musterstadt",
        "trees-count": "1", **tree(0, "stieleiche", "190"), **files(),
    })
    journey.answer("reason", {"reason": "disease",
                              "reason_details": "Brandkrustenpilz am Stammfuß, Krone stirbt ab.",
                              "replacement": "planned",
                              "replacement_species": "Feldahorn, im Vorgarten links",
                              "truthful": "yes"})

    check = journey.check_page()
    assert "Stieleiche" in check
    assert "190" in check
    assert "lageplan.pdf" in check
    assert "Feldahorn, im Vorgarten links" in check
    assert "Gebühr für die Fällgenehmigung" in check
    assert "40,00 €" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "umwelt"
    assert submission.fee_total == Decimal("40.00")
    assert submission.payments.first() is None, "the fee comes with the permit's notice"
    answers = submission.answers
    assert answers["trees"][0]["circumference_cm"] == 190
    assert answers["trees"][0]["species"] == "stieleiche"
    assert "species_other" not in answers["trees"][0]
    assert answers["reason"] == "disease"
    assert "felled_on" not in answers
    assert "building_permit_number" not in answers
    assert {upload.field_id for upload in submission.attachments.all()} == {"site_plan", "photos"}

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Stieleiche" in text
    assert "40,00" in text
    assert mail.outbox[0].to == ["jens.gaertner@example.org"]


def test_an_emergency_felling_needs_its_date_and_a_thin_trunk_is_refused(
        client: Client, catalog: None) -> None:
    journey = start(client)
    journey.answer("protected", {"circumference_class": "protected", "fruit_tree": "no"})
    response = journey.post({**APPLICANT, "request_kind": "emergency"})
    assert response.status_code == 200
    assert 'href="#felled_on"' in response.content.decode()
    journey.answer("request", {**APPLICANT, "request_kind": "emergency",
                               "felled_on": timezone.localdate().isoformat()})
    address = {"property_address-street": "Am Mühlbach", "property_address-number": "12",
               "property_address-postcode": "31134", "property_address-city": "Musterstadt"}
    response = journey.post({**address, "trees-count": "1", **tree(0, "other", "60"),
                             "trees-0-species_other": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#trees-0-species_other"' in body, "another species is named"
    assert 'href="#trees-0-circumference_cm"' in body
    assert "mindestens 80" in body
    assert '<option value="other" selected>Eine andere Baumart</option>' in body, "kept"
    assert '<label class="kern-label" for="trees-0-species">Baumart' in body
    response = journey.post({**address, "trees-count": "1", **tree(0, "pine-ish", "120")})
    body = response.content.decode()
    assert "Wählen Sie eine der Möglichkeiten für „Baumart“ aus." in body, "a forged value"
    assert 'href="#trees-0-species"' in body
    journey.answer("trees", {**address, "trees-count": "1", **tree(0, "other", "120"),
                             "trees-0-species_other": "Blutbuche", **files()})
    journey.answer("reason", {"reason": "danger", "reason_details": "Sturmschaden, Stamm gerissen.",
                              "replacement": "undecided", "truthful": "yes"})
    check = journey.check_page()
    assert "Eine andere Baumart" in check
    assert "Blutbuche" in check
    submission = journey.submit()
    assert submission.answers["trees"][0]["species_other"] == "Blutbuche"
    assert submission.fee_total == Decimal("0.00"), "reporting an emergency felling is free"


def test_a_tree_below_the_protected_size_needs_no_permit(client: Client, catalog: None) -> None:
    journey = start(client)
    journey.post({"circumference_class": "below", "fruit_tree": "no"})
    assert journey.step_url.endswith("/protected/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Für diesen Baum brauchen Sie keine Genehmigung" in page
    assert "1. Oktober bis zum 28. Februar" in page
    assert not Submission.objects.exists()
