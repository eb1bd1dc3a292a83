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


def german(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).strftime("%d.%m.%Y")


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


def test_two_days_of_15_metres_with_signs_from_the_works_depot(
        client: Client, catalog: None, read_pdf: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("place", PLACE)
    page = journey.page()
    assert '<label class="kern-label" for="time_from">Täglich von' in page
    assert "Format: HH:MM (24 Stunden), zum Beispiel 07:30" in page
    journey.answer("time", {"date_from": german(20), "date_until": german(21),
                            "time_from": "7:00", "time_until": "18.00 Uhr"})
    journey.answer("signs", {"signs_by": "town"})
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"obligations": "yes", "notice_by_retrieval": "yes"})

    check = journey.check_page()
    assert "Lindenstraße" in check
    assert "07:00 Uhr" in check
    assert "18:00 Uhr" in check
    assert "Halteverbotszone je Meter und Tag" in check
    assert "15 m × 2 Tage × 0,60 €" in check, "the calculation in words"
    assert "18,00 €" in check
    assert "Aufstellen der Schilder durch den Bauhof" in check
    assert "108,00 €" in check, "30 € + 15 m × 2 days × 0.60 € + 60 €"
    assert "Überweisung" in check, "the fee is paid when submitting"
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "ordnungsamt"
    assert submission.fee_total == Decimal("108.00")
    answers = submission.answers
    assert answers["length_m"] == 15
    assert answers["side"] == "house_side"
    assert answers["location"]["number"] == "7"
    assert (answers["time_from"], answers["time_until"]) == ("07:00", "18:00")
    assert (answers["date_from"], answers["date_until"]) == (in_days(20), in_days(21))
    assert "days" not in answers
    assert "sign_company" not in answers
    payment = submission.payments.first()
    assert payment is not None
    assert payment.amount_cents == 10800
    assert payment.kassenzeichen.startswith(f"HVZ-{timezone.localdate().year}-")
    assert payment.booking_reference == "122100.431100"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Lindenstraße" in text
    assert "07:00 Uhr" in text
    assert "15 m × 2 Tage" in text
    assert "108,00" in text


def test_a_period_ending_before_it_starts_and_a_wrong_time_are_explained(
        client: Client, catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("place", PLACE)
    response = journey.post({"date_from": in_days(5), "date_until": in_days(5),
                             "time_from": "07:00", "time_until": "18:00"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#date_from"' in body
    assert 'value="07:00"' in body, "what was typed is kept"

    response = journey.post({"date_from": german(20), "date_until": german(19),
                             "time_from": "7 Uhr morgens", "time_until": "05:00"})
    assert response.status_code == 200
    body = response.content.decode()
    assert f"„Letzter Tag“ darf nicht vor „Erster Tag“ ({german(20)}) liegen." in body
    assert "Geben Sie „Täglich von“ als Uhrzeit wie 07:30 an." in body
    assert "„Täglich bis“ muss 07:00 Uhr oder später sein." in body
    assert 'value="7 Uhr morgens"' in body
    assert 'aria-describedby="time_from-format time_from-hint time_from-error"' in body

    journey.answer("time", {"date_from": in_days(15), "date_until": in_days(15),
                            "time_from": "07:00", "time_until": "18:00"})
    response = journey.post({"signs_by": "company", "sign_company": ""})
    assert response.status_code == 200
    assert 'href="#sign_company"' in response.content.decode()
    journey.answer("signs", {"signs_by": "company", "sign_company": "Umzüge Krause, Hildesheim",
                             "sign_company_phone": "05121 777888"})
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"obligations": "yes"})
    assert "15 m × 1 Tag × 0,60 €" in journey.check_page()
    submission = journey.submit()
    assert submission.fee_total == Decimal("39.00"), "30 € + 9 €, no depot fee for a company"
    assert submission.fee_lines[1]["counts"] == {"de": "15 m × 1 Tag", "en": "15 m × 1 day"}
