"""The receipt PDF as a citizen prints it: whole rows, a shortened IBAN, unambiguous dates."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from rathaus.applications.models import Submission
from rathaus.applications.receipts import render_receipt
from rathaus.catalog.loader import LoadedService
from rathaus.catalog.models import Service
from rathaus.catalog.services import publish_service
from rathaus.forms.schema import ServiceDef
from rathaus.staff.tests.factories import sign_in_verified, staff_user

from .hund import start

pytestmark = pytest.mark.django_db

FULL_IBAN = "DE89 3704 0044 0532 0130 00"
MASKED_IBAN = "DE89 **** **** **** **30 00"
QUESTIONS = 24


def _text(value: str) -> dict[str, str]:
    return {"de": value, "en": value}


def _question(number: int) -> str:
    # Two lines in the label column, one in the answer's: the dog registration's
    # "Ist der Hund als gefährlich eingestuft (§ 7 NHundG)?" / "Nein".
    return (f"Q{number:02d}BEGIN Is the dog classified as dangerous under the state law "
            f"Q{number:02d}END")


LONG_FORM: dict[str, Any] = {
    "slug": "test-many-questions",
    "title": _text("Many questions"),
    "summary": _text("Test service with many questions."),
    "description": _text("Test service with many questions."),
    "department": "steueramt",
    "category": "steuern-und-abgaben",
    "who_may_apply": _text("Anyone."),
    "fees": _text("None."),
    "processing_time": _text("A day."),
    "channels": ["form"],
    "form": {"steps": [{"id": "questions", "title": _text("Questions"), "fields": [
        {"id": "spacer", "type": "long_text", "label": _text("Spacer")},
        *({"id": f"q{number:02d}", "type": "long_text", "label": _text(_question(number))}
          for number in range(1, QUESTIONS + 1))]}]},
}


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def page_of(texts: list[str], marker: str) -> int:
    [found] = [index for index, text in enumerate(texts) if marker in text]
    return found


def test_a_question_and_its_answer_are_never_split_across_pages(hund_catalog: None) -> None:
    spec = ServiceDef.model_validate(LONG_FORM)
    publish_service(loaded=LoadedService(spec=spec, data=LONG_FORM, path=Path("long.yaml")))
    service = Service.objects.select_related("current_version", "department").get(
        slug="test-many-questions")
    assert service.current_version is not None
    # A first answer one line longer each time moves the page end through the rows after it,
    # line by line. Without "break-inside: avoid" on the rows, the label of the row at the
    # page end went to the next page while its answer stayed (spacer of 2 and 5 lines).
    for spacer in range(1, 7):
        answers = {f"q{number:02d}": f"A{number:02d}BEGIN No A{number:02d}END"
                   for number in range(1, QUESTIONS + 1)}
        answers["spacer"] = "\n".join(["Spacer line"] * spacer)
        submission = Submission.objects.create(
            draft_key=uuid.uuid4(), service=service, service_version=service.current_version,
            department=service.department, language="en", answers=answers)

        texts = pages(render_receipt(submission=submission))

        assert len(texts) >= 2, "a page end among the rows"
        split = [number for number in range(1, QUESTIONS + 1)
                 if len({page_of(texts, f"{kind}{number:02d}{end}")
                         for kind in "QA" for end in ("BEGIN", "END")}) > 1]
        assert split == [], f"spacer {spacer}: questions split across a page end: {split}"


def _received_at_17_19(submission: Submission) -> Submission:
    moment = timezone.make_aware(dt.datetime(2026, 5, 17, 17, 19))
    Submission.objects.filter(pk=submission.pk).update(submitted_at=moment)
    submission.refresh_from_db()
    return submission


def test_the_e_mailed_receipt_shows_the_iban_shortened_the_clerk_in_full(
    client: Client, hund_catalog: None, django_capture_on_commit_callbacks: Any,
    read_pdf: Any,
) -> None:
    journey = start(client)
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    [confirmation] = mail.outbox
    [(_name, attached, _type)] = confirmation.attachments
    text = read_pdf(attached)
    assert MASKED_IBAN in text
    assert "3704 0044" not in text
    assert "0532" not in text
    downloaded = read_pdf(journey.receipt(submission))
    assert MASKED_IBAN in downloaded, "the download is the same document"
    assert "Erika Mustermann" in text, "the holder is still named"

    clerk = Client()
    sign_in_verified(clerk, staff_user(clerk_of=(submission.department.slug,)))
    inbox = clerk.get(f"/en/staff/submissions/{submission.reference}/")
    assert inbox.status_code == 200
    assert FULL_IBAN in inbox.content.decode()


def test_english_receipts_use_unambiguous_dates_and_the_24_hour_clock(
    client: Client, hund_catalog: None, read_pdf: Any,
) -> None:
    journey = start(client)  # in English; the owner was born on 3 February 1980
    submission = _received_at_17_19(journey.submit())

    text = read_pdf(render_receipt(submission=submission))

    assert "17 May 2026, 17:19" in text
    assert "3 Feb 1980" in text
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", text)
    assert "p.m." not in text
    assert "a.m." not in text


def test_german_receipts_keep_german_dates(hund_catalog: None, read_pdf: Any) -> None:
    client = Client()
    journey = start(client)
    submission = journey.submit()
    Submission.objects.filter(pk=submission.pk).update(language="de")
    submission = _received_at_17_19(submission)

    text = read_pdf(render_receipt(submission=submission))

    assert "17. Mai 2026 17:19" in text
    assert "03.02.1980" in text
