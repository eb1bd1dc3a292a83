"""The confirmation travels the production path: task queued in the database after commit,
picked up by the worker, sent over SMTP to a real local mail server."""

from __future__ import annotations

import email
import socket
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from .hund import answer_simply
from .journey import Journey

pytestmark = pytest.mark.django_db(transaction=True)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Any:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_confirmation_is_queued_after_commit_and_sent_by_the_worker_over_smtp(
    client: Client, catalog: None, settings: Any, smtp_server: Any
) -> None:
    inbox, port = smtp_server
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port

    journey = Journey(client, "hund-anmelden").start()
    answer_simply(journey)
    submission = journey.submit()

    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("send_submission_confirmation")
    assert inbox.messages == [], "nothing is sent before the worker runs"

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert len(inbox.messages) == 1
    recipients, raw = inbox.messages[0]
    assert recipients == ["erika@example.org"]
    message = email.message_from_bytes(raw, policy=default_policy)
    assert submission.reference in str(message["Subject"])
    attachments = [part for part in message.walk() if part.get_filename()]
    assert attachments[0].get_content_type() == "application/pdf"
    payload = attachments[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload.startswith(b"%PDF")
