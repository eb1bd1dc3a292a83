"""A visitor reports an accessibility barrier, with or without asking for an answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey

pytestmark = pytest.mark.django_db

SLUG = "barriere-melden"

BARRIER = {
    "location": "https://musterstadt.example/de/services/hund-anmelden/",
    "barrier_description": "Der Datumsauswähler im Schritt „Ihre Hunde“ lässt sich mit "
                           "NVDA nicht bedienen; das Feld wird ohne Beschriftung vorgelesen.",
    "assistive_technology": ["screen_reader", "keyboard_only"],
}


def test_service_page_names_the_enforcement_procedure(client: Client, catalog: None) -> None:
    body = client.get(f"/de/services/{SLUG}/").content.decode()
    assert "Schlichtungsstelle" in body
    assert "Landesbeauftragten für Menschen mit Behinderungen" in body
    assert "Überwachungsstelle des Landes Niedersachsen" in body
    english = client.get(f"/en/services/{SLUG}/").content.decode()
    assert "conciliation body" in english


def test_report_with_answer_wanted(
    client: Client, catalog: None, read_pdf: Any, django_capture_on_commit_callbacks: Any
) -> None:
    journey = Journey(client, SLUG).start()
    assert "Kopieren Sie die Adresse aus der Adresszeile Ihres Browsers" in journey.page()
    journey.answer("barrier", BARRIER)
    journey.answer("contact", {"wants_answer": "yes", "reply_email": "kim.vogt@example.org",
                               "reporter_name-given_names": "Kim",
                               "reporter_name-family_name": "Vogt"})

    check = journey.check_page()
    assert "Screenreader, Nur Tastatur" in check
    assert "kim.vogt@example.org" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "barrierefreiheit"
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["location"] == BARRIER["location"]
    assert answers["assistive_technology"] == ["screen_reader", "keyboard_only"]
    assert answers["wants_answer"] is True
    assert answers["reply_email"] == "kim.vogt@example.org"
    assert submission.email == "kim.vogt@example.org"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "musterstadt.example/de/services/hund-" in text
    assert "NVDA" in text
    assert "Screenreader, Nur Tastatur" in text
    assert "Kim Vogt" in text

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kim.vogt@example.org"]
    assert submission.reference in mail.outbox[0].subject


def test_anonymous_report_without_answer_keeps_no_address(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("barrier", {"location": "Haushaltssatzung 2025 (PDF)",
                               "barrier_description": "Die PDF-Datei hat keine Tags."})
    # A browser without JavaScript still shows the e-mail input; its answer is not kept.
    journey.answer("contact", {"wants_answer": "no", "reply_email": "typed@example.org"})
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert "reply_email" not in submission.answers, "hidden answers are not kept"
    assert "reporter_name" not in submission.answers
    assert "assistive_technology" not in submission.answers
    assert submission.email == ""
    assert mail.outbox == []


def test_answer_wanted_needs_an_email_address(client: Client, catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    missing = journey.post({"location": "", "barrier_description": "Kontrast zu schwach"})
    assert missing.status_code == 200
    body = missing.content.decode()
    assert 'href="#location"' in body
    assert "Kontrast zu schwach" in body, "what was typed is kept"

    journey.answer("barrier", BARRIER)
    response = journey.post({"wants_answer": "yes", "reply_email": "",
                             "reporter_name-given_names": "Kim"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert 'href="#reply_email"' in body
    assert 'id="wants_answer-yes" name="wants_answer" value="yes" checked' in body
    assert 'value="Kim"' in body
    assert not Submission.objects.exists()


def test_a_report_is_confirmed_as_a_report_not_an_application(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("barrier", BARRIER)
    journey.answer("contact", {"wants_answer": "yes", "reply_email": "kim.vogt@example.org",
                               "reporter_name-given_names": "Kim",
                               "reporter_name-family_name": "Vogt"})
    check = journey.check_page()
    assert "Meldung absenden" in check
    assert "Antrag absenden" not in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    page = client.get(f"/de/submitted/{submission.reference}/").content.decode()

    assert "Meldung abgeschickt" in page
    assert "Antrag" not in page, "a report is not an application"
    assert mail.outbox[0].subject == f"Ihre Meldung {submission.reference} ist eingegangen"
    assert "wir haben Ihre Meldung „Barriere melden“ erhalten" in mail.outbox[0].body
    assert "Antrag" not in mail.outbox[0].subject + mail.outbox[0].body
