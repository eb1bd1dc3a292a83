"""A sports club sells beer and sausages at its two-day summer festival."""

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

SLUG = "gaststaettengestattung"


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


EVENT = {"event_name": "Sommerfest des TSV Musterstadt",
         "event_place": "Festwiese am Mühlenteich", "setting": "tent",
         "expected_guests": "800"}

RESPONSIBLE = {
    "organiser_kind": "club", "organiser_name": "TSV Musterstadt von 1911 e. V.",
    "responsible_name-given_names": "Heike", "responsible_name-family_name": "Wolters",
    "responsible_birth_date": "1975-06-01",
    "responsible_address-street": "Sportplatzweg", "responsible_address-number": "2",
    "responsible_address-postcode": "31134", "responsible_address-city": "Musterstadt",
    "contact_phone": "0171 2345678", "contact_email": "vorstand@tsv-musterstadt.example",
}


def day(index: int, date: str, start: str, end: str) -> dict[str, str]:
    return {f"sale_days-{index}-sale_date": date, f"sale_days-{index}-sale_from": start,
            f"sale_days-{index}-sale_until": end}


def test_club_festival_with_beer_on_two_days(client: Client, catalog: None, read_pdf: Any,
                                             django_capture_on_commit_callbacks: Any) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("sale", {"sells_for_money": "yes"})
    journey.answer("event", EVENT)
    journey.answer("dates", {"sale_days-count": "2", **day(0, in_days(40), "14:00", "23:30"),
                             **day(1, in_days(41), "11:00", "20:00"), "short_notice": "no"})
    plan = SimpleUploadedFile("lageplan.pdf", pdf_bytes(), content_type="application/pdf")
    journey.answer("offer", {"alcohol": "yes", "alcohol_kinds": ["beer_wine"], "food": "yes",
                             "site_plan": plan})
    journey.answer("responsible", RESPONSIBLE)
    journey.answer("reliability", {"certificates_requested": "yes"})
    journey.answer("declaration", {"truthful": "yes", "notice_by_retrieval": "yes"})

    check = journey.check_page()
    assert "Sommerfest des TSV Musterstadt" in check
    assert "23:30" in check
    assert "Gebühr je Verkaufstag" in check
    assert "50,00 €" in check, "two days at 25 €"

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert submission.department.slug == "ordnungsamt"
    assert submission.fee_total == Decimal("50.00")
    answers = submission.answers
    assert [d["sale_date"] for d in answers["sale_days"]] == [in_days(40), in_days(41)]
    assert answers["alcohol_kinds"] == ["beer_wine"]
    assert answers["expected_guests"] == 800
    assert answers["certificates_requested"] is True
    assert "short_notice_reason" not in answers
    assert submission.attachments.get().field_id == "site_plan"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "TSV Musterstadt von 1911 e. V." in text
    assert "50,00" in text


def test_without_alcohol_no_documents_and_a_bad_time_is_explained(client: Client,
                                                                  catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("sale", {"sells_for_money": "yes"})
    journey.answer("event", EVENT)
    response = journey.post({"sale_days-count": "1", **day(0, in_days(10), "14 Uhr", "18:00"),
                             "short_notice": "yes", "short_notice_reason": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Geben Sie „Verkauf ab (Uhrzeit)“ als Uhrzeit wie 07:30 an." in body
    assert 'href="#short_notice_reason"' in body
    assert 'value="14 Uhr"' in body, "what was typed is kept"
    journey.answer("dates", {"sale_days-count": "1", **day(0, in_days(10), "14:00", "18:00"),
                             "short_notice": "yes",
                             "short_notice_reason": "Der Termin wurde erst gestern festgelegt."})
    journey.answer("offer", {"alcohol": "no", "food": "yes"})
    journey.answer("responsible", {**RESPONSIBLE, "organiser_kind": "person"})
    assert journey.step_id == "declaration", "no reliability documents without alcohol"
    journey.answer("declaration", {"truthful": "yes"})
    submission = journey.submit()
    assert submission.fee_total == Decimal("25.00")
    assert "organiser_name" not in submission.answers
    assert "certificates_requested" not in submission.answers


def test_giving_away_for_free_needs_no_notification(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.post({"sells_for_money": "no"})
    assert journey.step_url.endswith("/sale/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Dafür brauchen Sie keine Anzeige" in page
    assert not Submission.objects.exists()
