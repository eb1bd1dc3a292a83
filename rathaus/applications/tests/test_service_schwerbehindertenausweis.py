"""A first application for a severe disability card, forwarded to the Land office."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.applications import sealed
from rathaus.applications.models import Submission
from rathaus.forms.tests.files import image_bytes

from .journey import Journey, pdf_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "schwerbehindertenausweis"

APPLICANT = {
    "applicant_name-given_names": "Renate", "applicant_name-family_name": "Wilke",
    "applicant_birth_date": "1957-03-30",
    "applicant_address-street": "Gartenweg", "applicant_address-number": "5",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "applicant_phone": "05121 445566", "applicant_email": "renate.wilke@example.org",
}

HEALTH_FIELDS = sorted([
    "impairment_description", "impairment_since", "impairment_doctor", "hospital_stays",
    "hospital_details", "medical_reports", "requested_marks",
])


def impairment(index: int, description: str, since: str, doctor: str) -> dict[str, str]:
    prefix = f"impairments-{index}-"
    return {f"{prefix}impairment_description": description, f"{prefix}impairment_since": since,
            f"{prefix}impairment_doctor": doctor}


KNEES = impairment(0, "Arthrose in beiden Kniegelenken, Schmerzen nach 200 m Gehweg",
                   "2019-06-01", "Dr. Anna Berg, Orthopädie, Marktstraße 4, 31134 Musterstadt")
HEART = impairment(1, "Herzinsuffizienz NYHA II", "2022-01-15",
                   "Klinikum Musterstadt, Kardiologie, Klinikweg 1, 31134 Musterstadt")




def test_form_needs_sign_in_because_of_health_data(client: Client, catalog: None) -> None:
    response = client.get(f"/de/services/{SLUG}/apply/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "BundID" in body
    assert "Art. 9 DSGVO" in body
    sign_in(client, 3)
    assert client.get(f"/de/services/{SLUG}/apply/").status_code == 403
    service_page = client.get(f"/de/services/{SLUG}/").content.decode()
    assert "Niedersächsische Landesamt für Soziales, Jugend und Familie" in service_page


def test_application_with_two_impairments_is_forwarded(
    client: Client, catalog: None, read_pdf: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, 4)
    journey = Journey(client, SLUG).start()
    first = journey.page()
    assert "Weiterleitung an das Landesamt" in first
    assert "Die Stadt leitet Ihren Antrag mit allen Angaben und Unterlagen" in first
    journey.answer("applicant", APPLICANT)

    added = journey.post({"impairments-count": "1", **KNEES}, action="add:impairments")
    assert added.status_code == 200
    assert 'name="impairments-1-impairment_description"' in added.content.decode()
    report = SimpleUploadedFile("befund-orthopaedie.pdf", pdf_bytes(),
                                content_type="application/pdf")
    journey.answer("health", {"impairments-count": "2", **KNEES, **HEART,
                              "hospital_stays": "yes",
                              "hospital_details": "Reha-Klinik Bad Pyrmont, 03/2024, 3 Wochen",
                              "medical_reports": report})

    marks = journey.page()
    assert "ortsübliche Wegstrecken" in marks, "each mark is explained"
    assert "öffentlicher Verkehrsmittel" in marks
    journey.answer("marks", {"requested_marks": ["g", "b"]})
    journey.answer("consent", {"confidentiality_release": "yes", "truthful": "yes"})

    check = journey.check_page()
    assert "Gesundheitsstörung 2" in check
    assert "Herzinsuffizienz NYHA II" in check
    assert "G – erheblich gehbehindert, B – Begleitperson notwendig" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "soziales"
    assert submission.trust_level == 4
    assert submission.fee_total == Decimal("0.00")
    assert submission.fee_lines == []
    assert submission.sensitive_fields == HEALTH_FIELDS
    assert "2022-01-15" not in json.dumps(submission.answers), "stored sealed (decision 0021)"
    answers = sealed.answers_for_receipt(submission)
    assert len(answers["impairments"]) == 2
    assert answers["impairments"][1]["impairment_since"] == "2022-01-15"
    assert answers["hospital_stays"] is True
    assert answers["requested_marks"] == ["g", "b"]
    assert answers["confidentiality_release"] is True
    assert "passport_photo" not in answers
    [upload] = submission.attachments.all()
    assert upload.field_id == "medical_reports"
    assert upload.content_type == "application/pdf"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Arthrose in beiden Kniegelenken" in text
    assert "Reha-Klinik Bad Pyrmont" in text
    assert "befund-orthopaedie.pdf" in text

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["renate.wilke@example.org"]
    assert submission.reference in message.subject
    # Health data never travels by e-mail: no receipt attached, none of the answers in the text.
    assert message.attachments == []
    assert "Arthrose" not in message.body
    assert "/status/" in message.body


def test_hospital_details_are_not_kept_when_there_were_no_stays(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, 4)
    journey = Journey(client, SLUG).start()
    journey.answer("applicant", APPLICANT)
    journey.answer("health", {"impairments-count": "1", **KNEES, "hospital_stays": "no",
                              "hospital_details": "versehentlich eingetragen"})
    journey.answer("marks", {})
    journey.answer("consent", {"confidentiality_release": "yes", "truthful": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert "hospital_details" not in submission.answers, "hidden answers are not kept"
    assert "requested_marks" not in submission.answers
    assert not submission.attachments.exists()


def test_release_from_confidentiality_is_required(client: Client, catalog: None) -> None:
    sign_in(client, 4)
    journey = Journey(client, SLUG).start()
    journey.answer("applicant", APPLICANT)
    journey.answer("health", {"impairments-count": "1", **KNEES, "hospital_stays": "no"})
    journey.answer("marks", {"requested_marks": ["g"]})
    response = journey.post({"truthful": "yes"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert 'href="#confidentiality_release"' in body
    assert 'href="#truthful"' not in body
    assert 'id="truthful" name="truthful" value="yes" checked' in body, "what was ticked is kept"
    assert not Submission.objects.exists()


def test_passport_photo_too_small_for_the_card_is_refused(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, 4)
    journey = Journey(client, SLUG).start()
    journey.answer("applicant", APPLICANT)
    journey.answer("health", {"impairments-count": "1", **KNEES, "hospital_stays": "no"})
    page = journey.page()
    assert "mindestens 413 × 531 Pixeln" in page, "the help says how large the photo must be"
    assert "Mindestens 413 × 531 Pixel." in page
    tiny = SimpleUploadedFile("passbild.png", image_bytes(48, 48), content_type="image/png")
    response = journey.post({"passport_photo": tiny})
    assert response.status_code == 200
    body = response.content.decode()
    assert ("Das Bild für „Passbild für den Ausweis“ hat 48 × 48 Pixel; es muss mindestens "
            "413 × 531 Pixel (Breite × Höhe) haben.") in body
    assert 'href="#passport_photo"' in body
    photo = SimpleUploadedFile("passbild.jpg", image_bytes(413, 531, "JPEG"),
                               content_type="image/jpeg")
    journey.answer("marks", {"passport_photo": photo})
    journey.answer("consent", {"confidentiality_release": "yes", "truthful": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    [upload] = submission.attachments.all()
    assert upload.field_id == "passport_photo"
