"""A family moving out books a two-day no-parking zone; the works depot sets up the signs."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from .journey import Journey

pytestmark = pytest.mark.django_db

SLUG = "halteverbot-umzug"


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


PLACE = {"reason": "move", "location-street": "Lindenstraße", "location-number": "7",
         "location-postcode": "31134", "location-city": "Musterstadt", "side": "house_side",
         "area": "parking_lane", "length_m": "15", "vehicle": "truck"}

APPLICANT = {
    "applicant_name-given_names": "Lena", "applicant_name-family_name": "Vogt",
    "applicant_company": "",
    "applicant_address-street": "Lindenstraße", "applicant_address-number": "7",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "applicant_email": "lena.vogt@example.org", "applicant_phone": "0170 1112233",
}


def test_two_days_with_signs_from_the_works_depot(client: Client, catalog: None, read_pdf: Any,
                                                  django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("place", PLACE)
    journey.answer("time", {"date_from": in_days(20), "date_until": in_days(21), "days": "2",
                            "time_from": "07:00", "time_until": "18:00"})
    journey.answer("signs", {"signs_by": "town"})
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"obligations": "yes", "notice_by_retrieval": "yes"})

    check = journey.check_page()
    assert "Lindenstraße" in check
    assert "Halteverbot je Tag" in check
    assert "Aufstellen der Schilder durch den Bauhof" in check
    assert "110,00 €" in check, "30 € + 2 days × 10 € + 60 €"
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "ordnungsamt"
    assert submission.fee_total == Decimal("110.00")
    answers = submission.answers
    assert answers["length_m"] == 15
    assert answers["side"] == "house_side"
    assert answers["location"]["number"] == "7"
    assert answers["days"] == 2
    assert "sign_company" not in answers

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Lindenstraße" in text
    assert "110,00" in text


def test_too_short_notice_and_a_missing_company_are_explained(client: Client,
                                                              catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("place", PLACE)
    response = journey.post({"date_from": in_days(5), "date_until": in_days(5), "days": "1",
                             "time_from": "07:00", "time_until": "18:00"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#date_from"' in body
    assert 'value="07:00"' in body, "what was typed is kept"
    journey.answer("time", {"date_from": in_days(15), "date_until": in_days(15), "days": "1",
                            "time_from": "07:00", "time_until": "18:00"})
    response = journey.post({"signs_by": "company", "sign_company": ""})
    assert response.status_code == 200
    assert 'href="#sign_company"' in response.content.decode()
    journey.answer("signs", {"signs_by": "company", "sign_company": "Umzüge Krause, Hildesheim",
                             "sign_company_phone": "05121 777888"})
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"obligations": "yes"})
    submission = journey.submit()
    assert submission.fee_total == Decimal("40.00"), "no depot fee when a company sets up"
