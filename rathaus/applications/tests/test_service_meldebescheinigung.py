"""A signed-in citizen applies for a certificate of registration, with or without family."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey, sign_in

pytestmark = pytest.mark.django_db

SLUG = "meldebescheinigung"

APPLICANT = {
    "applicant_name-given_names": "Aylin", "applicant_name-family_name": "Demir",
    "applicant_birth_date": "1988-11-23",
    "applicant_address-street": "Bahnhofstraße", "applicant_address-number": "21",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
}


def member(index: int, given: str, family: str, birth_date: str) -> dict[str, str]:
    prefix = f"family_members-{index}-"
    return {f"{prefix}member_name-given_names": given, f"{prefix}member_name-family_name": family,
            f"{prefix}member_birth_date": birth_date}



def step_url(journey: Journey, step_id: str) -> str:
    return f"{journey.step_url.rstrip('/').rsplit('/', 1)[0]}/{step_id}/"


def test_form_needs_sign_in_at_substantial_level(client: Client, catalog: None) -> None:
    response = client.get(f"/de/services/{SLUG}/apply/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "BundID" in body
    assert "nur der betroffenen Person selbst ausgehändigt werden dürfen" in body
    assert client.post(f"/de/services/{SLUG}/apply/").status_code == 403

    sign_in(client, 1)
    assert client.get(f"/de/services/{SLUG}/apply/").status_code == 403, "basic is not enough"
    assert not Submission.objects.exists()


def test_extended_certificate_for_family_by_post(
    client: Client, catalog: None, read_pdf: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, 3)
    journey = Journey(client, SLUG).start()
    page = journey.page()
    assert "Doktorgrad und derzeitige Anschrift" in page, "the hints explain both types"
    assert "frühere Anschriften" in page
    journey.answer("certificate", {"certificate_type": "extended",
                                   "purpose": "für die Deutsche Rentenversicherung",
                                   "for_whom": "with_family"})
    added = journey.post({"family_members-count": "1",
                          **member(0, "Murat", "Demir", "1986-05-02")},
                         action="add:family_members")
    assert added.status_code == 200
    assert 'name="family_members-1-member_name-given_names"' in added.content.decode()
    journey.answer("family", {"family_members-count": "2",
                              **member(0, "Murat", "Demir", "1986-05-02"),
                              **member(1, "Elif", "Demir", "2015-09-14")})
    journey.answer("applicant", APPLICANT)
    journey.answer("delivery", {"delivery_method": "post",
                                "applicant_email": "aylin.demir@example.org"})

    check = journey.check_page()
    assert "Erweiterte Meldebescheinigung" in check
    assert "Murat Demir" in check
    assert "Elif Demir" in check
    assert "10,00 €" in check
    assert "5,00 €" not in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "buergerbuero"
    assert submission.trust_level == 3
    assert submission.fee_total == Decimal("10.00")
    assert [line["label"]["de"] for line in submission.fee_lines] == [
        "Erweiterte Meldebescheinigung"
    ]
    answers = submission.answers
    assert answers["certificate_type"] == "extended"
    assert [m["member_name"]["given_names"] for m in answers["family_members"]] == [
        "Murat", "Elif"
    ]
    assert answers["family_members"][1]["member_birth_date"] == "2015-09-14"
    assert answers["applicant_address"]["street"] == "Bahnhofstraße"
    assert answers["delivery_method"] == "post"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Erweiterte Meldebescheinigung" in text
    assert "Elif Demir" in text
    assert "Per Post" in text
    assert "10,00" in text

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["aylin.demir@example.org"]
    assert submission.reference in mail.outbox[0].subject


def test_switching_to_self_drops_family_and_charges_simple_fee(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, 3)
    journey = Journey(client, SLUG).start()
    journey.answer("certificate", {"certificate_type": "extended", "for_whom": "with_family"})
    journey.answer("family", {"family_members-count": "1",
                              **member(0, "Murat", "Demir", "1986-05-02")})
    # The citizen goes back and decides on a simple certificate for herself only.
    journey.step_url = step_url(journey, "certificate")
    journey.answer("certificate", {"certificate_type": "simple", "for_whom": "self"})
    assert journey.step_id == "applicant", "the family step is skipped"
    journey.answer("applicant", APPLICANT)
    journey.answer("delivery", {"delivery_method": "pdf_email",
                                "applicant_email": "aylin.demir@example.org"})

    check = journey.check_page()
    assert "Murat" not in check
    assert "5,00 €" in check
    assert "10,00 €" not in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert "family_members" not in submission.answers, "hidden answers are not kept"
    assert submission.fee_total == Decimal("5.00")
    assert submission.answers["delivery_method"] == "pdf_email"


def test_family_member_needs_a_birth_date(client: Client, catalog: None) -> None:
    sign_in(client, 3)
    journey = Journey(client, SLUG).start()
    journey.answer("certificate", {"certificate_type": "simple", "for_whom": "with_family"})
    response = journey.post({"family_members-count": "1",
                             **member(0, "Murat", "Demir", "")})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#family_members-0-member_birth_date"' in body
    assert 'value="Murat"' in body, "what was typed is kept"
