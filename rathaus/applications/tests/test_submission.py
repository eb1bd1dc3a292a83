"""Submitting: exactly once, with a reference to read out, reachable only by its owner."""

from __future__ import annotations

import copy
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications import services
from rathaus.applications.models import Draft, Submission
from rathaus.catalog.loader import LoadedService
from rathaus.catalog.models import Service
from rathaus.catalog.services import publish_service
from rathaus.core.references import REFERENCE_ALPHABET
from rathaus.forms.schema import ServiceDef

from .hund import (
    OWNER,
    check_url,
    draft_of,
    message,
    start,
    step_url,
)
from .journey import Journey
from .nachweis import DEFINITION

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def without_links(body: str) -> str:
    """The page without its links (the language switcher repeats the address asked for)."""
    return re.sub(r'href="[^"]*"', "", body)


def confirmation_url(reference: str) -> str:
    return f"/en/submitted/{reference}/"


def test_posting_the_check_page_twice_submits_once(client: Client, hund_catalog: None,
                                                   django_capture_on_commit_callbacks: Any) -> None:
    journey = start(client)
    url = check_url(journey)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url)
        second = client.post(url)

    assert first.status_code == second.status_code == 302
    submission = Submission.objects.get()
    assert first["Location"] == second["Location"] == confirmation_url(submission.reference)
    assert len(mail.outbox) == 1, "one confirmation e-mail"
    assert not Draft.objects.exists()
    page = client.get(second["Location"])
    assert page.status_code == 200
    assert submission.reference in page.content.decode()


def test_submitting_the_same_draft_twice_returns_the_first_submission(
    client: Client, hund_catalog: None
) -> None:
    journey = start(client)
    draft_id = str(draft_of(journey).pk)

    first = services.submit_draft(draft_id=draft_id)
    second = services.submit_draft(draft_id=draft_id)

    assert first.pk == second.pk
    assert first.reference == second.reference
    assert Submission.objects.count() == 1
    # The browser that still shows the check page lands on the same confirmation.
    response = client.post(check_url(journey))
    assert response.status_code == 302
    assert response["Location"] == confirmation_url(first.reference)


def test_an_incomplete_draft_cannot_be_submitted(client: Client, hund_catalog: None) -> None:
    journey = start(client, until="payment")

    response = client.post(check_url(journey))

    assert response.status_code == 302
    assert response["Location"] == step_url(journey, "payment") + "?return=check"
    assert not Submission.objects.exists()
    with pytest.raises(services.ApplicationIncomplete) as raised:
        services.submit_draft(draft_id=str(draft_of(journey).pk))
    assert raised.value.step.id == "payment"
    assert not Submission.objects.exists()


def test_references_are_readable_distinct_and_not_sequential(client: Client,
                                                             hund_catalog: None) -> None:
    template = draft_of(start(client))
    references = []
    for _ in range(50):
        draft = Draft.objects.create(service_version=template.service_version,
                                     answers=template.answers,
                                     completed_steps=template.completed_steps)
        references.append(services.submit_draft(draft_id=str(draft.pk)).reference)

    assert all(REFERENCE.match(reference) for reference in references), references
    assert len(set(references)) == 50

    def number(reference: str) -> int:
        value = 0
        for char in reference.replace("-", ""):
            value = value * len(REFERENCE_ALPHABET) + REFERENCE_ALPHABET.index(char)
        return value

    numbers = [number(reference) for reference in references]
    steps = [later - earlier for earlier, later in itertools.pairwise(numbers)]
    assert not all(step > 0 for step in steps), "references do not count upwards"
    assert all(abs(step) > 1000 for step in steps), "a reference does not reveal the next one"


def test_answers_are_frozen_with_the_definition_version(client: Client, nachweis: Any) -> None:
    journey = Journey(client, "test-nachweis", language="en").start()
    journey.answer("about", {"applicant": "Erika", "email": "erika@example.org",
                             "has_proof": "no"})
    journey.answer("finish", {"confirm": "yes"})
    submission = journey.submit()
    version = submission.service_version
    changed = copy.deepcopy(DEFINITION)
    changed["form"]["steps"][0]["fields"][0]["label"] = {"de": "Name", "en": "Full name"}
    publish_service(loaded=LoadedService(spec=ServiceDef.model_validate(changed), data=changed,
                                         path=Path("test-nachweis.yaml")))

    service = Service.objects.get(slug="test-nachweis")
    assert service.current_version is not None
    assert service.current_version.number == version.number + 1
    submission.refresh_from_db()
    assert submission.service_version_id == version.pk
    assert submission.answers == {"applicant": "Erika", "email": "erika@example.org",
                                  "has_proof": False, "confirm": True}
    applicant = submission.service_version.spec.form.field("applicant")  # type: ignore[union-attr]
    assert applicant.label is not None
    assert applicant.label.en == "Applicant", "the submission keeps the wording it answered"
    assert submission.email == "erika@example.org"


def test_the_status_link_from_the_e_mail_shows_status_and_receipt(
    client: Client, hund_catalog: None, django_capture_on_commit_callbacks: Any, read_pdf: Any
) -> None:
    journey = start(client)
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()
    [confirmation] = mail.outbox
    assert confirmation.to == [OWNER["owner_email"]]
    found = re.search(r"https?://\S+?(/[a-z]{2}/status/[^/\s]+/)", str(confirmation.body))
    assert found, confirmation.body
    status_path = found.group(1)
    assert status_path in client.get(confirmation_url(submission.reference)).content.decode()

    anyone = Client()
    page = anyone.get(status_path)

    assert page.status_code == 200
    body = page.content.decode()
    assert submission.reference in body
    assert submission.get_status_display() in body
    assert "Lindenallee" not in body, "the status page shows no answers"
    receipt = anyone.get(f"{status_path}receipt.pdf")
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    text = read_pdf(receipt.content)
    assert submission.reference in text
    assert "Bello" in text


def test_a_tampered_status_link_is_not_valid(client: Client, hund_catalog: None) -> None:
    journey = start(client)
    submission = journey.submit()
    from rathaus.applications import links

    token = links.status_token(submission)
    resume_token = links.resume_url(Draft(pk=submission.draft_key)).rstrip("/").split("/")[-1]
    forged = [
        token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"),
        token.replace(submission.reference, "ABCD-EFGH"),
        "garbage",
        resume_token,
    ]

    for bad in forged:
        for url in (f"/en/status/{bad}/", f"/en/status/{bad}/receipt.pdf"):
            response = Client().get(url)
            assert response.status_code == 404, url
            body = response.content.decode()
            assert message("This link is not valid") in body
            assert submission.reference not in without_links(body)


def test_confirmation_and_receipt_are_private_to_the_browser(client: Client,
                                                             hund_catalog: None) -> None:
    journey = start(client)
    submission = journey.submit()
    stranger = Client()

    for url in (confirmation_url(submission.reference),
                f"{confirmation_url(submission.reference)}receipt.pdf"):
        response = stranger.get(url)
        assert response.status_code == 404, url
        assert submission.reference not in without_links(response.content.decode())
        assert response["Content-Type"].startswith("text/html")
    again = stranger.post(check_url(journey))
    assert again.status_code == 404
    assert submission.reference not in without_links(again.content.decode())
    assert client.get(confirmation_url(submission.reference)).status_code == 200


def test_the_submitted_draft_is_gone_for_its_own_browser_too(client: Client,
                                                             hund_catalog: None) -> None:
    journey = start(client)
    journey.submit()

    response = client.post(step_url(journey, "owner"), {**OWNER, "action": "continue"})

    assert response.status_code == 404
    assert message("Application not found") in response.content.decode()
    assert Submission.objects.get().answers["owner_email"] == OWNER["owner_email"]
