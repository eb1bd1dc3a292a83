"""A seller reports that a house went to two buyers; a property outside the town is refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.identity.levels import TrustLevel

from .journey import Journey, pdf_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "eigentuemerwechsel-grundbesitzabgaben"

REPORTER = {
    "reporter_role": "previous_owner",
    "reporter_name-given_names": "Hans", "reporter_name-family_name": "Verkäufer",
    "reporter_email": "hans@example.org",
    # Sent by a browser without JavaScript; only asked of a notary or manager.
    "reporter_organisation": "Hausverwaltung Nord",
}
PROPERTY = {
    "property_address-street": "Am Mühlbach", "property_address-number": "12",
    "property_address-postcode": "31134", "property_address-city": "Musterstadt",
    "property_kind": "house", "gemarkung": "Musterstadt", "flur": "7",
    "flurstueck": "112/4, 113",
}


def owner(index: int, name: str, share: str) -> dict[str, str]:
    data = {"owner_name": name, "owner_address-street": "Birkenweg",
            "owner_address-number": "3", "owner_address-postcode": "30159",
            "owner_address-city": "Hannover", "owner_share": share}
    return {f"new_owners-{index}-{key}": value for key, value in data.items()}


def start(client: Client) -> Journey:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("reporter", REPORTER)
    return journey


def test_sale_to_two_buyers_with_the_contract(client: Client, catalog: None, read_pdf: Any,
                                              django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    journey.answer("property", PROPERTY)
    journey.answer("owners", {"previous_owner_name": "Hans Verkäufer",
                              "previous_owner_new_address": "Seestraße 1, 24103 Kiel",
                              "new_owners-count": "2",
                              **owner(0, "Lena Käufer", "1/2"), **owner(1, "Tom Käufer", "1/2")})
    contract = SimpleUploadedFile("kaufvertrag-auszug.pdf", pdf_bytes(),
                                  content_type="application/pdf")
    journey.answer("transfer", {"transfer_cause": "sale", "contract_date": "2026-09-15",
                                "possession_date": "2026-11-01", "contract_file": contract,
                                "truthful": "yes"})

    check = journey.check_page()
    assert "Lena Käufer" in check
    assert "Tom Käufer" in check
    assert "112/4, 113" in check
    assert "01.11.2026" in check
    assert "kaufvertrag-auszug.pdf" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "steueramt"
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert [item["owner_name"] for item in answers["new_owners"]] == ["Lena Käufer",
                                                                      "Tom Käufer"]
    assert answers["possession_date"] == "2026-11-01"
    assert "reporter_organisation" not in answers, "a hidden answer is not kept"
    assert "unit_number" not in answers
    assert [upload.field_id for upload in submission.attachments.all()] == ["contract_file"]

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Lena Käufer" in text
    assert "112/4, 113" in text
    assert mail.outbox[0].to == ["hans@example.org"]


def test_a_flat_needs_its_unit_and_the_property_must_be_in_town(client: Client,
                                                                catalog: None) -> None:
    journey = start(client)
    response = journey.post({**PROPERTY, "property_kind": "flat",
                             "property_address-postcode": "30159",
                             "property_address-city": "Hannover"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#unit_number"' in body
    assert "Bitte teilen Sie den Eigentümerwechsel dort mit." in body
    assert 'value="Am Mühlbach"' in body, "what was typed is kept"
