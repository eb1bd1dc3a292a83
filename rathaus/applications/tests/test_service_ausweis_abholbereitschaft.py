"""A citizen asks whether her new ID card has arrived; her husband will collect it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey

pytestmark = pytest.mark.django_db

SLUG = "ausweis-abholbereitschaft"


def test_status_question_answered_by_e_mail(client: Client, catalog: None, read_pdf: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    page = client.get(f"/de/services/{SLUG}/").content.decode()
    assert "Eine sofortige Online-Abfrage ist noch nicht möglich." in page, "says what it is"

    journey = Journey(client, SLUG).start()
    journey.answer("document", {"document_type": "id_card", "direct_delivery": "no"})
    journey.answer("identification", {"application_number": "PA-2026-004711",
                                      "applicant_birth_date": "1979-12-01",
                                      "application_date": ""})
    journey.answer("answer", {"applicant_email": "greta.wolf@example.org",
                              "notify_on_arrival": "yes", "collector": "authorised",
                              "collector_name-given_names": "Martin",
                              "collector_name-family_name": "Wolf"})

    check = journey.check_page()
    assert "PA-2026-004711" in check
    assert "01.12.1979" in check
    assert "Martin Wolf" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "buergerbuero"
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["document_type"] == "id_card"
    assert answers["application_number"] == "PA-2026-004711"
    assert answers["notify_on_arrival"] is True
    assert answers["collector_name"]["given_names"] == "Martin"
    assert "application_date" not in answers

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "PA-2026-004711" in text
    assert mail.outbox[0].to == ["greta.wolf@example.org"]


def test_direct_delivery_stops_and_a_bad_number_is_refused(client: Client,
                                                           catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.post({"document_type": "passport", "direct_delivery": "yes"})
    assert journey.step_url.endswith("/document/stop/")
    assert "Ihr Dokument kommt per Post" in client.get(journey.step_url).content.decode()

    journey = Journey(client, SLUG).start()
    journey.answer("document", {"document_type": "passport", "direct_delivery": "no"})
    response = journey.post({"application_number": "#?!%&", "applicant_birth_date": "1979-12-01"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Die Antragsnummer besteht aus Buchstaben und Ziffern" in body
    assert 'value="1979-12-01"' in body, "what was typed is kept"
    assert not Submission.objects.exists()
