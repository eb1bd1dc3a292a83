"""A wife orders two marriage certificates for her new passport; the fee follows the copies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey

pytestmark = pytest.mark.django_db

SLUG = "eheurkunde"

MARRIAGE = {
    "spouse_1_name-given_names": "Lena", "spouse_1_name-family_name": "Schröder",
    "spouse_1_birth_name": "Kowalski",
    "spouse_2_name-given_names": "Jonas", "spouse_2_name-family_name": "Schröder",
    "spouse_2_birth_name": "", "marriage_date": "2024-06-21", "register_number": "E 87/2024",
}


def test_two_certificates_for_a_spouse_by_post(client: Client, catalog: None, read_pdf: Any,
                                               django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("marriage_place", {"married_in_town": "yes"})
    # A browser without JavaScript still sends the explanation box; a spouse needs none.
    journey.answer("relation", {"relation": "spouse", "legal_interest": "Für den Pass."})
    journey.answer("marriage", MARRIAGE)
    journey.answer("certificate", {"certificate_kind": "standard", "purpose": "id_document",
                                   "copies": "2"})
    journey.answer("applicant", {"applicant_name-given_names": "Lena",
                                 "applicant_name-family_name": "Schröder",
                                 "applicant_email": "lena.schroeder@example.org"})
    journey.answer("delivery", {"delivery_address-street": "Rosenweg",
                                "delivery_address-number": "4",
                                "delivery_address-postcode": "31134",
                                "delivery_address-city": "Musterstadt"})
    journey.answer("declaration", {"truthful": "yes", "notice_by_retrieval": "yes"})

    check = journey.check_page()
    assert "Lena Schröder" in check
    assert "Kowalski" in check
    assert "21.06.2024" in check
    assert "2 × 12,00 €" in check
    assert "24,00 €" in check
    assert "Begründung Ihres rechtlichen Interesses" not in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "standesamt"
    assert submission.fee_total == Decimal("24.00")
    answers = submission.answers
    assert answers["spouse_2_name"] == {"given_names": "Jonas", "family_name": "Schröder"}
    assert answers["marriage_date"] == "2024-06-21"
    assert answers["copies"] == 2
    assert answers["notice_by_retrieval"] is True
    assert "legal_interest" not in answers, "a spouse's hidden explanation is not kept"
    assert "spouse_2_birth_name" not in answers

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Jonas Schröder" in text
    assert "E 87/2024" in text
    assert "24,00" in text
    assert mail.outbox[0].to == ["lena.schroeder@example.org"]


def test_marriage_elsewhere_stops_and_a_sibling_must_explain(client: Client,
                                                             catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.post({"married_in_town": "no"})
    assert journey.step_url.endswith("/marriage_place/stop/")
    stop = client.get(journey.step_url).content.decode()
    assert "Urkunden stellt das Standesamt des Heiratsorts aus" in stop

    journey = Journey(client, SLUG).start()
    journey.answer("marriage_place", {"married_in_town": "yes"})
    response = journey.post({"relation": "sibling", "legal_interest": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#legal_interest"' in body
    assert 'value="sibling" checked' in body, "the chosen relation is kept"
    assert not Submission.objects.exists()
