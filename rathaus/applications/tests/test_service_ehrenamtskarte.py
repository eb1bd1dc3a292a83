"""A volunteer firefighter and coach applies for the volunteer card with photo and confirmation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.forms.tests.files import image_bytes
from rathaus.identity.levels import TrustLevel

from .journey import Journey, pdf_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "ehrenamtskarte"

APPLICANT = {
    "applicant_name-given_names": "Jana", "applicant_name-family_name": "Becker",
    "applicant_birth_date": "1988-06-12",
    "applicant_address-street": "Lindenallee", "applicant_address-number": "7a",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "applicant_email": "jana.becker@example.org",
}


def activity(index: int, organisation: str, **extra: str) -> dict[str, str]:
    data = {"organisation": organisation, "activity": "Jugendtrainerin Handball",
            "since": "2019-09-01", **extra}
    return {f"activities-{index}-{key}": value for key, value in data.items()}


def start(client: Client) -> Journey:
    sign_in(client, TrustLevel.BASIC)
    return Journey(client, SLUG).start()


def test_two_activities_with_confirmation_and_photo(client: Client, catalog: None,
                                                    read_pdf: Any,
                                                    django_capture_on_commit_callbacks: Any
                                                    ) -> None:
    journey = start(client)
    journey.answer("requirements", {"extent": "weekly", "three_years": "yes", "unpaid": "yes"})
    journey.answer("applicant", APPLICANT)
    confirmation = SimpleUploadedFile("bestaetigung-tsv.pdf", pdf_bytes(),
                                      content_type="application/pdf")
    response = journey.post({"activities-count": "1", **activity(0, "TSV Musterstadt e. V."),
                             "confirmation": confirmation})
    assert response.status_code == 200, "hours a week or a year are needed"
    assert 'href="#activities-0-hours_per_year"' in response.content.decode()
    confirmation.seek(0)
    journey.answer("volunteering", {
        "activities-count": "2",
        **activity(0, "TSV Musterstadt e. V.", hours_per_week="3"),
        **activity(1, "Freiwillige Feuerwehr Musterstadt", activity="Atemschutzgeräteträgerin",
                   hours_per_year="120"),
        "confirmation": confirmation,
    })
    tiny = SimpleUploadedFile("foto.png", image_bytes(48, 48), content_type="image/png")
    response = journey.post({"card_photo": tiny, "truthful": "yes"})
    assert response.status_code == 200, "a photo too small for the card is refused"
    assert "413 × 531 Pixel" in response.content.decode()
    photo = SimpleUploadedFile("foto.jpg", image_bytes(413, 531, "JPEG"),
                               content_type="image/jpeg")
    journey.answer("photo", {"card_photo": photo, "truthful": "yes"})

    check = journey.check_page()
    assert "TSV Musterstadt e. V." in check
    assert "Freiwillige Feuerwehr Musterstadt" in check
    assert "bestaetigung-tsv.pdf" in check
    assert "foto.jpg" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "soziales"
    assert submission.fee_total == Decimal("0.00")
    first, second = submission.answers["activities"]
    assert first["hours_per_week"] == 3
    assert second["hours_per_year"] == 120
    assert "hours_per_week" not in second
    assert {upload.field_id for upload in submission.attachments.all()} == {"confirmation",
                                                                             "card_photo"}

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "TSV Musterstadt e. V." in text
    assert "Atemschutzgeräteträgerin" in text
    assert mail.outbox[0].to == ["jana.becker@example.org"]


def test_less_than_three_years_stops_with_thanks(client: Client, catalog: None) -> None:
    journey = start(client)
    journey.post({"extent": "yearly", "three_years": "no", "unpaid": "yes"})
    assert journey.step_url.endswith("/requirements/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Die Ehrenamtskarte gibt es nach drei Jahren" in page
    assert "Danke für Ihr Engagement!" in page
    assert not Submission.objects.exists()
