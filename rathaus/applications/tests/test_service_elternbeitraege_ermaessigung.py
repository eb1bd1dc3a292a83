"""Parents apply for lower contributions by income; with housing benefit no income is asked."""

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
from rathaus.identity.levels import TrustLevel

from .journey import Journey, pdf_bytes, sign_in

pytestmark = pytest.mark.django_db

SLUG = "elternbeitraege-ermaessigung"

PARENT = {
    "parent_name-given_names": "Erika", "parent_name-family_name": "Mustermann",
    "parent_address-street": "Lindenallee", "parent_address-number": "7a",
    "parent_address-postcode": "31134", "parent_address-city": "Musterstadt",
    "parent_email": "erika@example.org",
}
CHILDREN = {
    "children-count": "2",
    "children-0-child_name-given_names": "Mia", "children-0-child_name-family_name": "Mustermann",
    "children-0-child_birth_date": "2025-02-03", "children-0-care_type": "krippe",
    "children-0-facility": "Kita Sonnenschein",
    "children-1-child_name-given_names": "Leon",
    "children-1-child_name-family_name": "Mustermann",
    "children-1-child_birth_date": "2019-05-20", "children-1-care_type": "hort",
    "children-1-facility": "Hort Am Stadtpark",
    "other_children": "1",
}


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def start(client: Client) -> Journey:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    journey.answer("scope", {"only_free_kindergarten": "no"})
    journey.answer("parent", PARENT)
    journey.answer("children", CHILDREN)
    return journey


def test_reduction_by_income_with_evidence(client: Client, catalog: None, read_pdf: Any,
                                           django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    journey.answer("benefits", {"receives_benefits": "no"})
    journey.answer("income", {"household_adults": "2", "income_kinds": ["employment",
                                                                      "parental_allowance"],
                              "annual_income": "31.480,00",
                              "income_evidence": pdf("lohnsteuerbescheinigungen.pdf"),
                              "income_evidence_more": pdf("elterngeldbescheid.pdf")})
    journey.answer("declaration", {"truthful": "yes", "notice_by_retrieval": "yes"})

    check = journey.check_page()
    assert "Mia Mustermann" in check
    assert "Hort oder Nachmittagsbetreuung" in check
    assert "31.480,00 €" in check
    assert "lohnsteuerbescheinigungen.pdf" in check
    assert 'id="fees"' not in check, "applying is free"

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "kindertagesstaetten"
    assert submission.trust_level == TrustLevel.SUBSTANTIAL
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["annual_income"] == "31480.00"
    assert answers["other_children"] == 1
    assert [child["care_type"] for child in answers["children"]] == ["krippe", "hort"]
    assert {upload.field_id for upload in submission.attachments.all()} == {
        "income_evidence", "income_evidence_more"}

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Mia Mustermann" in text
    assert "lohnsteuerbescheinigungen.pdf" in text
    assert mail.outbox[0].to == ["erika@example.org"]


def test_housing_benefit_skips_the_income(client: Client, catalog: None,
                                          django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    response = journey.post({"receives_benefits": "yes", "benefits": ["wohngeld"]})
    assert response.status_code == 200
    assert 'href="#benefit_notice"' in response.content.decode(), "the notice is evidence"
    until = (timezone.localdate() + datetime.timedelta(days=200)).isoformat()
    journey.answer("benefits", {"receives_benefits": "yes", "benefits": ["wohngeld"],
                                "benefits_until": until,
                                "benefit_notice": pdf("wohngeldbescheid.pdf")})
    assert journey.step_id == "declaration", "no income is asked with housing benefit"
    journey.answer("declaration", {"truthful": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert submission.answers["benefits"] == ["wohngeld"]
    assert "annual_income" not in submission.answers


def test_free_kindergarten_needs_no_application(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, SLUG).start()
    journey.post({"only_free_kindergarten": "yes"})
    page = client.get(journey.step_url).content.decode()
    assert "Der Kindergarten ist schon beitragsfrei" in page
    assert not Submission.objects.exists()
