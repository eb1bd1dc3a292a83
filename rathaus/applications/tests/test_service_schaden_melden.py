"""A resident reports a pothole with a photo; immediate danger sends her to 110 and 112."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey, png_bytes

pytestmark = pytest.mark.django_db

SLUG = "schaden-melden"


def test_pothole_with_photo_and_feedback(client: Client, catalog: None, read_pdf: Any,
                                         django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("damage", {"danger": "no", "damage_kind": "road"})
    journey.answer("location", {"location_kind": "address",
                                "location_address-street": "Kirchweg",
                                "location_address-number": "14",
                                "location_address-postcode": "31134",
                                "location_address-city": "Musterstadt"})
    photo = SimpleUploadedFile("schlagloch.png", png_bytes(), content_type="image/png")
    journey.answer("details", {"description": "Schlagloch etwa 30 cm breit, mitten auf der "
                                              "Fahrbahn", "photo": photo})
    journey.answer("contact", {"wants_feedback": "yes", "reporter_name": "Anna Roth",
                               "reporter_email": "anna.roth@example.org",
                               "reporter_phone": ""})

    check = journey.check_page()
    assert "Kirchweg" in check
    assert "schlagloch.png" in check
    assert "Meldung absenden" in check
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "bauhof"
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["damage_kind"] == "road"
    assert answers["location_address"]["street"] == "Kirchweg"
    assert "location_description" not in answers
    assert "light_number" not in answers, "only asked for a street light"
    assert submission.attachments.get().content_type == "image/png"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Schlagloch etwa 30 cm breit" in text
    assert [message.to for message in mail.outbox] == [["anna.roth@example.org"]]


def test_anonymous_report_of_a_street_light_by_description(client: Client,
                                                           catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("damage", {"danger": "no", "damage_kind": "light"})
    journey.answer("location", {"location_kind": "description",
                                "location_description": "Fußweg zwischen Schule und Park",
                                "light_number": "L-0815"})
    journey.answer("details", {"description": "Die Laterne flackert und geht dann aus."})
    journey.answer("contact", {"wants_feedback": "no"})
    submission = journey.submit()
    assert submission.answers["light_number"] == "L-0815"
    assert "reporter_email" not in submission.answers
    assert submission.attachments.count() == 0


def test_immediate_danger_points_to_the_emergency_numbers(client: Client,
                                                          catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.post({"danger": "yes", "damage_kind": "green"})
    assert journey.step_url.endswith("/damage/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Bei Gefahr rufen Sie bitte sofort an" in page
    assert "Polizei unter 110" in page
    assert "Feuerwehr unter 112" in page
    assert not Submission.objects.exists()
