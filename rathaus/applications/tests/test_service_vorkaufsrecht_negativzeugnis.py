"""A notary asks for the negative certificate on the town's right of pre-emption."""

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

from .journey import Journey, pdf_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "vorkaufsrecht-negativzeugnis"

OFFICE = {
    "notary_name-given_names": "Dorothea", "notary_name-family_name": "Brinkmann",
    "office_name": "Notariat Brinkmann & Kollegen",
    "office_address-street": "Marktstraße", "office_address-number": "9",
    "office_address-postcode": "31134", "office_address-city": "Musterstadt",
    "office_email": "notariat@brinkmann.example", "office_phone": "05121 44550",
    "deed_number": "UR-Nr. 412/2026",
}


def parcel(index: int, flurstueck: str, **extra: str) -> dict[str, str]:
    data = {"gemarkung": "Musterstadt", "flur": "7", "flurstueck": flurstueck, **extra}
    return {f"parcels-{index}-{key}": value for key, value in data.items()}


def start(client: Client) -> Journey:
    sign_in(client, TrustLevel.BASIC)
    return Journey(client, SLUG).start()


def test_notary_sends_a_contract_over_two_plots(client: Client, catalog: None, read_pdf: Any,
                                                django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    journey.answer("contract", {"contract_kind": "land_sale"})
    journey.answer("office", OFFICE)
    journey.answer("parcels", {"parcels-count": "2",
                               **parcel(0, "112/4", parcel_address="Am Mühlbach 12",
                                        parcel_area="640"),
                               **parcel(1, "113")})
    contract = SimpleUploadedFile("kaufvertrag.pdf", pdf_bytes(), content_type="application/pdf")
    signed = timezone.localdate().isoformat()
    journey.answer("sale", {"contract_date": signed, "contract_file": contract,
                            "delivery": "mailbox", "truthful": "yes"})

    check = journey.check_page()
    assert "112/4" in check
    assert "UR-Nr. 412/2026" in check
    assert "kaufvertrag.pdf" in check
    assert "Gebühr für das Negativzeugnis" in check
    assert "30,00 €" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "bauverwaltung"
    assert submission.fee_total == Decimal("30.00")
    answers = submission.answers
    assert [item["flurstueck"] for item in answers["parcels"]] == ["112/4", "113"]
    assert answers["parcels"][0]["parcel_area"] == 640
    assert answers["contract_date"] == signed
    assert [upload.field_id for upload in submission.attachments.all()] == ["contract_file"]

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Notariat Brinkmann & Kollegen" in text
    assert "112/4" in text
    assert "30,00" in text
    assert mail.outbox[0].to == ["notariat@brinkmann.example"]


def test_a_flat_needs_no_certificate(client: Client, catalog: None) -> None:
    journey = start(client)
    journey.post({"contract_kind": "condominium"})
    assert journey.step_url.endswith("/contract/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Dafür brauchen Sie kein Negativzeugnis" in page
    assert "§ 24 Abs. 2 BauGB" in page
    assert not Submission.objects.exists()


def test_a_wrong_plot_number_is_explained(client: Client, catalog: None) -> None:
    journey = start(client)
    journey.answer("contract", {"contract_kind": "land_sale"})
    journey.answer("office", OFFICE)
    response = journey.post({"parcels-count": "1", **parcel(0, "112 a")})
    assert response.status_code == 200
    body = response.content.decode()
    assert "zum Beispiel 112 oder 112/4" in body
    assert 'value="112 a"' in body, "what was typed is kept"
