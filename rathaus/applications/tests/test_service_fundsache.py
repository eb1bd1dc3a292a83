"""A finder reports a wallet found in the park and claims the reward; a loss and a bus find."""

from __future__ import annotations

import datetime
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

SLUG = "fundsache"

CONTACT = {"contact_name-given_names": "Paul", "contact_name-family_name": "Lehmann",
           "contact_email": "paul.lehmann@example.org", "contact_phone": "",
           "truthful": "yes"}


def yesterday() -> str:
    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def test_found_wallet_with_photo_and_reward(client: Client, catalog: None, read_pdf: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("kind", {"report_kind": "found", "found_where": "public_place"})
    photo = SimpleUploadedFile("boerse.png", png_bytes(), content_type="image/png")
    journey.answer("item", {"item_category": "wallet", "item_value": "80",
                            "item_description": "Braune Lederbörse mit 80 € und einer "
                                                "Bibliothekskarte, ohne Ausweis",
                            "item_photo": photo})
    journey.answer("place_time", {"event_date": yesterday(),
                                  "event_place": "Bank am Spielplatz im Stadtpark",
                                  "item_whereabouts": "will_hand_in",
                                  "finder_claims": ["reward", "ownership"]})
    # Claiming a reward needs an address to send it to.
    response = journey.post(CONTACT)
    assert response.status_code == 200
    assert 'href="#contact_address' in response.content.decode()
    journey.answer("contact", {**CONTACT, "contact_address-street": "Parkstraße",
                               "contact_address-number": "2",
                               "contact_address-postcode": "31134",
                               "contact_address-city": "Musterstadt"})

    check = journey.check_page()
    assert "Braune Lederbörse" in check
    assert "boerse.png" in check
    assert "Ich möchte Finderlohn" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "buergerbuero"
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["report_kind"] == "found"
    assert answers["item_value"] == "80.00"
    assert answers["finder_claims"] == ["reward", "ownership"]
    assert answers["contact_address"]["street"] == "Parkstraße"
    assert submission.attachments.get().field_id == "item_photo"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Stadtpark" in text
    assert mail.outbox[0].to == ["paul.lehmann@example.org"]


def test_a_find_in_the_bus_goes_to_the_bus_company_and_a_loss_keeps_no_finder_answers(
        client: Client, catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.post({"report_kind": "found", "found_where": "transport_or_office"})
    assert journey.step_url.endswith("/kind/stop/")
    assert "§ 978 BGB" in client.get(journey.step_url).content.decode()

    journey = Journey(client, SLUG).start()
    # A browser without JavaScript still sends the finder's question; a loss does not keep it.
    journey.answer("kind", {"report_kind": "lost", "found_where": "transport_or_office"})
    journey.answer("item", {"item_category": "id_documents",
                            "item_description": "Personalausweis in blauer Hülle"})
    journey.answer("place_time", {"event_date": yesterday(), "event_place": "Marktplatz"})
    journey.answer("contact", CONTACT)
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert submission.answers["report_kind"] == "lost"
    assert "found_where" not in submission.answers
    assert "finder_claims" not in submission.answers
    assert Submission.objects.count() == 1
