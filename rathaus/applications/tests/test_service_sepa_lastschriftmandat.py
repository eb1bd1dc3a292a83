"""An account holder grants the town a direct debit mandate for two payment references."""

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

SLUG = "sepa-lastschriftmandat"

APPLICANT = {
    "applicant_is_holder": "yes",
    "applicant_name-given_names": "Erika", "applicant_name-family_name": "Mustermann",
    "applicant_address-street": "Lindenallee", "applicant_address-number": "7a",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "applicant_email": "erika@example.org",
}
ACCOUNT = {"bank_account-holder": "Erika Mustermann",
           "bank_account-iban": "DE89 3704 0044 0532 0130 00", "bank_account-mandate": "yes",
           "truthful": "yes"}


def start(client: Client) -> Journey:
    sign_in(client, TrustLevel.BASIC)
    return Journey(client, SLUG).start()


def test_mandate_for_two_payment_references(client: Client, catalog: None, read_pdf: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    journey.answer("applicant", APPLICANT)
    journey.answer("payments", {"own_payments": "yes", "scope": "references",
                                "replaces_mandate": "yes",
                                # Sent by a browser without JavaScript; hidden for this scope.
                                "kinds": ["hundesteuer"]})
    journey.answer("references", {"references-count": "2",
                                  "references-0-reference_number": "5.0001.234567.8",
                                  "references-0-reference_note": "Grundsteuer Am Mühlbach 12",
                                  "references-1-reference_number": "7.0815.000042.1"})
    page = journey.page()
    assert "DE98ZZZ09999999999" in page, "the mandate's wording names the creditor"
    journey.answer("mandate", ACCOUNT)

    check = journey.check_page()
    assert "5.0001.234567.8" in check
    assert "Grundsteuer Am Mühlbach 12" in check
    assert "DE89 3704 0044 0532 0130 00" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "stadtkasse"
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert [item["reference_number"] for item in answers["references"]] == [
        "5.0001.234567.8", "7.0815.000042.1"]
    assert "kinds" not in answers
    assert "debtor_name" not in answers
    assert answers["bank_account"]["iban"] == "DE89370400440532013000"
    assert answers["bank_account"]["mandate"] is True
    assert answers["replaces_mandate"] is True

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "5.0001.234567.8" in text
    assert "DE89 **** **** **** **30 00" in text, "the receipt masks the IBAN"
    assert mail.outbox[0].to == ["erika@example.org"]


def test_wrong_iban_is_explained_and_kinds_replace_references(client: Client,
                                                              catalog: None) -> None:
    journey = start(client)
    journey.answer("applicant", APPLICANT)
    journey.answer("payments", {"own_payments": "no",
                                "debtor_name-given_names": "Hans",
                                "debtor_name-family_name": "Mustermann",
                                "scope": "kinds",
                                "kinds": ["grundbesitzabgaben", "wasser_abwasser"],
                                "replaces_mandate": "no"})
    response = journey.post({**ACCOUNT, "bank_account-iban": "DE89 3704 0044 0532 0130 01"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Geben Sie eine gültige IBAN an" in body
    assert 'value="Erika Mustermann"' in body, "what was typed is kept"
    journey.answer("mandate", ACCOUNT)
    assert "references" not in journey.history, "no payment references asked for kinds"
    check = journey.check_page()
    assert "Wasser- und Abwassergebühren" in check
    assert "Hans Mustermann" in check


def test_someone_else_s_account_stops(client: Client, catalog: None) -> None:
    journey = start(client)
    journey.post({**APPLICANT, "applicant_is_holder": "no"})
    assert journey.step_url.endswith("/applicant/stop/")
    page = client.get(journey.step_url).content.decode()
    assert "Das Mandat erteilt die Kontoinhaberin oder der Kontoinhaber" in page
    assert not Submission.objects.exists()
