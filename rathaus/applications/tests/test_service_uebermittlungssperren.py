"""A mother signed in with BundID blocks her and her son's data for parties and the army."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel
from rathaus.identity.testing import ERIKA, sign_in_client

from .journey import Journey, sign_in

pytestmark = pytest.mark.django_db

SLUG = "uebermittlungssperren"

ERIKA_HERE = {**ERIKA, "street_address": "Lindenallee 7a", "postal_code": "31134",
              "city": "Musterstadt"}
VERIFIED = {
    "applicant_name-given_names": "Erika", "applicant_name-family_name": "Mustermann",
    "applicant_birth_date": "1964-08-12",
    "applicant_address-street": "Lindenallee", "applicant_address-number": "7a",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "applicant_email": "erika@example.org",
}


def test_verified_applicant_blocks_data_for_herself_and_her_son(
        client: Client, catalog: None, read_pdf: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    assert client.get(f"/de/services/{SLUG}/apply/").status_code == 403, "sign-in needed"
    sign_in_client(client, level=TrustLevel.HIGH, attributes=ERIKA_HERE)
    journey = Journey(client, SLUG).start()
    body = journey.page()
    assert 'value="Lindenallee"' in body, "the address comes from BundID"
    assert body.count("Über BundID bestätigt") == 3
    journey.answer("applicant", VERIFIED)
    journey.answer("objections", {"objections": ["parties", "bundeswehr", "address_books"],
                                  "include_children": "yes"})
    journey.answer("children", {"children-count": "1",
                                "children-0-child_name-given_names": "Leon",
                                "children-0-child_name-family_name": "Mustermann",
                                "children-0-child_birth_date": "2010-05-04"})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "An Parteien und Wählergruppen vor Wahlen und Abstimmungen" in check
    assert "An Adressbuchverlage" in check
    assert "Leon Mustermann" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "buergerbuero"
    assert submission.trust_level == TrustLevel.HIGH
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["objections"] == ["parties", "bundeswehr", "address_books"]
    assert answers["children"][0]["child_birth_date"] == "2010-05-04"
    assert set(submission.verified_fields) == {"applicant_name", "applicant_birth_date",
                                               "applicant_address"}

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "An die Bundeswehr" in text
    assert "Leon Mustermann" in text
    assert mail.outbox[0].to == ["erika@example.org"]


def test_at_least_one_objection_and_no_children_step_without_children(
        client: Client, catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)  # a level without identity data: all typed
    journey = Journey(client, SLUG).start()
    journey.answer("applicant", VERIFIED)
    response = journey.post({"include_children": "no"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#objections' in body
    assert 'value="no" checked' in body, "the answer given is kept"
    journey.answer("objections", {"objections": ["jubilees"], "include_children": "no"})
    assert journey.step_id == "declaration", "the children step is skipped"
    journey.answer("declaration", {"truthful": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert submission.answers["objections"] == ["jubilees"]
    assert "children" not in submission.answers
    assert Submission.objects.count() == 1
