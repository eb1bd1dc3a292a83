"""Parents apply for a crèche and a kindergarten place; the service needs a basic sign-in."""

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
from rathaus.identity.levels import TrustLevel

from .journey import Journey, sign_in

pytestmark = pytest.mark.django_db

PARENT = {
    "parent_name-given_names": "Erika", "parent_name-family_name": "Mustermann",
    "parent_address-street": "Lindenallee", "parent_address-number": "7a",
    "parent_address-postcode": "31134", "parent_address-city": "Musterstadt",
    "parent_phone": "05121 123456", "parent_email": "erika@example.org",
}



def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def child(index: int, given: str, **extra: Any) -> dict[str, Any]:
    data = {
        "child_name-given_names": given, "child_name-family_name": "Mustermann",
        "child_birth_date": in_days(-400), "care_type": "krippe",
        "desired_start": in_days(120), "weekly_hours": "30",
        "preferred_facilities": ["sonnenschein"], "special_needs": "no",
        "special_needs_details": "", **extra,
    }
    return {f"children-{index}-{key}": value for key, value in data.items()}


def test_without_sign_in_the_form_is_refused(client: Client, catalog: None) -> None:
    page = client.get("/de/services/kindergartenplatz-anmelden/apply/")
    assert page.status_code == 403
    body = page.content.decode()
    assert "BundID" in body
    assert "Vormerkliste" in body
    assert client.post("/de/services/kindergartenplatz-anmelden/apply/").status_code == 403


def test_two_children_with_second_guardian(client: Client, catalog: None, read_pdf: Any,
                                           django_capture_on_commit_callbacks: Any) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, "kindergartenplatz-anmelden").start()
    journey.answer("parent", PARENT)
    journey.answer("second_guardian", {
        "has_second_guardian": "yes",
        "second_name-given_names": "Max", "second_name-family_name": "Mustermann",
        "second_phone": "0170 1234567",
    })
    added = journey.post({"children-count": "1", **child(0, "Mia")}, action="add:children")
    assert added.status_code == 200
    assert 'name="children-1-child_name-given_names"' in added.content.decode()
    journey.answer("children", {
        "children-count": "2",
        **child(0, "Mia", preferred_facilities=["sonnenschein", "st-martin"],
                special_needs="yes", special_needs_details="Erdnussallergie, Notfallset nötig"),
        **child(1, "Leon", child_birth_date=in_days(-1300), care_type="kindergarten",
                weekly_hours="40plus", preferred_facilities=["am-stadtpark"],
                # Sent by a browser without JavaScript although "no" hides the box.
                special_needs_details="nichts"),
    })
    journey.answer("family", {"siblings_in_facility": "no",
                              "employment": ["full_time", "part_time"]})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Kind 1" in check
    assert "Kind 2" in check
    assert "Mia Mustermann" in check
    assert "Leon Mustermann" in check
    assert "Kita Sonnenschein, Ev. Kita St. Martin" in check
    assert "40 Stunden oder mehr (ganztags)" in check
    assert "Max Mustermann" in check
    assert 'id="fees"' not in check, "applying is free"

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "kindertagesstaetten"
    assert submission.trust_level == TrustLevel.BASIC
    assert submission.fee_total == Decimal("0.00")
    assert "Erdnuss" not in json.dumps(submission.answers), "stored sealed (decision 0021)"
    answers = sealed.answers_for_receipt(submission)
    mia, leon = answers["children"]
    assert mia["care_type"] == "krippe"
    assert leon["care_type"] == "kindergarten"
    assert mia["preferred_facilities"] == ["sonnenschein", "st-martin"]
    assert mia["special_needs_details"] == "Erdnussallergie, Notfallset nötig"
    assert leon["special_needs"] is False
    assert "special_needs_details" not in leon, "a hidden answer is not kept"
    assert leon["weekly_hours"] == "40plus"
    assert answers["second_name"]["given_names"] == "Max"
    assert answers["employment"] == ["full_time", "part_time"]
    assert "sibling_facility" not in answers
    assert "special_needs_details" in submission.sensitive_fields

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Mia Mustermann" in text
    assert "Leon Mustermann" in text
    assert "Kita Am Stadtpark" in text

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erika@example.org"]
    assert submission.reference in message.subject
    # The special-needs details are health data: the receipt is not sent by e-mail.
    assert message.attachments == []
    assert "Erdnussallergie" not in message.body


def test_single_parent_answers_about_a_second_guardian_are_not_kept(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, "kindergartenplatz-anmelden").start()
    journey.answer("parent", PARENT)
    journey.answer("second_guardian", {
        "has_second_guardian": "no",
        "second_name-given_names": "Max", "second_name-family_name": "Mustermann",
    })
    journey.answer("children", {"children-count": "1", **child(0, "Mia")})
    journey.answer("family", {"siblings_in_facility": "yes",
                              "sibling_facility": "Leon, Kita Regenbogen",
                              "employment": ["education"]})
    journey.answer("declaration", {"truthful": "yes"})
    assert "Max" not in journey.check_page()
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert "second_name" not in submission.answers
    assert submission.answers["sibling_facility"] == "Leon, Kita Regenbogen"
    assert len(submission.answers["children"]) == 1


def test_child_errors_link_to_the_field_and_keep_input(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, "kindergartenplatz-anmelden").start()
    journey.answer("parent", PARENT)
    response = journey.post({"has_second_guardian": "yes"})
    assert response.status_code == 200
    assert 'href="#second_name-given_names"' in response.content.decode()
    journey.answer("second_guardian", {"has_second_guardian": "no"})

    response = journey.post({
        "children-count": "2",
        **child(0, "Mia"),
        **child(1, "Leon", desired_start=in_days(800), preferred_facilities=[],
                special_needs="yes"),
    })
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#children-1-desired_start"' in body, "start more than two years ahead"
    assert 'href="#children-1-preferred_facilities-0"' in body
    assert 'href="#children-1-special_needs_details"' in body
    assert 'value="Leon"' in body, "what was typed is kept"
    assert 'value="Mia"' in body
    assert journey.step_id == "children"


def test_a_verified_address_outside_the_town_must_become_the_future_one(
        client: Client, catalog: None) -> None:
    """BundID's Köln address is offered, editable (families move here); it must be in town."""
    from rathaus.identity.testing import sign_in_client

    sign_in_client(client, level=TrustLevel.HIGH)
    journey = Journey(client, "kindergartenplatz-anmelden", language="en").start()
    assert 'value="Köln"' in journey.page(), "the verified address is offered, not a stop"
    kept = {**PARENT, "parent_address-street": "Heidestraße", "parent_address-number": "17",
            "parent_address-postcode": "51147", "parent_address-city": "Köln"}
    response = journey.post(kept)
    assert response.status_code == 200
    body = response.content.decode()
    assert ("“Address” must be an address in Musterstadt; this postcode does not belong to "
            "Musterstadt.") in body
    assert "If you are moving to our town, enter your future address." in body
    journey.answer("parent", PARENT)
