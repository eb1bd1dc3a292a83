"""Two partners register their new GbR; the service needs a sign-in at trust level substantial."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel

from .journey import Journey, sign_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"



def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def holder(index: int, given: str, family: str, **extra: str) -> dict[str, str]:
    data = {
        "holder_name-given_names": given, "holder_name-family_name": family,
        "holder_birth_date": "1988-04-12", "holder_birth_place": "Hannover",
        "holder_nationality": "deutsch",
        "holder_address-street": "Bahnhofstraße", "holder_address-number": "12",
        "holder_address-postcode": "31134", "holder_address-city": "Musterstadt", **extra,
    }
    return {f"holders-{index}-{key}": value for key, value in data.items()}


def applicant(given: str, family: str, **extra: str) -> dict[str, str]:
    """The applicant's own details, typed (without BundID data)."""
    data = holder(0, given, family, **extra)
    return {key.replace("holders-0-holder_", "applicant_"): value for key, value in data.items()}


def fill_until_persons(journey: Journey) -> None:
    journey.answer("profession", {"freelance": "no"})
    journey.answer("kind", {"registration_kind": "new", "previous_owner": "Alter Inhaber"})
    journey.answer("business", {"legal_form": "gbr",
                                "company_name": "Radwerk Musterstadt GbR",
                                "in_trade_register": "no"})
    journey.answer("location", {"business_address-street": "Marktplatz",
                                "business_address-number": "4",
                                "business_address-postcode": "31134",
                                "business_address-city": "Musterstadt",
                                "start_date": in_days(14)})
    journey.answer("activity", {"activity": "Einzelhandel mit Fahrrädern und Zubehör sowie "
                                            "Reparatur von Fahrrädern",
                                "work_scope": "full_time", "employees_full_time": "1",
                                "employees_part_time": "2"})


def test_without_sign_in_the_form_is_refused_with_an_explanation(client: Client,
                                                                  catalog: None) -> None:
    page = client.get("/de/services/gewerbe-anmelden/apply/")
    assert page.status_code == 403
    body = page.content.decode()
    assert "BundID" in body
    assert "Online ersetzt die Anmeldung mit Ihrem BundID-Konto" in body, "the reason is shown"
    assert client.post("/de/services/gewerbe-anmelden/apply/").status_code == 403

    sign_in(client, TrustLevel.BASIC)
    assert client.get("/de/services/gewerbe-anmelden/apply/").status_code == 403


def test_gbr_with_two_partners_and_a_permit(client: Client, catalog: None, read_pdf: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, "gewerbe-anmelden").start()
    fill_until_persons(journey)
    added = journey.post({**applicant("Jana", "Becker"), "holders-count": "1",
                          **holder(0, "Tarek", "Aydın")}, action="add:holders")
    assert added.status_code == 200
    assert 'name="holders-1-holder_name-given_names"' in added.content.decode()
    journey.answer("persons", {**applicant("Jana", "Becker"), "holders-count": "1",
                               **holder(0, "Tarek", "Aydın", holder_nationality="türkisch",
                                        holder_birth_date="1991-11-30")})
    permit = SimpleUploadedFile("handwerkskarte.pdf", PDF, content_type="application/pdf")
    journey.answer("permit", {"permit_required": "yes", "permit_document": permit})
    journey.answer("contact", {"contact_email": "info@radwerk.example", "contact_phone": ""})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Radwerk Musterstadt GbR" in check
    assert "Jana Becker" in check
    assert "Tarek Aydın" in check
    assert "handwerkskarte.pdf" in check
    assert "26,00 €" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "ordnungsamt"
    assert submission.trust_level == TrustLevel.SUBSTANTIAL
    assert submission.fee_total == Decimal("26.00")
    answers = submission.answers
    assert answers["legal_form"] == "gbr"
    assert answers["start_date"] == in_days(14)
    assert answers["employees_full_time"] == 1
    assert answers["employees_part_time"] == 2
    assert answers["applicant_name"]["family_name"] == "Becker"
    assert [h["holder_name"]["family_name"] for h in answers["holders"]] == ["Aydın"]
    assert answers["holders"][0]["holder_nationality"] == "türkisch"
    assert answers["permit_document"]["name"] == "handwerkskarte.pdf"
    assert "previous_owner" not in answers, "only asked when a business is taken over"
    assert "register_court" not in answers
    assert "register_number" not in answers
    assert submission.attachments.count() == 1

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Radwerk Musterstadt GbR" in text
    assert "Tarek Aydın" in text
    assert "Einzelhandel mit Fahrrädern" in text
    assert "26,00" in text

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["info@radwerk.example"]
    assert submission.reference in message.subject
    assert message.attachments[0][2] == "application/pdf"


def test_liberal_profession_stops_with_pointer_to_the_tax_office(client: Client,
                                                                 catalog: None) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, "gewerbe-anmelden").start()
    response = journey.post({"freelance": "yes"})
    assert response.status_code == 302
    assert journey.step_url.endswith("/profession/stop/")
    stop = client.get(journey.step_url).content.decode()
    assert "Freie Berufe melden Sie beim Finanzamt an" in stop
    assert "Mein ELSTER" in stop
    assert client.get(journey.step_url.replace("profession/stop/", "check/")).status_code == 302
    assert not Submission.objects.exists()


def test_register_entry_and_start_date_are_checked(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, "gewerbe-anmelden").start()
    journey.answer("profession", {"freelance": "no"})
    journey.answer("kind", {"registration_kind": "takeover",
                            "previous_owner": "Fahrrad Schmidt e. K."})
    response = journey.post({"legal_form": "gmbh", "company_name": "Radwerk GmbH",
                             "in_trade_register": "yes", "register_court": "",
                             "register_number": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#register_court"' in body
    assert 'href="#register_number"' in body
    assert 'value="Radwerk GmbH"' in body, "what was typed is kept"
    journey.answer("business", {"legal_form": "gmbh", "company_name": "Radwerk GmbH",
                                "in_trade_register": "yes",
                                "register_court": "Amtsgericht Hildesheim",
                                "register_number": "HRB 204711"})
    response = journey.post({"business_address-street": "Marktplatz",
                             "business_address-number": "4",
                             "business_address-postcode": "31134",
                             "business_address-city": "Musterstadt",
                             "start_date": in_days(-45)})
    assert response.status_code == 200
    assert 'href="#start_date"' in response.content.decode()
    assert journey.step_id == "location"


# -- signed in with BundID: the applicant's own details arrive verified and stay so -----------

VERIFIED_APPLICANT = {
    "applicant_name-given_names": "Erika", "applicant_name-family_name": "Mustermann",
    "applicant_birth_date": "1964-08-12", "applicant_birth_place": "Berlin",
    "applicant_nationality": "deutsch",
    "applicant_address-street": "Heidestraße", "applicant_address-number": "17",
    "applicant_address-postcode": "51147", "applicant_address-city": "Köln",
}


def sole_proprietor_until_persons(journey: Journey) -> None:
    journey.answer("profession", {"freelance": "no"})
    journey.answer("kind", {"registration_kind": "new"})
    journey.answer("business", {"legal_form": "sole_proprietor", "company_name": "Radwerk",
                                "in_trade_register": "no"})
    journey.answer("location", {"business_address-street": "Marktplatz",
                                "business_address-number": "4",
                                "business_address-postcode": "31000",
                                "business_address-city": "Musterstadt",
                                "start_date": in_days(14)})
    journey.answer("activity", {"activity": "Fahrradreparatur", "work_scope": "part_time",
                                "employees_full_time": "0", "employees_part_time": "0"})


def test_signed_in_with_bundid_the_holder_is_the_verified_person(
        client: Client, catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    from rathaus.identity.testing import sign_in_client

    sign_in_client(client, level=TrustLevel.HIGH)  # Erika; she may live outside the town
    journey = Journey(client, "gewerbe-anmelden", language="en").start()
    sole_proprietor_until_persons(journey)
    assert journey.step_id == "persons"
    body = journey.page()
    for name in ("applicant_name-family_name", "applicant_birth_date",
                 "applicant_address-city"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', body)
        assert tag is not None, name
        assert " readonly" in tag[0], name
    assert 'value="1964-08-12"' in body
    assert 'name="holders-0-holder_name-given_names"' not in body, "a sole proprietor is alone"

    # A birth date other than the verified one is refused; the verified one is kept.
    response = journey.post({**VERIFIED_APPLICANT, "applicant_birth_date": "1970-01-01"})
    assert response.status_code == 200
    assert ("“Date of birth” was verified by BundID and cannot be changed here."
            in response.content.decode())
    journey.answer("persons", VERIFIED_APPLICANT)
    journey.answer("permit", {"permit_required": "no"})
    journey.answer("contact", {"contact_email": "erika@example.org", "contact_phone": ""})
    journey.answer("declaration", {"truthful": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    assert submission.answers["applicant_birth_date"] == "1964-08-12"
    assert set(submission.verified_fields) == {"applicant_name", "applicant_birth_date",
                                               "applicant_address"}
    assert "holders" not in submission.answers


def test_business_premises_outside_the_town_are_refused(client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    journey = Journey(client, "gewerbe-anmelden").start()
    journey.answer("profession", {"freelance": "no"})
    journey.answer("kind", {"registration_kind": "new"})
    journey.answer("business", {"legal_form": "sole_proprietor", "company_name": "Radwerk",
                                "in_trade_register": "no"})
    response = journey.post({"business_address-street": "Georgstraße",
                             "business_address-number": "1",
                             "business_address-postcode": "30159",
                             "business_address-city": "Hannover", "start_date": in_days(14)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "„Anschrift der Betriebsstätte“ muss eine Anschrift in Musterstadt sein" in body
    assert "bei der Gemeinde an, in der die Betriebsstätte liegt" in body
