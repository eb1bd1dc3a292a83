"""A shop owner moves her business within the town and extends its activity (GewA 2)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel

from .journey import Journey, sign_in

pytestmark = pytest.mark.django_db

SLUG = "gewerbe-ummelden"


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


BUSINESS = {
    "company_name": "Radwerk Becker", "registration_reference": "GEW-2023-0412",
    "current_address-street": "Marktplatz", "current_address-number": "4",
    "current_address-postcode": "31134", "current_address-city": "Musterstadt",
    "in_trade_register": "no",
}

APPLICANT = {
    "applicant_name-given_names": "Jana", "applicant_name-family_name": "Becker",
    "applicant_birth_date": "1988-04-12",
    "applicant_address-street": "Bahnhofstraße", "applicant_address-number": "12",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "applicant_role": "owner", "contact_email": "jana@radwerk.example", "contact_phone": "",
}


def test_move_within_the_town_and_a_new_activity(client: Client, catalog: None, read_pdf: Any,
                                                 django_capture_on_commit_callbacks: Any) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    journey.answer("change", {"changes": ["address", "activity"], "change_date": in_days(10)})
    journey.answer("business", BUSINESS)
    journey.answer("relocation", {"new_address-street": "Lange Straße",
                                  "new_address-number": "21a",
                                  "new_address-postcode": "31134",
                                  "new_address-city": "Musterstadt"})
    journey.answer("activity", {"activity_change": "extended",
                                "activity_new": "Einzelhandel mit Fahrrädern sowie Verleih "
                                                "von Lastenrädern"})
    assert journey.step_id == "applicant", "no persons step: the management does not change"
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"truthful": "yes", "notice_by_retrieval": "yes"})

    check = journey.check_page()
    assert "Lange Straße" in check
    assert "Verleih von Lastenrädern" in check
    assert "20,00 €" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert submission.department.slug == "ordnungsamt"
    assert submission.fee_total == Decimal("20.00")
    answers = submission.answers
    assert answers["changes"] == ["address", "activity"]
    assert answers["new_address"]["number"] == "21a"
    assert answers["activity_change"] == "extended"
    assert answers["notice_by_retrieval"] is True
    assert "person_changes" not in answers
    assert "new_company_name" not in answers, "only asked when the name changes"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Radwerk Becker" in text
    assert "Lange Straße" in text
    assert "20,00" in text


def test_new_managing_director_is_listed(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    journey.answer("change", {"changes": ["persons"], "change_date": in_days(0)})
    journey.answer("business", {**BUSINESS, "in_trade_register": "yes",
                                "register_court": "Amtsgericht Hildesheim",
                                "register_number": "HRB 204711"})
    assert journey.step_id == "persons", "relocation and activity are skipped"
    journey.answer("persons", {"person_changes-count": "1",
                               "person_changes-0-person_change": "joins",
                               "person_changes-0-person_name-given_names": "Tarek",
                               "person_changes-0-person_name-family_name": "Aydın",
                               "person_changes-0-person_birth_date": "1991-11-30",
                               "person_changes-0-person_role": "Geschäftsführer"})
    journey.answer("applicant", {**APPLICANT, "applicant_role": "representative"})
    journey.answer("declaration", {"truthful": "yes"})
    assert "Tarek Aydın" in journey.check_page()
    submission = journey.submit()
    assert submission.answers["person_changes"][0]["person_change"] == "joins"
    assert submission.answers["register_number"] == "HRB 204711"


def test_change_of_owner_stops_and_points_to_deregistration(client: Client,
                                                            catalog: None) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    response = journey.post({"changes": ["legal_form_owner"], "change_date": in_days(5)})
    assert response.status_code == 302
    assert journey.step_url.endswith("/change/stop/")
    stop = client.get(journey.step_url).content.decode()
    assert "Dafür brauchen Sie eine Abmeldung und eine neue Anmeldung" in stop
    assert "„Gewerbe abmelden“" in stop
    assert not Submission.objects.exists()
