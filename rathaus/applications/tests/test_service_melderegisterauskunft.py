"""A debt collector asks for the addresses of two former customers; the fee is per person."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey

pytestmark = pytest.mark.django_db

SLUG = "melderegisterauskunft"


def person(index: int, given: str, family: str, **extra: str) -> dict[str, str]:
    data = {"person_name-given_names": given, "person_name-family_name": family,
            "person_former_name": "", "person_birth_date": "",
            "person_last_address-street": "", "person_last_address-number": "",
            "person_last_address-postcode": "", "person_last_address-city": "", **extra}
    return {f"persons-{index}-{key}": value for key, value in data.items()}


REQUESTER = {
    "requester_name-given_names": "Sabine", "requester_name-family_name": "Engel",
    "requester_address-street": "Industriestraße", "requester_address-number": "20",
    "requester_address-postcode": "30159", "requester_address-city": "Hannover",
    "requester_email": "engel@inkasso-nord.example", "answer_by": "email",
}


def test_commercial_request_for_two_people(client: Client, catalog: None, read_pdf: Any,
                                           django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("purpose", {"requester_kind": "commercial",
                               "company_name": "Inkasso Nord GmbH",
                               "commercial_purpose": "Offene Forderung aus einem "
                                                     "Mobilfunkvertrag, Akte 2026-118",
                               "private_purpose": "wird nicht gespeichert"})
    journey.answer("persons", {"persons-count": "2",
                               **person(0, "Kevin", "Albrecht", person_birth_date="1990-03-08"),
                               **person(1, "Nadine", "Kaiser",
                                        **{"person_last_address-street": "Bergstraße",
                                           "person_last_address-number": "3",
                                           "person_last_address-postcode": "31134",
                                           "person_last_address-city": "Musterstadt"})})
    journey.answer("requester", REQUESTER)
    journey.answer("declaration", {"no_advertising": "yes", "commercial_use": "yes",
                                   "truthful": "yes"})

    check = journey.check_page()
    assert "Überweisung" in check, "the way to pay is shown before submitting"
    assert "Inkasso Nord GmbH" in check
    assert "Kevin Albrecht" in check
    assert "Bergstraße 3, 31134 Musterstadt" in check
    assert "2 × 10,00 €" in check
    assert "20,00 €" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "buergerbuero"
    assert submission.fee_total == Decimal("20.00")
    payment = submission.payments.first()
    assert payment is not None, "the fee is paid when submitting"
    assert payment.amount_cents == 2000
    assert payment.kassenzeichen.startswith("MRA-")
    assert payment.booking_reference == "122020.431100"
    answers = submission.answers
    assert answers["requester_kind"] == "commercial"
    assert [p["person_name"]["family_name"] for p in answers["persons"]] == ["Albrecht", "Kaiser"]
    assert answers["persons"][0]["person_birth_date"] == "1990-03-08"
    assert answers["commercial_use"] is True
    assert "private_purpose" not in answers

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Nadine Kaiser" in text
    assert "Mobilfunkvertrag" in text
    assert "20,00" in text
    assert mail.outbox[0].to == ["engel@inkasso-nord.example"]


def test_a_name_alone_does_not_identify_anyone(client: Client, catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("purpose", {"requester_kind": "private"})
    response = journey.post({"persons-count": "1", **person(0, "Kevin", "Albrecht")})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#persons-0-person_birth_date"' in body
    assert 'value="Albrecht"' in body, "what was typed is kept"
    journey.answer("persons", {"persons-count": "1",
                               **person(0, "Kevin", "Albrecht", person_birth_date="1990-03-08")})
    assert journey.step_id == "requester"
    assert not Submission.objects.exists()
