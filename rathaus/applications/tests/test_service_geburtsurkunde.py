"""A mother orders three birth certificates of her daughter by post; the fee follows the copies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey

pytestmark = pytest.mark.django_db

PERSON = {
    "person_name-given_names": "Mia Sophie", "person_name-family_name": "Mustermann",
    "birth_name": "", "birth_date": "2023-09-14",
    "parents_names": "Erika Mustermann, Max Mustermann",
}


def fill_until_person(journey: Journey, relation: str = "parent") -> None:
    journey.answer("birth_place", {"born_in_town": "yes"})
    # A browser without JavaScript still sends the explanation box; a parent needs none.
    journey.answer("relation", {"relation": relation,
                                "legal_interest": "Ich brauche sie für das Elterngeld."})
    journey.answer("person", PERSON)


def test_three_certificates_for_a_parent_by_post(client: Client, catalog: None, read_pdf: Any,
                                                 django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, "geburtsurkunde").start()
    fill_until_person(journey)
    journey.answer("certificate", {"certificate_kind": "standard", "purpose": "family_benefits",
                                   "copies": "3"})
    journey.answer("applicant", {"applicant_name-given_names": "Erika",
                                 "applicant_name-family_name": "Mustermann",
                                 "applicant_email": "erika@example.org", "applicant_phone": ""})
    journey.answer("delivery", {"delivery_address-street": "Lindenallee",
                                "delivery_address-number": "7a",
                                "delivery_address-postcode": "31134",
                                "delivery_address-city": "Musterstadt",
                                "delivery_care_of": ""})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Mia Sophie Mustermann" in check
    assert "14.09.2023" in check
    assert "Lindenallee 7a, 31134 Musterstadt" in check
    assert "3 × 12,00 €" in check
    assert "36,00 €" in check
    assert "Begründung Ihres rechtlichen Interesses" not in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "standesamt"
    assert submission.fee_total == Decimal("36.00")
    assert submission.fee_lines[0]["quantity"] == 3
    answers = submission.answers
    assert answers["relation"] == "parent"
    assert answers["person_name"] == {"given_names": "Mia Sophie", "family_name": "Mustermann"}
    assert answers["birth_date"] == "2023-09-14"
    assert answers["copies"] == 3
    assert answers["applicant_name"]["given_names"] == "Erika"
    assert answers["delivery_address"]["postcode"] == "31134"
    assert "legal_interest" not in answers, "a parent's hidden explanation is not kept"
    assert "birth_name" not in answers
    assert "purpose_other" not in answers

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Mia Sophie Mustermann" in text
    assert "Lindenallee 7a" in text
    assert "36,00" in text

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erika@example.org"]
    assert submission.reference in message.subject
    assert message.attachments[0][2] == "application/pdf"


def test_own_certificate_does_not_ask_for_the_applicants_name(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    journey = Journey(client, "geburtsurkunde").start()
    fill_until_person(journey, relation="self")
    journey.answer("certificate", {"certificate_kind": "international", "purpose": "other",
                                   "purpose_other": "Arbeitsvisum für Kanada", "copies": "1"})
    page = journey.page()
    assert 'name="applicant_name-given_names"' not in page
    journey.answer("applicant", {"applicant_email": "mia@example.org"})
    journey.answer("delivery", {"delivery_address-street": "Am Markt",
                                "delivery_address-number": "1",
                                "delivery_address-postcode": "31134",
                                "delivery_address-city": "Musterstadt"})
    journey.answer("declaration", {"truthful": "yes"})
    assert "12,00 €" in journey.check_page()
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert submission.fee_total == Decimal("12.00")
    assert submission.answers["purpose_other"] == "Arbeitsvisum für Kanada"
    assert "applicant_name" not in submission.answers


def test_birth_elsewhere_stops_with_a_pointer_to_the_right_office(client: Client,
                                                                  catalog: None) -> None:
    journey = Journey(client, "geburtsurkunde").start()
    response = journey.post({"born_in_town": "no"})
    assert response.status_code == 302
    assert journey.step_url.endswith("/birth_place/stop/")
    stop = client.get(journey.step_url).content.decode()
    assert "Urkunden stellt das Standesamt des Geburtsorts aus" in stop
    check = client.get(journey.step_url.replace("birth_place/stop/", "check/"))
    assert check.status_code == 302
    assert "/birth_place/" in check["Location"]
    assert not Submission.objects.exists()


def test_other_person_must_explain_the_legal_interest(client: Client, catalog: None) -> None:
    journey = Journey(client, "geburtsurkunde").start()
    journey.answer("birth_place", {"born_in_town": "yes"})
    response = journey.post({"relation": "other", "legal_interest": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#legal_interest"' in body
    assert "Begründung Ihres rechtlichen Interesses" in body
    assert 'value="other" checked' in body, "the chosen relation is kept"
    journey.answer("relation", {"relation": "other",
                                "legal_interest": "Ich bin Erbin und brauche die Urkunde für "
                                                  "den Erbschein."})
    assert journey.step_id == "person"


def test_too_many_copies_and_a_future_birth_date_are_refused(client: Client,
                                                            catalog: None) -> None:
    journey = Journey(client, "geburtsurkunde").start()
    journey.answer("birth_place", {"born_in_town": "yes"})
    journey.answer("relation", {"relation": "self"})
    future = {**PERSON, "birth_date": "2999-01-01"}
    response = journey.post(future)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#birth_date"' in body
    assert 'value="Mia Sophie"' in body, "what was typed is kept"
    journey.answer("person", PERSON)
    response = journey.post({"certificate_kind": "standard", "purpose": "pension",
                             "copies": "11"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#copies"' in body
    assert 'value="11"' in body
