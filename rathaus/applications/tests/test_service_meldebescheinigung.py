"""A signed-in citizen applies for a certificate of registration, with or without family."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Draft, Submission
from rathaus.identity.levels import TrustLevel
from rathaus.identity.testing import ERIKA, sign_in_client

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


# -- signed in with BundID: the applicant's details arrive verified (once-only) ---------------

ERIKA_NAME = {"given_names": "Erika", "family_name": "Mustermann"}
ERIKA_ADDRESS = {"street": "Heidestraße", "number": "17", "postcode": "31000",
                 "city": "Musterstadt"}
# Erika as BundID knows her after moving to the town (a Meldebescheinigung needs that).
ERIKA_HERE = {**ERIKA, "postal_code": "31000", "city": "Musterstadt"}
ERIKA_APPLICANT = {
    "applicant_name-given_names": "Erika", "applicant_name-family_name": "Mustermann",
    "applicant_birth_date": "1964-08-12",
    "applicant_address-street": "Heidestraße", "applicant_address-number": "17",
    "applicant_address-postcode": "31000", "applicant_address-city": "Musterstadt",
}
VERIFIED_IDS = ("applicant_name", "applicant_birth_date", "applicant_address")


def input_tag(body: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', body)
    assert found is not None, f"no input {name!r}"
    return found[0]


def test_signed_in_with_the_id_card_the_details_arrive_verified(
    client: Client, catalog: None, read_pdf: Any, django_capture_on_commit_callbacks: Any
) -> None:
    citizen = sign_in_client(client, level=TrustLevel.HIGH, attributes=ERIKA_HERE)
    journey = Journey(client, SLUG, language="en").start()
    journey.answer("certificate", {"certificate_type": "simple", "for_whom": "self"})
    assert journey.step_id == "applicant"

    body = journey.page()
    for name, value in ERIKA_APPLICANT.items():
        tag = input_tag(body, name)
        assert f'value="{value}"' in tag, name
        assert " readonly" in tag, name
        assert "disabled" not in tag, f"{name} is read-only, not disabled: it is sent and read"
        field_id = name.split("-")[0]
        assert f'aria-describedby="{field_id}-verified' in tag, "the note is linked"
    for field_id in VERIFIED_IDS:
        note = re.search(rf'<div class="verified-note" id="{field_id}-verified">(.*?)</div>',
                         body, re.S)
        assert note is not None
        assert "Verified by BundID" in note[1]
        assert "Taken from your online ID card." in note[1]
        assert "It cannot be changed here." in note[1]

    # A changed verified value is not taken from the form: refused, the verified one kept.
    tampered = journey.post({**ERIKA_APPLICANT, "applicant_address-street": "Elsewhere",
                             "applicant_name-family_name": "Musterfrau"})
    assert tampered.status_code == 200
    page = tampered.content.decode()
    assert "“Name” was verified by BundID and cannot be changed here." in page
    assert 'href="#applicant_address-street"' in page
    assert 'value="Mustermann"' in input_tag(page, "applicant_name-family_name")
    assert 'value="Heidestraße"' in input_tag(page, "applicant_address-street")
    assert "applicant_name" not in Draft.objects.get().answers

    journey.answer("applicant", ERIKA_APPLICANT)
    journey.answer("delivery", {"delivery_method": "pdf_email",
                                "applicant_email": "erika.mustermann@example.org"})
    check = journey.check_page()
    assert check.count("verified-mark") == 3
    for label in ("Name", "Date of birth", "Current address in the town"):
        row = re.search(rf"<dt[^>]*>{label}</dt>\s*<dd[^>]*>(.*?)</dd>", check, re.S)
        assert row is not None, label
        assert "Verified by BundID" in row[1], label
    purpose = re.search(r"<dt[^>]*>Purpose</dt>\s*<dd[^>]*>(.*?)</dd>", check, re.S)
    assert purpose is None or "Verified" not in purpose[1]

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert submission.citizen == citizen
    assert submission.trust_level == TrustLevel.HIGH
    assert submission.verified_fields == {
        "applicant_name": {"attribute": "name", "level": 4, "source": "bundid"},
        "applicant_birth_date": {"attribute": "birth_date", "level": 4, "source": "bundid"},
        "applicant_address": {"attribute": "address", "level": 4, "source": "bundid"},
    }
    assert submission.answers["applicant_name"] == ERIKA_NAME
    assert submission.answers["applicant_address"] == ERIKA_ADDRESS

    text = read_pdf(journey.receipt(submission))
    assert text.count("verified by BundID") == 4, "three answers and the note"
    assert "Erika Mustermann\nverified by BundID" in text
    assert "at the trust level: high (online ID card)" in " ".join(text.split())


def test_the_german_form_says_verified_in_german(client: Client, catalog: None) -> None:
    sign_in_client(client, level=TrustLevel.SUBSTANTIAL, attributes=ERIKA_HERE)
    journey = Journey(client, SLUG).start()
    journey.answer("certificate", {"certificate_type": "simple", "for_whom": "self"})
    body = journey.page()
    assert body.count("Über BundID bestätigt") == 3
    assert "ELSTER-Zertifikat" in body, "substantial is not the ID card"
    assert "Sie können die Angabe hier nicht ändern." in body


def test_values_typed_into_the_account_are_suggestions_only(client: Client,
                                                            catalog: None) -> None:
    """At level basic a service that needs no sign-in is prefilled, editable and not marked."""
    citizen = sign_in_client(client, level=TrustLevel.BASIC)
    journey = Journey(client, "hund-anmelden", language="en").start()
    assert Draft.objects.get().citizen == citizen
    body = journey.page()
    assert 'value="Erika"' in input_tag(body, "owner_name-given_names")
    assert 'value="1964-08-12"' in input_tag(body, "owner_birth_date")
    assert 'value="Heidestraße"' in input_tag(body, "owner_address-street")
    assert 'value="17"' in input_tag(body, "owner_address-number")
    assert "readonly" not in body
    assert "verified" not in body.lower()

    journey.post({"owner_name-given_names": "Erika", "owner_name-family_name": "Musterfrau",
                  "owner_birth_date": "1964-08-12", "owner_address-street": "Lindenallee",
                  "owner_address-number": "12a", "owner_address-postcode": "31134",
                  "owner_address-city": "Musterstadt", "owner_email": "erika@example.org"})
    answers = Draft.objects.get().answers
    assert answers["owner_name"]["family_name"] == "Musterfrau"
    assert answers["owner_address"]["street"] == "Lindenallee"


def test_a_service_may_let_the_citizen_change_a_verified_address(client: Client,
                                                                 catalog: None) -> None:
    sign_in_client(client, level=TrustLevel.HIGH)
    journey = Journey(client, "hund-abmelden", language="en").start()
    body = journey.page()
    assert " readonly" in input_tag(body, "owner_name-family_name")
    assert " readonly" not in input_tag(body, "owner_address-street")
    assert "If it is no longer correct, you can change it" in body

    moved = {"owner_name-given_names": "Erika", "owner_name-family_name": "Mustermann",
             "owner_address-street": "Am Markt", "owner_address-number": "3a",
             "owner_address-postcode": "31134", "owner_address-city": "Musterstadt",
             "owner_email": "erika@example.org"}
    owner_url = journey.step_url
    journey.answer("owner", moved)
    assert Draft.objects.get().answers["owner_address"]["street"] == "Am Markt"
    again = client.get(owner_url).content.decode()
    assert 'id="owner_address-verified"' not in again, "a changed value is not marked"
    assert 'id="owner_name-verified"' in again


# -- residence: a Meldebescheinigung is for people registered in the town -------------------


def test_a_typed_address_outside_the_town_is_refused_with_whom_to_ask(client: Client,
                                                                     catalog: None) -> None:
    sign_in(client, 3)  # a level without identity data: everything is typed
    journey = Journey(client, SLUG).start()
    journey.answer("certificate", {"certificate_type": "simple", "for_whom": "self"})
    hannover = {**APPLICANT, "applicant_address-street": "Lister Meile",
                "applicant_address-number": "4", "applicant_address-postcode": "30161",
                "applicant_address-city": "Hannover"}
    response = journey.post(hannover)
    assert response.status_code == 200
    body = response.content.decode()
    assert ("„Derzeitige Anschrift in der Stadt“ muss eine Anschrift in Musterstadt sein; "
            "diese Postleitzahl gehört nicht zu Musterstadt.") in body
    assert "stellt die Meldebehörde Ihres Wohnorts aus" in body
    assert 'href="#applicant_address-postcode"' in body
    assert 'value="Lister Meile"' in body, "what was typed is kept"
    assert "applicant_address" not in Draft.objects.get().answers
    journey.answer("applicant", APPLICANT)


def test_a_verified_address_outside_the_town_stops_at_the_first_step(client: Client,
                                                                     catalog: None) -> None:
    sign_in_client(client, level=TrustLevel.HIGH)  # Erika, whose ID card says Köln
    journey = Journey(client, SLUG, language="en").start()
    assert journey.step_id == "certificate"
    body = journey.page()
    assert "<h1 class=\"kern-heading-large\">Your address is not in Musterstadt</h1>" in body
    assert "Heidestraße 17, 51147 Köln" in body
    assert "issued by the registration office of the place where you live" in body
    assert 'name="certificate_type"' not in body, "nothing is asked that cannot be sent"
    refused = client.post(journey.step_url, {"certificate_type": "simple", "for_whom": "self",
                                             "action": "continue"})
    assert "Your address is not in Musterstadt" in refused.content.decode()
    assert Draft.objects.get().answers == {}
