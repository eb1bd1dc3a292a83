"""The volunteer fire brigade registers its Easter bonfire; too close to houses it stops."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission

from .journey import Journey

pytestmark = pytest.mark.django_db

SLUG = "osterfeuer-anmelden"


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


FIRE = {"fire_kind": "easter", "public": "yes",
        "organiser": "Freiwillige Feuerwehr Musterstadt-Nord", "fire_date": in_days(30),
        "fire_time": "19:30"}

PLACE = {"fire_place": "Wiese hinter dem Sportplatz am Mühlenweg", "land_owner_consent": "yes",
         "pile_diameter_m": "6", "pile_height_m": "3", "distance_buildings_m": "180",
         "distances_kept": "yes"}


def test_easter_bonfire_of_the_fire_brigade(client: Client, catalog: None, read_pdf: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("fire", FIRE)
    journey.answer("place", PLACE)
    journey.answer("responsible", {
        "responsible_name-given_names": "Dirk", "responsible_name-family_name": "Meyer",
        "responsible_address-street": "Mühlenweg", "responsible_address-number": "3",
        "responsible_address-postcode": "31134", "responsible_address-city": "Musterstadt",
        "contact_phone": "0160 9876543", "contact_email": "wehrfuehrer@ff-nord.example",
        "extinguishing": ["extinguisher", "fire_brigade"]})
    journey.answer("declaration", {"material": "yes", "supervision": "yes"})

    check = journey.check_page()
    assert "Wiese hinter dem Sportplatz" in check
    assert "19:30" in check
    assert "15,00 €" in check
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "ordnungsamt"
    assert submission.fee_total == Decimal("15.00")
    answers = submission.answers
    assert answers["fire_date"] == in_days(30)
    assert answers["distance_buildings_m"] == 180
    assert answers["extinguishing"] == ["extinguisher", "fire_brigade"]
    assert answers["material"] is True

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Freiwillige Feuerwehr Musterstadt-Nord" in text
    assert "15,00" in text


def test_a_site_too_close_to_houses_stops(client: Client, catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("fire", FIRE)
    journey.post({**PLACE, "distance_buildings_m": "40", "distances_kept": "no"})
    assert journey.step_url.endswith("/place/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "An diesem Platz darf das Feuer nicht brennen" in page
    assert not Submission.objects.exists()


def test_the_material_declaration_is_required(client: Client, catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("fire", FIRE)
    journey.answer("place", PLACE)
    journey.answer("responsible", {
        "responsible_name-given_names": "Dirk", "responsible_name-family_name": "Meyer",
        "responsible_address-street": "Mühlenweg", "responsible_address-number": "3",
        "responsible_address-postcode": "31134", "responsible_address-city": "Musterstadt",
        "contact_phone": "0160 9876543", "contact_email": "wehrfuehrer@ff-nord.example",
        "extinguishing": ["water"]})
    response = journey.post({"supervision": "yes"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#material"' in body
    assert journey.step_id == "declaration"
