"""A neighbourhood registers its street festival with a site plan; big events need a concept."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel

from .journey import Journey, pdf_bytes, png_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "veranstaltung-anmelden"


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


PLACE = {"event_place": "Lindenstraße zwischen Kirchweg und Schulstraße", "public_land": "yes",
         "event_days-count": "1", "event_days-0-event_date": in_days(50),
         "event_days-0-event_from": "14:00", "event_days-0-event_until": "22:00",
         "setup_times": "Aufbau ab 10 Uhr"}


def test_street_festival_with_site_plan(client: Client, catalog: None, read_pdf: Any,
                                        django_capture_on_commit_callbacks: Any) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("kind", {"event_kind": "festival", "event_name": "Lindenstraßenfest",
                            "event_description": "Nachbarschaftsfest mit Kinderflohmarkt "
                                                 "und Live-Musik"})
    journey.answer("place_and_time", PLACE)
    plan = SimpleUploadedFile("lageplan.png", png_bytes(), content_type="image/png")
    journey.answer("size", {"visitors": "up_to_1000", "area_m2": "1200", "site_plan": plan,
                            "structures": ["stage", "sound"]})
    assert 'name="security_concept"' not in journey.page(), "not needed below 1,000"
    journey.answer("security", {"security_service": "yes",
                                "security_company": "8 Ordner aus der Nachbarschaft",
                                "first_aid": "yes", "toilets": "4",
                                "accessible_toilet": "yes"})
    journey.answer("traffic", {"road_closure": "yes",
                               "road_closure_details": "Lindenstraße, Samstag 8 bis 24 Uhr",
                               "parking": ""})
    journey.answer("organiser", {
        "organiser_name": "Nachbarschaftsinitiative Lindenstraße",
        "responsible_name-given_names": "Mehmet", "responsible_name-family_name": "Kaya",
        "responsible_address-street": "Lindenstraße", "responsible_address-number": "7",
        "responsible_address-postcode": "31134", "responsible_address-city": "Musterstadt",
        "contact_phone": "0171 5556677", "contact_email": "kaya@example.org",
        "insurance": "yes"})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Lindenstraßenfest" in check
    assert "lageplan.png" in check
    assert "40,00 €" in check
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "ordnungsamt"
    assert submission.fee_total == Decimal("40.00")
    answers = submission.answers
    assert answers["visitors"] == "up_to_1000"
    assert answers["area_m2"] == 1200
    assert answers["structures"] == ["stage", "sound"]
    assert answers["event_days"][0]["event_until"] == "22:00"
    assert answers["road_closure_details"].startswith("Lindenstraße")
    assert "security_concept" not in answers
    assert submission.attachments.get().field_id == "site_plan"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Lindenstraßenfest" in text
    assert "40,00" in text


def test_a_large_event_needs_a_security_concept(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("kind", {"event_kind": "concert", "event_name": "Open Air am See",
                            "event_description": "Zwei Bands"})
    journey.answer("place_and_time", PLACE)
    plan = SimpleUploadedFile("lageplan.pdf", pdf_bytes(), content_type="application/pdf")
    journey.answer("size", {"visitors": "up_to_5000", "area_m2": "8000", "site_plan": plan})
    response = journey.post({"security_service": "yes",
                             "security_company": "Nordwache GmbH, 30 Personen",
                             "first_aid": "yes", "toilets": "20", "accessible_toilet": "yes"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#security_concept"' in body
    assert 'value="Nordwache GmbH, 30 Personen"' in body, "what was typed is kept"


def test_a_demonstration_is_sent_to_the_assembly_authority(client: Client,
                                                           catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.post({"event_kind": "assembly", "event_name": "Demo", "event_description": "Demo"})
    assert journey.step_url.endswith("/kind/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Versammlungen zeigen Sie bei der Versammlungsbehörde an" in page
    assert not Submission.objects.exists()
