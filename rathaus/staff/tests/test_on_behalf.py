"""A clerk files an application for a caller or visitor with the citizen's form (staff area)."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from pypdf import PdfReader

from rathaus.applications.models import Draft, Submission
from rathaus.applications.tests.hund import DOGS, OWNER, SIMPLE_STEPS
from rathaus.applications.tests.journey import sign_in as citizen_level
from rathaus.applications.tests.test_service_meldebescheinigung import APPLICANT
from rathaus.audit.models import Action, AuditEvent
from rathaus.cases.models import Case, CaseEvent, EventKind
from rathaus.identity.levels import TrustLevel

from .conftest import text
from .factories import sign_in_verified, staff_user

START = "/en/staff/on-behalf/"
# The certificate of registration needs BundID at "substantial" online.
CERTIFICATE_STEPS = [
    ("certificate", {"certificate_type": "simple", "for_whom": "self"}),
    ("applicant", APPLICANT),
    ("delivery", {"delivery_method": "post", "applicant_email": ""}),
]


def plain(response: Any) -> str:
    return html.unescape(text(response))


def signed_in(user: User) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


@dataclass
class Filing:
    """A clerk's way through a service in the staff area: choose, steps, check, file."""

    client: Client
    slug: str
    channel: str = "counter"
    url: str = ""
    history: list[str] = field(default_factory=list)

    def start(self) -> Filing:
        response = self.client.post(START, {"service": self.slug, "channel": self.channel})
        assert response.status_code == 302, plain(response)[:600]
        self.url = response["Location"]
        return self

    @property
    def draft_id(self) -> str:
        return self.url.split("/on-behalf/")[1].split("/")[0]

    def answer(self, step_id: str, data: dict[str, str]) -> None:
        assert self.url.rstrip("/").endswith(f"/{step_id}"), f"at {self.url}, not {step_id}"
        response = self.client.post(self.url, {**data, "action": "continue"})
        assert response.status_code == 302, plain(response)[:800]
        self.url = response["Location"]

    def check_url(self) -> str:
        return f"/en/staff/on-behalf/{self.draft_id}/check/"


def dog_owner_without_email() -> dict[str, str]:
    return {**OWNER, "owner_email": ""}


@pytest.fixture
def clerk(catalog: None) -> User:
    user = staff_user("steuer", clerk_of=("steueramt",))
    user.first_name, user.last_name = "Sabine", "Steuer"
    user.save()
    return user


@pytest.mark.django_db
def test_a_clerk_files_a_dog_registration_at_the_counter(
        clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    client = signed_in(clerk)
    choice = client.get(START)
    assert "Hund" in plain(choice) or "dog" in plain(choice).lower()
    assert "Register a dog for dog tax" in plain(choice)
    assert "Meldebescheinigung" not in plain(choice)  # not a service of the tax office

    filing = Filing(client, "hund-anmelden").start()
    page = client.get(filing.url)
    shown = plain(page)
    assert "About the dog keeper" in shown
    assert "Save and continue later" not in shown  # the clerk finishes at the counter
    assert "E-mail address (optional)" in shown
    draft = Draft.objects.get(pk=filing.draft_id)
    assert (draft.filed_by_id, draft.channel, draft.citizen_id) == (clerk.pk, "counter", None)

    for step_id, data in SIMPLE_STEPS:
        filing.answer(step_id, data)
    assert filing.url == filing.check_url()
    check = client.get(filing.url)
    assert "You file this application at the counter on the applicant’s behalf." in plain(check)
    assert "erika@example.org" in plain(check)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(filing.url, {"identity_checked": "yes"})
    assert response.status_code == 302
    done = client.get(response["Location"])
    submission = Submission.objects.get()
    assert submission.reference in plain(done)
    assert "Print receipt (PDF)" in plain(done)
    assert "The confirmation with the status link goes to erika@example.org." in plain(done)

    assert (submission.citizen_id, submission.channel, submission.filed_by_id,
            submission.filed_by_name) == (None, "counter", clerk.pk, "Sabine Steuer")
    assert submission.verified_fields["owner_name"]["source"] == "counter"
    case = Case.objects.get(submission=submission)
    assert case.channel == "counter"
    opened = CaseEvent.objects.get(case=case, kind=EventKind.OPENED)
    assert (opened.actor_id, opened.actor_label) == (clerk.pk, "Sabine Steuer")
    event = AuditEvent.objects.get(action=Action.FILED_ON_BEHALF)
    assert (event.actor_id, event.object_id) == (clerk.pk, submission.reference)
    assert [message.to for message in mail.outbox] == [["erika@example.org"]]
    assert "/status/" in mail.outbox[0].body

    receipt = client.get(f"/en/staff/on-behalf/filed/{submission.reference}/receipt.pdf")
    assert receipt["Content-Type"] == "application/pdf"
    pdf = " ".join((page_.extract_text() or "")
                   for page_ in PdfReader(io.BytesIO(receipt.content)).pages)
    pdf = re.sub(r"\s+", " ", pdf)
    assert "Filed at the counter by" in pdf
    assert "on the applicant’s behalf" in pdf or "on the applicant's behalf" in pdf
    assert "checked at the counter" in pdf
    assert "verified by BundID" not in pdf

    case_page = plain(client.get(f"/en/staff/submissions/{submission.reference}/"))
    assert "Checked at the counter by Sabine Steuer" in case_page
    assert "Verified by BundID" not in case_page
    assert "Sabine Steuer: Application filed on the applicant’s behalf (at the counter)" in (
        case_page)


@pytest.mark.django_db
def test_without_an_e_mail_address_no_confirmation_is_sent(
        clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    client = signed_in(clerk)
    filing = Filing(client, "hund-anmelden", channel="phone").start()
    filing.answer("owner", dog_owner_without_email())
    for step_id, data in SIMPLE_STEPS[1:]:
        filing.answer(step_id, data)
    check = plain(client.get(filing.url))
    assert "You file this application by phone on the applicant’s behalf." in check
    assert "No e-mail address was given" in check
    assert "I have checked the applicant’s identity" not in check  # nobody shows an ID by phone
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(filing.url)
    submission = Submission.objects.get()
    assert mail.outbox == []  # no address, no confirmation
    assert (submission.email, submission.channel, submission.verified_fields) == ("", "phone", {})
    assert Case.objects.get(submission=submission).channel == "phone"
    done = plain(client.get(response["Location"]))
    assert "No e-mail address was given: give the applicant the printed receipt" in done


@pytest.mark.django_db
def test_by_phone_a_service_with_a_trust_level_is_refused_with_the_reason(
        catalog: None) -> None:
    clerk = staff_user("buero", clerk_of=("buergerbuero",))
    client = signed_in(clerk)
    response = client.post(START, {"service": "meldebescheinigung", "channel": "phone"})
    assert response.status_code == 400
    shown = plain(response)
    assert "By phone nobody can show their ID card: the caller must come to the counter" in shown
    assert "or apply online with BundID" in shown
    assert 'value="meldebescheinigung" checked' in response.content.decode()  # choice kept
    assert 'value="phone" checked' in response.content.decode()
    assert Draft.objects.count() == 0


@pytest.mark.django_db
def test_at_the_counter_the_id_check_is_required_for_a_service_with_a_trust_level(
        catalog: None) -> None:
    clerk = staff_user("buero", clerk_of=("buergerbuero",))
    client = signed_in(clerk)
    response = client.post(START, {"service": "meldebescheinigung", "channel": "counter"})
    assert response.status_code == 302
    step = plain(client.get(response["Location"]))
    assert "verified" not in step.lower()  # no BundID prefill or marks
    draft = Draft.objects.get()
    url = response["Location"]
    for step_id, data in CERTIFICATE_STEPS:
        assert url.rstrip("/").endswith(step_id), url
        answered = client.post(url, {**data, "action": "continue"})
        assert answered.status_code == 302, plain(answered)[:800]
        url = answered["Location"]
    refused = client.post(url)
    assert refused.status_code == 400
    shown = plain(refused)
    assert "Confirm that you checked the applicant’s identity with their ID card or passport." in (
        shown)
    assert 'href="#identity_checked"' in refused.content.decode()
    assert 'aria-invalid="true"' in refused.content.decode()
    assert Submission.objects.count() == 0
    assert Draft.objects.filter(pk=draft.pk).exists()
    filed = client.post(url, {"identity_checked": "yes"})
    assert filed.status_code == 302
    submission = Submission.objects.get()
    assert submission.trust_level == TrustLevel.SUBSTANTIAL
    assert {entry["source"] for entry in submission.verified_fields.values()} == {"counter"}


@pytest.mark.django_db
def test_a_clerk_of_another_department_is_refused(clerk: User) -> None:
    other = staff_user("buero", clerk_of=("buergerbuero",))
    client = signed_in(other)
    refused = client.post(START, {"service": "hund-anmelden", "channel": "counter"})
    assert refused.status_code == 400
    assert "Choose the service to apply for." in plain(refused)
    assert Draft.objects.count() == 0
    # Nor does a draft of the tax office open for them.
    filing = Filing(signed_in(clerk), "hund-anmelden").start()
    assert client.get(f"/en/staff/on-behalf/{filing.draft_id}/owner/").status_code == 404
    assert client.get(f"/en/staff/on-behalf/{filing.draft_id}/check/").status_code == 404


@pytest.mark.django_db
def test_the_clerks_draft_does_not_open_for_a_citizen_nor_without_staff_sign_in(
        clerk: User) -> None:
    client = signed_in(clerk)
    citizen_level(client, TrustLevel.HIGH)  # a citizen signed in, in the same browser
    filing = Filing(client, "hund-anmelden").start()
    citizen = Client()
    citizen_level(citizen, TrustLevel.HIGH)
    assert citizen.get(f"/en/apply/{filing.draft_id}/owner/").status_code == 404
    # The citizen's pages do not open it even in the clerk's own browser.
    assert client.get(f"/en/apply/{filing.draft_id}/owner/").status_code == 404
    assert client.post(f"/en/apply/{filing.draft_id}/check/").status_code == 404
    anonymous = Client().get(f"/en/staff/on-behalf/{filing.draft_id}/owner/")
    assert anonymous.status_code == 302
    assert "/en/staff/login/" in anonymous["Location"]
    assert Client().get(START)["Location"].startswith("/en/staff/login/")
    # Filed by the clerk with a citizen signed in alongside: the submission is nobody's.
    for step_id, data in SIMPLE_STEPS:
        filing.answer(step_id, data)
    client.post(filing.url)
    assert Submission.objects.get().citizen_id is None


@pytest.mark.django_db
def test_errors_re_render_the_step_with_what_was_typed(clerk: User) -> None:
    client = signed_in(clerk)
    filing = Filing(client, "hund-anmelden").start()
    response = client.post(filing.url, {**OWNER, "owner_birth_date": "31.02.1980",
                                        "action": "continue"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert 'value="Mustermann"' in body
    assert 'value="Lindenallee"' in body
    assert "/staff/" in response.request["PATH_INFO"]
    # "Add another dog" without JavaScript: a plain submit button, re-rendered in the staff area.
    filing.answer("owner", OWNER)
    filing.answer("keeping", {"commercial": "no", "moved_here": "no"})
    added = client.post(filing.url, {**DOGS, "action": "add:dogs"})
    assert added.status_code == 200
    assert 'name="dogs-1-dog_name"' in added.content.decode()
    assert 'value="Bello"' in added.content.decode()


@pytest.mark.django_db
def test_the_start_page_asks_for_service_and_channel(clerk: User) -> None:
    client = signed_in(clerk)
    response = client.post(START, {})
    assert response.status_code == 400
    shown = plain(response)
    assert "Choose the service to apply for." in shown
    assert "Choose whether the applicant is at the counter or on the phone." in shown
    home = plain(client.get("/en/staff/"))
    assert "New application on behalf" in home
    assert "New application on behalf" in plain(client.get("/en/staff/submissions/"))


@pytest.mark.django_db
def test_an_exit_page_shows_in_the_staff_area(clerk: User) -> None:
    client = signed_in(clerk)
    filing = Filing(client, "hund-anmelden").start()
    filing.answer("owner", OWNER)
    filing.answer("keeping", {"commercial": "yes", "moved_here": "no"})
    assert filing.url == f"/en/staff/on-behalf/{filing.draft_id}/keeping/stop/"
    page = client.get(filing.url)
    assert "Please contact the tax office" in plain(page)
    body = page.content.decode()
    assert f'href="/en/staff/on-behalf/{filing.draft_id}/keeping/"' in body
    assert 'href="/en/staff/on-behalf/"' in body


@pytest.mark.django_db
def test_filing_twice_gives_the_one_submission(clerk: User) -> None:
    client = signed_in(clerk)
    filing = Filing(client, "hund-anmelden").start()
    for step_id, data in SIMPLE_STEPS:
        filing.answer(step_id, data)
    first = client.post(filing.url)
    second = client.post(filing.url)  # a double click
    assert first["Location"] == second["Location"]
    assert Submission.objects.count() == 1
    assert AuditEvent.objects.filter(action=Action.FILED_ON_BEHALF).count() == 1
    # Another clerk of the department does not get the confirmation or the receipt.
    colleague = signed_in(staff_user("kollege", clerk_of=("steueramt",)))
    reference = Submission.objects.get().reference
    assert colleague.get(f"/en/staff/on-behalf/filed/{reference}/").status_code == 404
    assert colleague.get(f"/en/staff/on-behalf/filed/{reference}/receipt.pdf").status_code == 404
