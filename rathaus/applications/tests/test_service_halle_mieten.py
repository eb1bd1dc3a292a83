"""A club asks to rent the main hall for two days; the rent is computed from its answers."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from rathaus.identity.levels import TrustLevel

from .journey import Journey, sign_in

pytestmark = pytest.mark.django_db

SLUG = "halle-mieten"

TENANT = {
    "tenant_kind": "club", "organisation_name": "TSV Musterstadt e. V.", "non_profit": "yes",
    "tenant_name-given_names": "Jana", "tenant_name-family_name": "Becker",
    "tenant_address-street": "Lindenallee", "tenant_address-number": "7a",
    "tenant_address-postcode": "31134", "tenant_address-city": "Musterstadt",
    "tenant_email": "jana.becker@example.org", "tenant_phone": "0170 1234567",
}


def day(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).strftime("%d.%m.%Y")


def booking(**extra: str) -> dict[str, str]:
    return {"hall": "buergerhaus-saal", "event_date": day(60), "event_last_day": day(61),
            "time_from": "18:00", "time_until": "1:00", "setup_day_before": "yes", **extra}


def start(client: Client) -> Journey:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("tenant", TENANT)
    return journey


def test_service_page_explains_the_handover_appointment(client: Client, catalog: None) -> None:
    page = client.get(f"/de/services/{SLUG}/").content.decode()
    assert f'href="/de/services/{SLUG}/apply/"' in page, "the request is a form"
    assert "vereinbart die Hausmeisterin oder der Hausmeister mit Ihnen einen Termin" in page


def test_club_rents_the_main_hall_for_two_days(client: Client, catalog: None, read_pdf: Any,
                                               django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    journey.answer("booking", booking())
    journey.answer("event", {"purpose": "club_event", "expected_persons": "150",
                             "catering": "own", "kitchen": "yes",
                             "equipment": ["sound", "tables"], "rules": "yes"})

    check = journey.check_page()
    assert "Bürgerhaus Nordstadt, großer Saal (je Tag)" in check
    assert "2 Tage × 180,00 €" in check, "two days of the main hall, from the dates"
    assert "360,00 €" in check
    assert "Küche" in check
    assert "Aufbau am Vortag" in check
    assert "Endreinigung" in check
    assert "550,00 €" in check
    assert "TSV Musterstadt e. V." in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "liegenschaften"
    assert submission.fee_total == Decimal("550.00")
    answers = submission.answers
    assert answers["event_last_day"] == (timezone.localdate()
                                         + datetime.timedelta(days=61)).isoformat()
    assert "rental_days" not in answers
    assert answers["time_until"] == "01:00", "typed as 1:00"
    assert answers["equipment"] == ["sound", "tables"]
    assert answers["non_profit"] is True

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "TSV Musterstadt e. V." in text
    assert "550,00" in text
    assert "01:00 Uhr" in text
    assert "2 Tage" in text
    assert submission.payments.first() is None, "the rent is charged with the contract"
    assert mail.outbox[0].to == ["jana.becker@example.org"]


def test_public_event_needs_a_description_and_times_are_checked(client: Client,
                                                                catalog: None) -> None:
    journey = start(client)
    response = journey.post(booking(time_from="7:00", event_last_day=day(66)))
    assert response.status_code == 200
    body = response.content.decode()
    assert "„Beginn (Uhrzeit)“ muss 08:00 Uhr oder später sein." in body
    assert ("Von „Erster Tag der Veranstaltung“ bis „Letzter Tag der Veranstaltung“ sind "
            "höchstens 5 Tage möglich, beide mitgezählt.") in body
    assert 'value="7:00"' in body, "what was typed is kept"
    journey.answer("booking", booking(hall="olympiahalle", event_last_day=day(60),
                                      setup_day_before="no"))

    response = journey.post({"purpose": "public_event", "expected_persons": "600",
                             "catering": "sale", "kitchen": "no", "rules": "yes"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#event_description"' in body
    assert "Niedersächsischen Gaststättengesetz" in body, "selling is notified to the office"
    journey.answer("event", {"purpose": "public_event", "expected_persons": "600",
                             "event_description": "Benefizkonzert der Musikschule",
                             "catering": "sale", "kitchen": "no", "rules": "yes"})
    check = journey.check_page()
    assert "530,00 €" in check, "one day of the Olympiahalle and the final cleaning"
