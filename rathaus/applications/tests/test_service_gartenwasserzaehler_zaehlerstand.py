"""An owner reports the yearly reading of a garden water meter; a replaced meter is sent back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission

from .journey import Journey, png_bytes

pytestmark = pytest.mark.django_db

SLUG = "gartenwasserzaehler-zaehlerstand"

METER = {
    "meter_number": "GZ 4471-2024",
    "property_address-street": "Am Mühlbach", "property_address-number": "12",
    "property_address-postcode": "31134", "property_address-city": "Musterstadt",
    "fee_account_number": "AW-2024-00817",
}


def test_yearly_reading_reported_with_photo(client: Client, catalog: None, read_pdf: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("meter", METER)
    photo = SimpleUploadedFile("stand.png", png_bytes(), content_type="image/png")
    today = timezone.localdate().isoformat()
    journey.answer("reading", {"meter_reading": "47", "reading_date": today,
                               "lower_than_before": "no", "meter_photo": photo})
    journey.answer("reporter", {"reporter_name-given_names": "Jens",
                                "reporter_name-family_name": "Gärtner",
                                "reporter_email": "jens.gaertner@example.org",
                                "truthful": "yes"})

    check = journey.check_page()
    assert "GZ 4471-2024" in check
    assert "stand.png" in check
    assert "Meldung absenden" in check
    assert 'id="fees"' not in check, "reporting is free"

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "stadtentwaesserung"
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["meter_reading"] == 47
    assert answers["reading_date"] == today
    assert answers["lower_than_before"] is False
    assert "lower_reason" not in answers
    assert [upload.field_id for upload in submission.attachments.all()] == ["meter_photo"]

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "GZ 4471-2024" in text
    assert "47" in text
    assert mail.outbox[0].to == ["jens.gaertner@example.org"]


def test_lower_reading_asks_why_and_a_replaced_meter_stops(client: Client,
                                                           catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("meter", METER)
    today = timezone.localdate().isoformat()
    response = journey.post({"meter_reading": "12", "reading_date": today,
                             "lower_than_before": "yes", "lower_reason": "misread"})
    assert response.status_code == 200, "a misread reading needs an explanation"
    body = response.content.decode()
    assert 'href="#lower_explanation"' in body
    assert 'value="12"' in body, "what was typed is kept"

    journey.post({"meter_reading": "12", "reading_date": today,
                  "lower_than_before": "yes", "lower_reason": "replaced"})
    assert journey.step_url.endswith("/reading/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Bitte melden Sie zuerst den neuen Zähler an" in page
    assert "Einbaubestätigung" in page
    assert not Submission.objects.exists()
