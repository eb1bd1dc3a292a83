"""A certificate of conduct: online at the federal office, or through the citizens' office."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey, pdf_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "fuehrungszeugnis"

APPLICANT = {
    "applicant_name-given_names": "Tobias", "applicant_name-family_name": "Krüger",
    "birth_name": "Krüger", "applicant_birth_date": "1994-07-19",
    "place_of_birth": "Hildesheim", "nationality": "deutsch",
    "applicant_address-street": "Schillerstraße", "applicant_address-number": "3b",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "applicant_email": "tobias.krueger@example.org",
}




def test_service_page_links_to_the_federal_office(client: Client, catalog: None) -> None:
    body = client.get(f"/de/services/{SLUG}/").content.decode()
    assert 'href="https://www.fuehrungszeugnis.bund.de"' in body
    assert "Online beim Bundesamt für Justiz beantragen" in body
    assert "Kartenlesegerät" in body
    assert "99049001001000" in body
    assert f'href="/de/services/{SLUG}/apply/"' in body, "the local form is offered as well"


def test_form_needs_the_online_id_function(client: Client, catalog: None) -> None:
    response = client.get(f"/de/services/{SLUG}/apply/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "BundID" in body
    assert "Online-Ausweisfunktion" in body
    sign_in(client, 3)
    assert client.get(f"/de/services/{SLUG}/apply/").status_code == 403, (
        "substantial is not enough"
    )
    assert not Submission.objects.exists()


def test_extended_certificate_sent_to_an_authority(
    client: Client, catalog: None, read_pdf: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, 4)
    journey = Journey(client, SLUG).start()
    letter = SimpleUploadedFile("aufforderung-tsv.pdf", pdf_bytes(),
                                content_type="application/pdf")
    journey.answer("certificate", {"certificate_type": "extended", "request_letter": letter,
                                   "purpose": "Übungsleiter Jugendfußball"})
    journey.answer("delivery", {"delivery_target": "authority",
                                "authority_name": "Landkreis Hildesheim, Jugendamt",
                                "authority_reference": "51.2-0815",
                                "authority_address-street": "Bischof-Janssen-Straße",
                                "authority_address-number": "31",
                                "authority_address-postcode": "31134",
                                "authority_address-city": "Hildesheim"})
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Erweitertes Führungszeugnis" in check
    assert "aufforderung-tsv.pdf" in check
    assert "Landkreis Hildesheim, Jugendamt" in check
    assert "13,00 €" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "buergerbuero"
    assert submission.trust_level == 4
    assert submission.fee_total == Decimal("13.00")
    answers = submission.answers
    assert answers["certificate_type"] == "extended"
    assert answers["authority_address"]["city"] == "Hildesheim"
    assert answers["authority_reference"] == "51.2-0815"
    assert answers["place_of_birth"] == "Hildesheim"
    [letter_upload] = submission.attachments.all()
    assert letter_upload.field_id == "request_letter"
    assert letter_upload.content_type == "application/pdf"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Übungsleiter Jugendfußball" in text
    assert "Bischof-Janssen-Straße" in text
    assert "aufforderung-tsv.pdf" in text
    assert "13,00" in text

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["tobias.krueger@example.org"]
    assert submission.reference in mail.outbox[0].subject


def test_private_certificate_home_keeps_no_authority(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, 4)
    journey = Journey(client, SLUG).start()
    journey.answer("certificate", {"certificate_type": "private", "purpose": "Arbeitgeber"})
    # A browser without JavaScript still sends the hidden authority inputs.
    journey.answer("delivery", {"delivery_target": "home", "authority_name": "Irgendein Amt"})
    journey.answer("applicant", APPLICANT)
    journey.answer("declaration", {"truthful": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert "authority_name" not in submission.answers, "hidden answers are not kept"
    assert "request_letter" not in submission.answers
    assert not submission.attachments.exists()


def test_extended_certificate_needs_the_request_letter(client: Client, catalog: None) -> None:
    sign_in(client, 4)
    journey = Journey(client, SLUG).start()
    response = journey.post({"certificate_type": "extended",
                             "purpose": "Betreuer im Ferienlager"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert 'href="#request_letter"' in body
    assert "Aufforderung des Arbeitgebers oder der Organisation" in body
    assert 'value="Betreuer im Ferienlager"' in body, "what was typed is kept"
