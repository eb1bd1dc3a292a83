"""A brass choir posters its concert; the fee is per poster and week, election posters are free."""

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

from .journey import Journey, pdf_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "plakatierungserlaubnis"


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def posters(count: str, weeks: str) -> dict[str, Any]:
    sample = SimpleUploadedFile("plakat.pdf", pdf_bytes(), content_type="application/pdf")
    return {"poster_count": count, "poster_size": "a1", "start_date": in_days(14),
            "weeks": weeks, "places": "Hauptstraße, Bahnhofstraße und rund um den Marktplatz",
            "poster_sample": sample}


APPLICANT = {
    "organisation": "Posaunenchor St. Marien",
    "responsible_name-given_names": "Birgit", "responsible_name-family_name": "Lange",
    "responsible_address-street": "Kirchweg", "responsible_address-number": "1",
    "responsible_address-postcode": "31134", "responsible_address-city": "Musterstadt",
    "contact_email": "lange@example.org", "contact_phone": "05121 445566",
}


def test_concert_posters_for_two_weeks(client: Client, catalog: None, read_pdf: Any,
                                       django_capture_on_commit_callbacks: Any) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("purpose", {"purpose": "event",
                               "event_name": "Herbstkonzert des Posaunenchors"})
    journey.answer("posters", posters("20", "2"))
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"removal": "yes"})

    check = journey.check_page()
    assert "Herbstkonzert des Posaunenchors" in check
    assert "Plakate für 2 Wochen (je Plakat)" in check
    assert "20,00 €" in check, "20 posters × 2 weeks × 0.50 €"
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "ordnungsamt"
    assert submission.fee_total == Decimal("20.00")
    payment = submission.payments.first()
    assert payment is not None
    assert payment.kassenzeichen.startswith("PLK-")
    assert submission.answers["poster_count"] == 20
    assert submission.answers["weeks"] == "2"
    assert submission.attachments.get().field_id == "poster_sample"
    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Posaunenchor St. Marien" in text
    assert "20,00" in text


def test_election_posters_for_six_weeks_are_free(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("purpose", {"purpose": "election", "event_name": "Kommunalwahl"})
    journey.answer("posters", posters("150", "6"))
    journey.answer("applicant", {**APPLICANT, "organisation": "Wählergruppe Musterstadt"})
    journey.answer("declaration", {"removal": "yes"})
    submission = journey.submit()
    assert submission.fee_total == Decimal("0.00")
    assert submission.payments.first() is None, "nothing to pay for election posters"


def test_six_weeks_for_an_event_and_business_advertising_stop(client: Client,
                                                              catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("purpose", {"purpose": "event", "event_name": "Flohmarkt"})
    journey.post(posters("10", "6"))
    assert journey.step_url.endswith("/posters/stop/")
    stop = client.get(journey.step_url).content.decode()
    assert "Für Veranstaltungen höchstens vier Wochen" in stop

    other = Journey(Client(), SLUG)
    sign_in(other.client, TrustLevel.BASIC)
    other.start()
    other.post({"purpose": "commercial"})
    assert other.step_url.endswith("/purpose/stop/")
    page = other.client.get(other.step_url).content.decode()
    assert "Werbung für Unternehmen ist an Laternenmasten nicht erlaubt" in page
    assert not Submission.objects.exists()
