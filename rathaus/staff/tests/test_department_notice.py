"""A new application is announced to its department by e-mail, without any of its content."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.applications.tests.hund import answer_simply
from rathaus.applications.tests.journey import Journey
from rathaus.catalog.models import Department

from .conftest import text
from .factories import PASSWORD, app_of, code_for, staff_user

pytestmark = pytest.mark.django_db

INBOX = "posteingang-steuern@musterstadt.example"


def submit_dog(capture: Any, *, execute: bool = True) -> tuple[Submission, list[Any]]:
    """Submit a dog registration in English; return it and the after-commit callbacks."""
    journey = Journey(Client(), "hund-anmelden", language="en").start()
    answer_simply(journey)
    with capture(execute=execute) as callbacks:
        submission = journey.submit()
    return submission, callbacks


def answer_texts(values: Any) -> Iterator[str]:
    if isinstance(values, dict):
        for value in values.values():
            yield from answer_texts(value)
    elif isinstance(values, list):
        for value in values:
            yield from answer_texts(value)
    elif isinstance(values, str) and len(values) >= 4 and values != "Musterstadt":
        yield values  # the town's own name is in every signature


def notices() -> list[Any]:
    return [message for message in mail.outbox if message.to == [INBOX]]


def test_a_new_application_sends_one_notice_without_personal_data(
        catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    Department.objects.filter(slug="steueramt").update(notify_email=INBOX)

    submission, callbacks = submit_dog(django_capture_on_commit_callbacks, execute=False)
    assert notices() == [], "nothing is sent before the submission is committed"
    for callback in callbacks:
        callback()

    [notice] = notices()
    assert notice.subject == f"Neuer Antrag: Hund zur Hundesteuer anmelden ({submission.reference})"
    assert ("im Fachbereich Steueramt ist ein neuer Antrag „Hund zur Hundesteuer anmelden“ "
            "eingegangen") in notice.body
    assert f"Vorgangsnummer: {submission.reference}" in notice.body
    assert (f"http://127.0.0.1:8000/de/staff/submissions/{submission.reference}/"
            in notice.body)
    assert notice.attachments == []
    everything = f"{notice.subject}\n{notice.body}"
    for personal in ("Erika", "Mustermann", "Lindenallee", "erika@example.org", "05121",
                     "Bello", *answer_texts(submission.answers)):
        assert personal not in everything
    assert sorted(message.to[0] for message in mail.outbox) == ["erika@example.org", INBOX]


def test_no_notice_without_a_department_address(
        catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    assert Department.objects.get(slug="steueramt").notify_email == ""

    submit_dog(django_capture_on_commit_callbacks)

    assert [message.to for message in mail.outbox] == [["erika@example.org"]]


def test_the_link_in_the_notice_opens_the_application_after_the_staff_sign_in(
        client: Client, catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    Department.objects.filter(slug="steueramt").update(notify_email=INBOX)
    submission, _callbacks = submit_dog(django_capture_on_commit_callbacks)
    [notice] = notices()
    found = re.search(r"http://127\.0\.0\.1:8000(/\S+)", notice.body)
    assert found, notice.body
    link = found.group(1)
    clerk = staff_user("steuer", clerk_of=("steueramt",))

    signed_out = client.get(link)
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith("/de/staff/login/?next=")
    client.post(signed_out["Location"], {"username": "steuer", "password": PASSWORD,
                                         "next": link})
    signed_in = client.post("/de/staff/login/code/", {"code": code_for(app_of(clerk))})
    assert signed_in["Location"] == link

    page = client.get(link)
    assert page.status_code == 200
    assert submission.reference in text(page)
    assert "Bello" in text(page), "the answers are in the inbox, not in the e-mail"
