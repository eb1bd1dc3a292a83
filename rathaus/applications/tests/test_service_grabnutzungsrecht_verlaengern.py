"""The holder of a family grave extends its right of use; the fee is per year and place."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel

from .journey import Journey, sign_in

pytestmark = pytest.mark.django_db

SLUG = "grabnutzungsrecht-verlaengern"

HOLDER = {
    "is_holder": "yes",
    "holder_name-given_names": "Erika", "holder_name-family_name": "Mustermann",
    "holder_address-street": "Lindenallee", "holder_address-number": "7a",
    "holder_address-postcode": "31134", "holder_address-city": "Musterstadt",
    "holder_email": "erika@example.org",
}
GRAVE = {"cemetery": "waldfriedhof", "grave_field": "C", "grave_number": "3-27",
         "grave_type": "wahlgrab_2", "expires_on": "2027-03-31"}


def start(client: Client) -> Journey:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    return journey


def test_two_place_grave_extended_by_ten_years(client: Client, catalog: None, read_pdf: Any,
                                               django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    journey.answer("holder", HOLDER)
    journey.answer("grave", GRAVE)
    journey.answer("extension", {"reason": "keep", "extension_years": "10", "truthful": "yes"})

    check = journey.check_page()
    assert "Waldfriedhof" in check
    assert "3-27" in check
    assert "Wahlgrab, zwei Grabstellen (je Jahr)" in check
    assert "900,00 €" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "friedhofsverwaltung"
    assert submission.fee_total == Decimal("900.00")
    answers = submission.answers
    assert answers["extension_years"] == 10
    assert answers["grave_type"] == "wahlgrab_2"
    assert answers["expires_on"] == "2027-03-31"
    assert "burial_date" not in answers

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Waldfriedhof" in text
    assert "900,00" in text
    assert mail.outbox[0].to == ["erika@example.org"]


def test_too_many_years_are_refused_and_a_deceased_holder_stops(client: Client,
                                                                catalog: None) -> None:
    journey = start(client)
    journey.answer("holder", HOLDER)
    journey.answer("grave", GRAVE)
    response = journey.post({"reason": "burial", "extension_years": "40", "truthful": "yes"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#extension_years"' in body
    assert "höchstens 30" in body
    assert 'href="#burial_date"' in body, "a burial needs its date"
    assert 'value="40"' in body, "what was typed is kept"

    other = start(Client())
    other.post({**HOLDER, "is_holder": "holder_died"})
    assert other.step_url.endswith("/holder/stop/")
    page = other.client.get(other.step_url).content.decode()
    assert "Bitte lassen Sie das Nutzungsrecht zuerst umschreiben" in page
    assert "Sterbeurkunde" in page
    assert not Submission.objects.exists()
