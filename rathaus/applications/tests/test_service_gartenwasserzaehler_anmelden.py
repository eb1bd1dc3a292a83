"""An owner registers a garden water meter with the installer's confirmation and a photo."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission

from .journey import Journey, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

SLUG = "gartenwasserzaehler-anmelden"

OWNER = {
    "owner_name-given_names": "Jens", "owner_name-family_name": "Gärtner",
    "property_address-street": "Am Mühlbach", "property_address-number": "12",
    "property_address-postcode": "31134", "property_address-city": "Musterstadt",
    "fee_account_number": "AW-2024-00817",
    "owner_email": "jens.gaertner@example.org", "owner_phone": "05121 998877",
}

METER = {
    "meter_number": "GZ 4471-2024", "meter_reading": "3",
    "installation_date": "2025-04-14", "calibration_year": "2024",
}




def error_text(body: str, name: str) -> str:
    """Return the error message shown next to one input."""
    found = re.search(rf'id="{name}-error">.*?<span class="kern-body">(.*?)</span>', body, re.S)
    assert found, f"no error shown for {name}"
    return found.group(1)


def test_meter_registered_with_confirmation_and_photo(
    client: Client, catalog: None, read_pdf: Any, django_capture_on_commit_callbacks: Any
) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("requirements", {"installed_by_registered_installer": "yes",
                                    "calibration_valid": "yes"})
    journey.answer("owner", OWNER)
    photo = SimpleUploadedFile("zaehler.png", png_bytes(), content_type="image/png")
    journey.answer("meter", {**METER, "meter_photo": photo})
    confirmation = SimpleUploadedFile("einbaubestaetigung.pdf", pdf_bytes(),
                                      content_type="application/pdf")
    journey.answer("installer", {"installer_company": "Sanitär Brandt GmbH",
                                 "installer_confirmation": confirmation})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "GZ 4471-2024" in check
    assert "Sanitär Brandt GmbH" in check
    assert "einbaubestaetigung.pdf" in check
    assert "zaehler.png" in check
    assert "Bearbeitungsgebühr" in check
    assert "15,00 €" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "stadtentwaesserung"
    assert submission.fee_total == Decimal("15.00")
    answers = submission.answers
    assert answers["meter_reading"] == 3
    assert answers["calibration_year"] == 2024
    assert answers["installation_date"] == "2025-04-14"
    assert answers["fee_account_number"] == "AW-2024-00817"
    assert answers["property_address"]["street"] == "Am Mühlbach"
    files = {upload.field_id: upload for upload in submission.attachments.all()}
    assert set(files) == {"installer_confirmation", "meter_photo"}
    assert files["installer_confirmation"].content_type == "application/pdf"
    assert files["meter_photo"].content_type == "image/png"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "GZ 4471-2024" in text
    assert "Sanitär Brandt GmbH" in text
    assert "einbaubestaetigung.pdf" in text
    assert "15,00" in text

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jens.gaertner@example.org"]
    assert submission.reference in message.subject
    assert message.attachments[0][2] == "application/pdf"


def test_expired_calibration_stops_before_any_details(client: Client, catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    response = journey.post({"installed_by_registered_installer": "yes",
                             "calibration_valid": "no"})
    assert response.status_code == 302
    assert journey.step_url.endswith("/requirements/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Die Eichung des Zählers ist abgelaufen" in page
    assert "gegen einen geeichten Zähler tauschen" in page
    assert client.get(journey.step_url.replace("requirements/stop/", "check/")).status_code == 302
    assert not Submission.objects.exists()


def test_meter_without_registered_installer_is_not_accepted(client: Client,
                                                            catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.post({"installed_by_registered_installer": "no", "calibration_valid": "yes"})
    page = client.get(journey.step_url).content.decode()
    assert "Wir können den Zähler so nicht anerkennen" in page
    assert "eingetragenes Installationsunternehmen" in page
    # The owner step is not reachable while the exit condition holds.
    owner = client.get(journey.step_url.replace("requirements/stop/", "check/"), follow=True)
    assert "Voraussetzungen" in owner.content.decode()


def test_meter_details_are_checked_and_kept(client: Client, catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("requirements", {"installed_by_registered_installer": "yes",
                                    "calibration_valid": "yes"})
    journey.answer("owner", OWNER)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    fake = SimpleUploadedFile("foto.png", b"not really an image", content_type="image/png")
    response = journey.post({**METER, "calibration_year": "2010", "installation_date": tomorrow,
                             "meter_reading": "-4", "meter_photo": fake})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#calibration_year"' in body
    assert 'href="#installation_date"' in body
    assert 'href="#meter_reading"' in body
    assert 'href="#meter_photo"' in body
    assert "2015" in error_text(body, "calibration_year")
    assert "Einbaudatum" in error_text(body, "installation_date")
    assert "PNG" in error_text(body, "meter_photo"), "a file's content decides, not its name"
    assert 'value="GZ 4471-2024"' in body, "what was typed is kept"
    assert 'value="2010"' in body
