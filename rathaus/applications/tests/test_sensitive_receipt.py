"""Health data open for the citizen who sent them, not for whoever holds the mailed link."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel
from rathaus.identity.testing import sign_in_client

from .journey import Journey, downloaded

pytestmark = pytest.mark.django_db

SLUG = "schwerbehindertenausweis"
BPK2 = "renate-bpk2"
RENATE = {
    "given_name": "Renate", "family_name": "Wilke", "date_of_birth": "1957-03-30",
    "street_address": "Gartenweg 5", "postal_code": "31134", "city": "Musterstadt",
    "country": "D", "email": "renate.wilke@example.org",
}
APPLICANT = {
    "applicant_name-given_names": "Renate", "applicant_name-family_name": "Wilke",
    "applicant_birth_date": "1957-03-30",
    "applicant_address-street": "Gartenweg", "applicant_address-number": "5",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "applicant_phone": "05121 445566", "applicant_email": "renate.wilke@example.org",
}
HEALTH = {
    "impairments-count": "1",
    "impairments-0-impairment_description": "Arthrose in beiden Kniegelenken",
    "impairments-0-impairment_since": "2019-06-01",
    "impairments-0-impairment_doctor": "Dr. Anna Berg, Marktstraße 4, 31134 Musterstadt",
    "hospital_stays": "no",
}


def renate(client: Client, level: TrustLevel = TrustLevel.HIGH) -> None:
    sign_in_client(client, level=level, bpk2=BPK2, attributes=RENATE)


def apply(client: Client, capture: Any, language: str = "de") -> tuple[Submission, str]:
    """Send the disability-card application signed in; return it and the mailed status path."""
    renate(client)
    journey = Journey(client, SLUG, language=language).start()
    journey.answer("applicant", APPLICANT)
    journey.answer("health", HEALTH)
    journey.answer("marks", {"requested_marks": ["g"]})
    journey.answer("consent", {"confidentiality_release": "yes", "truthful": "yes"})
    with capture(execute=True):
        submission = journey.submit()
    [confirmation] = [item for item in mail.outbox if item.to == [RENATE["email"]]
                      and submission.reference in item.subject]
    found = re.search(r"https?://\S+?(/[a-z]{2}/status/[^/\s]+/)", str(confirmation.body))
    assert found, confirmation.body
    return submission, found.group(1)


def test_the_mailed_link_alone_shows_the_state_only(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    submission, status_path = apply(client, django_capture_on_commit_callbacks)
    assert submission.citizen is not None
    reader = Client()  # whoever reads the e-mail, not signed in

    page = reader.get(status_path)
    body = page.content.decode()
    assert page.status_code == 200
    assert submission.reference in body
    assert "eingegangen" in body, "the state is shown"
    assert "receipt.pdf" not in body
    assert "Dieser Antrag enthält Gesundheitsdaten" in body
    assert "Vertrauensniveau „hoch (Online-Ausweis)“" in body
    assert 'action="/identity/saml/login/"' in body
    assert 'name="level" value="high"' in body
    assert f'name="next" value="{status_path}"' in body
    assert page["Cache-Control"] == "private, no-store"

    receipt = reader.get(f"{status_path}receipt.pdf")
    assert receipt.status_code == 403
    assert receipt["Content-Type"].startswith("text/html")
    assert b"%PDF" not in receipt.content
    assert "Arthrose" not in receipt.content.decode()
    assert "Dieser Antrag enthält Gesundheitsdaten" in receipt.content.decode()

    english = reader.get(status_path.replace("/de/", "/en/", 1)).content.decode()
    assert "This application contains health data" in english
    assert "Sign in with BundID to see the receipt" in english


def test_the_confirmation_mail_says_what_the_link_shows(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    submission, _status_path = apply(client, django_capture_on_commit_callbacks)
    [confirmation] = [item for item in mail.outbox if submission.reference in item.subject]
    assert confirmation.attachments == []
    assert "nur den Stand" in confirmation.body
    assert "Vertrauensniveau „hoch (Online-Ausweis)“" in confirmation.body
    assert "Arthrose" not in confirmation.body


def test_the_owner_signed_in_at_the_services_level_gets_the_receipt(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any, read_pdf: Any
) -> None:
    _submission, status_path = apply(client, django_capture_on_commit_callbacks)
    browser = Client()  # another device, signed in with the Online-Ausweis
    renate(browser, TrustLevel.HIGH)

    body = browser.get(status_path).content.decode()
    assert f"{status_path}receipt.pdf" in body
    assert "Dieser Antrag enthält Gesundheitsdaten" not in body
    receipt = browser.get(f"{status_path}receipt.pdf")
    assert receipt.status_code == 200
    assert "Arthrose in beiden Kniegelenken" in read_pdf(receipt.content)


def test_the_submitting_browser_keeps_the_receipt(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any, read_pdf: Any
) -> None:
    submission, status_path = apply(client, django_capture_on_commit_callbacks)
    client.post("/identity/sign-out/")
    # Signing out ends the session and what it remembers: the sign-in is needed then.
    assert client.get(f"{status_path}receipt.pdf").status_code == 403

    other = Client()
    submission, status_path = apply(other, django_capture_on_commit_callbacks)
    session = other.session
    session["identity_trust_level"] = int(TrustLevel.NONE)  # as if the sign-in had lapsed
    session.save()
    receipt = other.get(f"{status_path}receipt.pdf")
    assert receipt.status_code == 200
    assert "Arthrose" in read_pdf(receipt.content)
    confirmation = other.get(f"/de/submitted/{submission.reference}/").content.decode()
    assert "zeigt nur den Stand" in confirmation


@pytest.mark.parametrize(("level", "bpk2", "says"), [
    (TrustLevel.BASIC, BPK2, "Sie sind mit dem Vertrauensniveau „niedrig"),
    (TrustLevel.HIGH, "someone-else", "Sie sind mit einem anderen Konto angemeldet"),
])
def test_a_lower_sign_in_or_another_person_does_not_open_it(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any,
    level: TrustLevel, bpk2: str, says: str,
) -> None:
    _submission, status_path = apply(client, django_capture_on_commit_callbacks)
    browser = Client()
    sign_in_client(browser, level=level, bpk2=bpk2, attributes=RENATE)

    page = browser.get(status_path).content.decode()
    assert "receipt.pdf" not in page
    assert says in page
    assert browser.get(f"{status_path}receipt.pdf").status_code == 403


def test_mein_rathaus_keeps_health_data_for_the_services_level(
    client: Client, catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    submission, status_path = apply(client, django_capture_on_commit_callbacks)
    browser = Client()
    renate(browser, TrustLevel.BASIC)  # user name and password: not the Online-Ausweis

    listing = browser.get("/de/mein-rathaus/antraege/").content.decode()
    assert submission.reference in listing
    assert "receipt.pdf" not in listing
    assert "enthält Gesundheitsdaten" in listing

    message = submission.messages.get()  # the receipt in the mailbox
    assert browser.get(f"/de/mein-rathaus/postfach/{message.pk}/anhang/").status_code == 403
    shown = browser.get(f"/de/mein-rathaus/postfach/{message.pk}/").content.decode()
    assert "/anhang/" not in shown
    assert "Gesundheitsdaten" in shown

    exported = json.loads(browser.get("/de/mein-rathaus/meine-daten/mein-rathaus.json").content)
    [entry] = exported["applications"]
    assert entry["answers"] is None
    assert "Gesundheitsdaten" in entry["answers_withheld"]
    assert "Arthrose" not in json.dumps(exported, ensure_ascii=False)
    archive = zipfile.ZipFile(io.BytesIO(
        browser.get("/de/mein-rathaus/meine-daten/mein-rathaus.zip").content))
    assert [name for name in archive.namelist() if name.endswith(".pdf")] == []

    renate(browser, TrustLevel.HIGH)  # step up with the Online-Ausweis
    listing = browser.get("/de/mein-rathaus/antraege/").content.decode()
    # The listing signs its own link (a token with its own timestamp): the same status page.
    [receipt_path] = re.findall(r'href="(/de/status/[^"]+/receipt\.pdf)"', listing)
    assert receipt_path.split(":")[0] == status_path.split(":")[0]
    assert browser.get(receipt_path).content.startswith(b"%PDF")
    attachment = browser.get(f"/de/mein-rathaus/postfach/{message.pk}/anhang/")
    assert attachment.status_code == 200
    assert downloaded(attachment).startswith(b"%PDF")
    exported = json.loads(browser.get("/de/mein-rathaus/meine-daten/mein-rathaus.json").content)
    assert exported["applications"][0]["answers"]["impairments"][0][
        "impairment_description"] == "Arthrose in beiden Kniegelenken"
    archive = zipfile.ZipFile(io.BytesIO(
        browser.get("/de/mein-rathaus/meine-daten/mein-rathaus.zip").content))
    assert f"receipts/{submission.reference}.pdf" in archive.namelist()
