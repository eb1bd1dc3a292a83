"""A couple renting a flat applies for housing benefit; owners are asked about their loans."""

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
from rathaus.identity.levels import TrustLevel

from .journey import Journey, pdf_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "wohngeld"

APPLICANT = {
    "applicant_name-given_names": "Erika", "applicant_name-family_name": "Mustermann",
    "applicant_birth_date": "1984-03-02",
    "applicant_address-street": "Lindenallee", "applicant_address-number": "7a",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "applicant_email": "erika@example.org",
    "applicant_income_kinds": ["employment"], "applicant_monthly_income": "1.650,00",
    "applicant_disability": "no",
}
MEMBERS = {
    "members-count": "2",
    "members-0-member_name-given_names": "Max", "members-0-member_name-family_name": "Mustermann",
    "members-0-member_birth_date": "1982-11-30", "members-0-member_relation": "partner",
    "members-0-member_transfer_benefits": "no", "members-0-member_disability": "yes",
    "members-0-member_income_kinds": ["minijob"],
    "members-0-member_monthly_income": "538",
    "members-1-member_name-given_names": "Mia", "members-1-member_name-family_name": "Mustermann",
    "members-1-member_birth_date": "2018-04-01", "members-1-member_relation": "child",
    "members-1-member_transfer_benefits": "no", "members-1-member_disability": "no",
    "members-1-member_income_kinds": ["none"],
    "members-1-member_monthly_income": "0",
}


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def start(client: Client, **first: str) -> Journey:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    journey.answer("eligibility", {"transfer_benefits": "none", "housing_kind": "rent",
                                   "has_members": "yes", "substantial_assets": "no", **first})
    return journey


def test_rent_subsidy_for_a_family_of_three(client: Client, catalog: None, read_pdf: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    journey.answer("applicant", APPLICANT)
    journey.answer("household", MEMBERS)
    journey.answer("rent", {"living_space": "68", "moved_in": "2021-08-01",
                            "rent_gross_cold": "720,00", "heating_costs": "95",
                            "landlord": "Wohnungsbau Musterstadt GmbH",
                            "related_to_landlord": "no", "lease": pdf("mietvertrag.pdf")})
    journey.answer("evidence", {"income_evidence": pdf("lohnabrechnungen.pdf"),
                                "payout_holder": "Erika Mustermann",
                                "payout_iban": "DE89 3704 0044 0532 0130 00"})
    journey.answer("declaration", {"truthful": "yes", "notice_by_retrieval": "yes"})
    assert "ownership" not in journey.history, "tenants are not asked about loans"

    check = journey.check_page()
    assert "Max Mustermann" in check
    assert "Mia Mustermann" in check
    assert "720,00 €" in check
    assert "1.650,00 €" in check
    assert "mietvertrag.pdf" in check
    assert 'id="fees"' not in check, "applying is free"

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "soziales"
    assert submission.trust_level == TrustLevel.SUBSTANTIAL
    assert submission.fee_total == Decimal("0.00")
    assert "member_disability" in submission.sensitive_fields
    assert '"member_disability": true' not in json.dumps(submission.answers), "sealed"
    answers = sealed.answers_for_receipt(submission)
    assert answers["members"][0]["member_disability"] is True
    assert answers["rent_gross_cold"] == "720.00"
    assert answers["living_space"] == 68
    assert [m["member_relation"] for m in answers["members"]] == ["partner", "child"]
    assert answers["members"][0]["member_monthly_income"] == "538.00"
    assert "loan_costs" not in answers
    assert {upload.field_id for upload in submission.attachments.all()} == {
        "lease", "income_evidence"}

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Max Mustermann" in text
    assert "Wohnungsbau Musterstadt GmbH" in text
    assert mail.outbox[0].to == ["erika@example.org"]
    assert mail.outbox[0].attachments == [], "health details: the receipt is not e-mailed"


def test_owner_living_alone_is_asked_about_loans_not_rent(client: Client,
                                                          catalog: None) -> None:
    journey = start(client, housing_kind="own", has_members="no")
    journey.answer("applicant", APPLICANT)
    assert journey.step_id == "ownership", "no household members and no rent asked"
    response = journey.post({"owned_living_space": "95", "loan_costs": "viel"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#loan_costs"' in body
    assert 'href="#loan_evidence"' in body
    assert 'value="viel"' in body, "what was typed is kept"


def test_all_on_citizen_s_benefit_stops(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    journey.post({"transfer_benefits": "all", "housing_kind": "rent", "has_members": "no",
                  "substantial_assets": "no"})
    assert journey.step_url.endswith("/eligibility/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Ihre Wohnkosten sind schon gedeckt" in page
    assert "§ 7 WoGG" in page
    assert not Submission.objects.exists()
