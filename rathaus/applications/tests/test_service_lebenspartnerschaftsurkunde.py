"""A partner orders an international civil partnership certificate for use abroad."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey

pytestmark = pytest.mark.django_db

SLUG = "lebenspartnerschaftsurkunde"

PARTNERSHIP = {
    "partner_1_name-given_names": "Thomas", "partner_1_name-family_name": "Brandt",
    "partner_1_birth_name": "",
    "partner_2_name-given_names": "Miguel", "partner_2_name-family_name": "Brandt",
    "partner_2_birth_name": "Ortega", "registration_date": "2012-08-17",
}


def test_international_certificate_for_a_partner(client: Client, catalog: None, read_pdf: Any,
                                                 django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("partnership_place", {"registered_in_town": "yes"})
    journey.answer("relation", {"relation": "partner"})
    journey.answer("partnership", PARTNERSHIP)
    journey.answer("certificate", {"certificate_kind": "international", "purpose": "other",
                                   "purpose_other": "Aufenthaltsrecht in Spanien",
                                   "copies": "1"})
    journey.answer("applicant", {"applicant_name-given_names": "Miguel",
                                 "applicant_name-family_name": "Brandt",
                                 "applicant_email": "miguel.brandt@example.org"})
    journey.answer("delivery", {"delivery_address-street": "Gartenstraße",
                                "delivery_address-number": "12",
                                "delivery_address-postcode": "31134",
                                "delivery_address-city": "Musterstadt"})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Internationale Lebenspartnerschaftsurkunde (mehrsprachig)" in check
    assert "Ortega" in check
    assert "17.08.2012" in check
    assert "12,00 €" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "standesamt"
    assert submission.fee_total == Decimal("12.00")
    answers = submission.answers
    assert answers["partner_2_birth_name"] == "Ortega"
    assert answers["registration_date"] == "2012-08-17"
    assert answers["purpose_other"] == "Aufenthaltsrecht in Spanien"
    assert "legal_interest" not in answers

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Thomas Brandt" in text
    assert "Aufenthaltsrecht in Spanien" in text
    assert "12,00" in text
    assert mail.outbox[0].to == ["miguel.brandt@example.org"]


def test_partnership_elsewhere_stops_and_too_many_copies_are_refused(client: Client,
                                                                     catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.post({"registered_in_town": "no"})
    assert journey.step_url.endswith("/partnership_place/stop/")
    stop = client.get(journey.step_url).content.decode()
    assert "Urkunden stellt das Standesamt des Orts der Begründung aus" in stop

    journey = Journey(client, SLUG).start()
    journey.answer("partnership_place", {"registered_in_town": "yes"})
    journey.answer("relation", {"relation": "partner"})
    journey.answer("partnership", PARTNERSHIP)
    response = journey.post({"certificate_kind": "standard", "purpose": "pension",
                             "copies": "11"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#copies"' in body
    assert 'value="11"' in body, "what was typed is kept"
    assert not Submission.objects.exists()
