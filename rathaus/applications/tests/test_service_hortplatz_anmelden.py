"""Parents apply for a Hort place and for holiday care for two primary school children."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from rathaus.applications import sealed
from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel

from .journey import Journey, sign_in

pytestmark = pytest.mark.django_db

SLUG = "hortplatz-anmelden"

PARENT = {
    "parent_name-given_names": "Erika", "parent_name-family_name": "Mustermann",
    "parent_address-street": "Lindenallee", "parent_address-number": "7a",
    "parent_address-postcode": "31134", "parent_address-city": "Musterstadt",
    "parent_phone": "05121 123456", "parent_email": "erika@example.org",
    "employment": ["full_time"], "single_parent": "yes",
}


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def child(index: int, given: str, **extra: Any) -> dict[str, Any]:
    data = {
        "child_name-given_names": given, "child_name-family_name": "Mustermann",
        "child_birth_date": in_days(-6 * 365), "school": "am-stadtpark", "school_class": "1",
        "care_type": "hort", "care_until": "17", "care_days": ["mon", "tue", "wed", "thu"],
        "holiday_care": "yes", "desired_start": in_days(200), "special_needs": "no", **extra,
    }
    return {f"children-{index}-{key}": value for key, value in data.items()}


def start(client: Client) -> Journey:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("kind", {"only_school_ganztag": "no"})
    journey.answer("parent", PARENT)
    return journey


def test_hort_and_holiday_care_for_two_children(client: Client, catalog: None, read_pdf: Any,
                                                django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    journey.answer("children", {
        "children-count": "2",
        **child(0, "Mia", special_needs="yes", special_needs_details="Diabetes Typ 1"),
        **child(1, "Leon", child_birth_date=in_days(-9 * 365), school_class="3",
                care_type="holidays_only",
                # Sent by a browser without JavaScript; holiday care has no times.
                care_until="15"),
    })
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Mia Mustermann" in check
    assert "Leon Mustermann" in check
    assert "Grundschule Am Stadtpark" in check
    assert "Nur Ferienbetreuung" in check
    assert "Montag, Dienstag, Mittwoch, Donnerstag" in check
    assert 'id="fees"' not in check, "applying is free"

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "kindertagesstaetten"
    assert submission.fee_total == Decimal("0.00")
    assert "Diabetes" not in json.dumps(submission.answers), "health data are sealed"
    answers = sealed.answers_for_receipt(submission)
    mia, leon = answers["children"]
    assert mia["care_until"] == "17"
    assert mia["special_needs_details"] == "Diabetes Typ 1"
    assert leon["care_type"] == "holidays_only"
    assert "care_until" not in leon, "a hidden answer is not kept"
    assert leon["school_class"] == "3"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Mia Mustermann" in text
    assert "Leon Mustermann" in text
    assert mail.outbox[0].to == ["erika@example.org"]


def test_another_school_needs_its_name_and_input_is_kept(client: Client, catalog: None) -> None:
    journey = start(client)
    response = journey.post({"children-count": "1",
                             **child(0, "Mia", school="other", care_days=[])})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#children-0-school_other"' in body
    assert 'href="#children-0-care_days-0"' in body
    assert 'value="Mia"' in body, "what was typed is kept"


def test_only_the_school_s_all_day_programme_stops(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.post({"only_school_ganztag": "yes"})
    assert journey.step_url.endswith("/kind/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Den Ganztag meldet die Schule an" in page
    assert not Submission.objects.exists()
