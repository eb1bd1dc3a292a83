"""A property manager confirms that a couple moved into a flat of the owner she works for."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission

from .journey import Journey

pytestmark = pytest.mark.django_db

SLUG = "wohnungsgeberbestaetigung"

LANDLORD = {
    "landlord_name-given_names": "Birgit", "landlord_name-family_name": "Hahn",
    "landlord_company": "Hahn Hausverwaltung GmbH",
    "landlord_address-street": "Bahnhofstraße", "landlord_address-number": "40",
    "landlord_address-postcode": "31134", "landlord_address-city": "Musterstadt",
    "landlord_email": "hahn@hausverwaltung.example", "landlord_phone": "",
}

FLAT = {"flat_address-street": "Goethestraße", "flat_address-number": "15",
        "flat_address-postcode": "31134", "flat_address-city": "Musterstadt",
        "flat_location": "2. OG links"}


def days_ago(days: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days)).isoformat()


def person(index: int, given: str, family: str, birth_date: str = "") -> dict[str, str]:
    prefix = f"persons-{index}-"
    return {f"{prefix}person_name-given_names": given,
            f"{prefix}person_name-family_name": family,
            f"{prefix}person_birth_date": birth_date}


def test_property_manager_confirms_a_move_in(client: Client, catalog: None, read_pdf: Any,
                                             django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("landlord", {"landlord_role": "agent", **LANDLORD,
                                "owner_name": "Wohnbau Nord eG",
                                "owner_address-street": "Hafenweg",
                                "owner_address-number": "1",
                                "owner_address-postcode": "30159",
                                "owner_address-city": "Hannover"})
    journey.answer("flat", {"move_kind": "move_in", "move_date": days_ago(3), **FLAT})
    journey.answer("persons", {"persons-count": "2", **person(0, "Ali", "Yılmaz", "1995-01-12"),
                               **person(1, "Sarah", "Yılmaz")})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Wohnbau Nord eG" in check
    assert "Goethestraße 15, 31134 Musterstadt" in check
    assert "Sarah Yılmaz" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "buergerbuero"
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["landlord_role"] == "agent"
    assert answers["owner_address"]["city"] == "Hannover"
    assert answers["move_date"] == days_ago(3)
    assert [p["person_name"]["given_names"] for p in answers["persons"]] == ["Ali", "Sarah"]

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Ali Yılmaz" in text
    assert "2. OG links" in text
    assert mail.outbox[0].to == ["hahn@hausverwaltung.example"]


def test_an_owner_is_not_asked_for_an_owner_and_the_flat_must_be_in_town(
        client: Client, catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    # A browser without JavaScript still sends the owner inputs; an owner's are not kept.
    journey.answer("landlord", {"landlord_role": "owner", **LANDLORD,
                                "owner_name": "Niemand"})
    response = journey.post({"move_kind": "move_in", "move_date": days_ago(3), **FLAT,
                             "flat_address-postcode": "30159",
                             "flat_address-city": "Hannover"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "muss eine Anschrift in Musterstadt sein" in body
    assert "Meldebehörde der Gemeinde, in der die Wohnung liegt" in body
    assert 'value="Goethestraße"' in body, "what was typed is kept"
    assert not Submission.objects.exists()

    journey.answer("flat", {"move_kind": "move_out", "move_date": days_ago(1), **FLAT})
    journey.answer("persons", {"persons-count": "1", **person(0, "Ali", "Yılmaz")})
    journey.answer("declaration", {"truthful": "yes"})
    check = journey.check_page()
    assert "Einen Auszug" in check
    assert "Niemand" not in check
    assert "Eigentümerin oder des Eigentümers" not in check
