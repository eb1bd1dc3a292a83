"""A citizen registers two dogs for dog tax, paying by direct debit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.core.tests.pdfs import assert_accessible_pdf

from .hund import OWNER, dog
from .journey import Journey

pytestmark = pytest.mark.django_db

def fill_until_dogs(journey: Journey) -> None:
    journey.answer("owner", OWNER)
    journey.answer("keeping", {"commercial": "no", "moved_here": "yes",
                               "previous_municipality": "Hildesheim"})


def test_two_dogs_with_direct_debit(client: Client, catalog: None, read_pdf: Any,
                                    django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, "hund-anmelden").start()
    fill_until_dogs(journey)
    added = journey.post({"dogs-count": "1", **dog(0, "Bello")}, action="add:dogs")
    assert added.status_code == 200
    assert 'name="dogs-1-dog_name"' in added.content.decode()
    assert 'value="Bello"' in added.content.decode(), "typed answers survive 'add another'"
    journey.answer("dogs", {"dogs-count": "2", **dog(0, "Bello"), **dog(1, "Luna", sex="male")})
    journey.answer("insurance", {"insurer": "Musterversicherung AG", "policy_number": "HV-991"})
    journey.answer("payment", {"payment_method": "direct_debit",
                               "bank_account-holder": "Erika Mustermann",
                               "bank_account-iban": "DE89 3704 0044 0532 0130 00",
                               "bank_account-mandate": "yes"})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Bello" in check
    assert "Luna" in check
    assert "Hildesheim" in check
    assert "DE89 3704 0044 0532 0130 00" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "steueramt"
    assert submission.service_version.number == 1
    assert [d["dog_name"] for d in submission.answers["dogs"]] == ["Bello", "Luna"]
    assert submission.answers["bank_account"]["iban"] == "DE89370400440532013000"
    assert submission.answers["previous_municipality"] == "Hildesheim"
    assert "dangerous_permit" not in submission.answers["dogs"][0], "hidden answers are not kept"

    receipt = journey.receipt(submission)
    text = read_pdf(receipt)
    assert submission.reference in text
    assert "Bello" in text
    assert "Luna" in text
    assert "Musterversicherung AG" in text

    assert_accessible_pdf(receipt, language="de", title_part=submission.reference)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erika@example.org"]
    assert submission.reference in message.subject
    assert message.attachments[0][2] == "application/pdf"
    assert "/status/" in message.body


def test_commercial_keeping_stops_with_explanation(client: Client, catalog: None) -> None:
    journey = Journey(client, "hund-anmelden").start()
    journey.answer("owner", OWNER)
    response = journey.post({"commercial": "yes", "moved_here": "no"})
    assert response.status_code == 302
    stop = client.get(journey.step_url)
    assert "Bitte wenden Sie sich an das Steueramt" in stop.content.decode()
    # The exit page cannot be bypassed by jumping to the check page.
    check = client.get(journey.step_url.replace("keeping/stop/", "check/"))
    assert check.status_code == 302
    assert not Submission.objects.exists()


def test_dangerous_dog_needs_permit_upload(client: Client, catalog: None) -> None:
    journey = Journey(client, "hund-anmelden").start()
    fill_until_dogs(journey)
    response = journey.post({"dogs-count": "1", **dog(0, "Rex", dangerous="yes")})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Erlaubnis zur Haltung eines gefährlichen Hundes" in body
    assert 'href="#dogs-0-dangerous_permit"' in body, "the error summary links to the field"
    assert 'value="Rex"' in body, "what was typed is kept"


@pytest.mark.parametrize("typed", ["12", "27609810654321", "DE0981065432101"])
def test_microchip_number_must_have_15_digits(client: Client, catalog: None, typed: str) -> None:
    journey = Journey(client, "hund-anmelden").start()
    fill_until_dogs(journey)
    response = journey.post({"dogs-count": "1", **dog(0, "Rex", chip_number=typed)})
    assert response.status_code == 200, "a short or mistyped number is not accepted"
    body = response.content.decode()
    assert "Die Nummer des Mikrochips hat genau 15 Ziffern, ohne Leerzeichen" in body
    assert 'href="#dogs-0-chip_number"' in body, "the error summary links to the field"
    assert 'value="Rex"' in body, "what was typed is kept"
    assert 'inputmode="numeric"' in body
    assert 'maxlength="15"' in body
    journey.answer("dogs", {"dogs-count": "1", **dog(0, "Rex", chip_number="276098106543210")})
