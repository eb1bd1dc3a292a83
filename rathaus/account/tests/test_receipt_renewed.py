"""The receipt in Mein Rathaus says "paid" once the fee is paid, like the download does."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from rathaus.account.models import Message, MessageKind
from rathaus.applications.models import Submission
from rathaus.payments.models import Payment
from rathaus.payments.providers.base import Outcome
from rathaus.payments.tests import double
from rathaus.payments.tests.conftest import DOUBLE, SECRET
from rathaus.payments.tests.journeys import birth_certificate

from .factories import signed_in

pytestmark = pytest.mark.django_db


def attachment_text(message: Message, read_pdf: Any) -> str:
    with message.attachment.open("rb") as handle:
        return str(read_pdf(handle.read()))


def test_the_mailbox_copy_of_the_receipt_is_rendered_again_once_paid(
        client: Client, catalog: None, settings: Any, read_pdf: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.RATHAUS_PAYMENT_PROVIDERS = DOUBLE
    double.reset()
    signed_in(client)
    journey = birth_certificate(client, copies=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(journey.step_url, {"payment_method": "double"}).status_code == 302
    submission = Submission.objects.get()
    message = Message.objects.get(submission=submission, kind=MessageKind.RECEIPT)
    before = attachment_text(message, read_pdf)
    assert "not paid yet" in before
    read_at = message.read_at

    attempt = Payment.objects.get().attempts.get()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/payments/notify/double/", double.message(
            SECRET, request_id=attempt.request_id, outcome=Outcome.PAID))
    assert answer.status_code == 200
    message.refresh_from_db()
    after = attachment_text(message, read_pdf)
    assert "paid on" in after
    assert "not paid yet" not in after
    assert submission.reference in after
    assert message.read_at == read_at  # the same message, not a new one
    assert Message.objects.filter(submission=submission).count() == 1
    # The download in Mein Rathaus serves the renewed copy.
    with translation.override("en"):
        download = client.get(reverse("account:attachment", args=[message.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content) if download.streaming else download.content  # type: ignore[attr-defined]
    assert "paid on" in read_pdf(body)
