"""A bicycle dealer closes his shop; a move away needs the new address (GewA 3)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rathaus.identity.levels import TrustLevel

from .journey import Journey, sign_in

pytestmark = pytest.mark.django_db

SLUG = "gewerbe-abmelden"


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


BUSINESS = {
    "company_name": "Fahrrad Schmidt", "registration_reference": "",
    "business_address-street": "Marktplatz", "business_address-number": "4",
    "business_address-postcode": "31134", "business_address-city": "Musterstadt",
    "employees_at_closing": "2",
}

APPLICANT = {
    "applicant_name-given_names": "Olaf", "applicant_name-family_name": "Schmidt",
    "applicant_birth_date": "1957-02-03",
    "applicant_address-street": "Kirchweg", "applicant_address-number": "3",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "contact_email": "olaf.schmidt@example.org", "contact_phone": "05121 123456",
}


def test_whole_business_closed_for_age(client: Client, catalog: None, read_pdf: Any,
                                       django_capture_on_commit_callbacks: Any) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    journey.answer("closing", {"scope": "whole", "closing_date": in_days(30),
                               "reason": "personal"})
    assert 'name="activity_remaining"' not in journey.page(), "only asked for a partial closure"
    journey.answer("business", BUSINESS)
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Fahrrad Schmidt" in check
    assert "Den ganzen Betrieb" in check
    assert "15,00 €" in check
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "ordnungsamt"
    assert submission.fee_total == Decimal("15.00")
    answers = submission.answers
    assert answers["scope"] == "whole"
    assert answers["closing_date"] == in_days(30)
    assert answers["reason"] == "personal"
    assert answers["employees_at_closing"] == 2
    assert "activity_remaining" not in answers
    assert "new_municipality_address" not in answers

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Fahrrad Schmidt" in text
    assert "15,00" in text


def test_partial_closure_and_move_ask_for_what_continues_and_where(client: Client,
                                                                   catalog: None) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    journey.answer("closing", {"scope": "part", "closing_date": in_days(0),
                               "reason": "moved_away"})
    response = journey.post({**BUSINESS, "activity_given_up": "Fahrradreparatur",
                             "activity_remaining": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#activity_remaining"' in body
    assert re.search(r'href="#new_municipality_address[-"]', body), "the new address is needed"
    assert "Fahrradreparatur" in body, "what was typed is kept"
    journey.answer("business", {**BUSINESS, "activity_given_up": "Fahrradreparatur",
                                "activity_remaining": "Einzelhandel mit Fahrrädern",
                                "new_municipality_address-street": "Georgstraße",
                                "new_municipality_address-number": "1",
                                "new_municipality_address-postcode": "30159",
                                "new_municipality_address-city": "Hannover"})
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"truthful": "yes"})
    submission = journey.submit()
    assert submission.answers["new_municipality_address"]["city"] == "Hannover"
    assert submission.answers["activity_remaining"] == "Einzelhandel mit Fahrrädern"


def test_a_closing_date_too_far_ahead_is_refused(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    response = journey.post({"scope": "whole", "closing_date": in_days(200),
                             "reason": "economic"})
    assert response.status_code == 200
    assert 'href="#closing_date"' in response.content.decode()
    assert journey.step_id == "closing"
