"""An e-mail backend that keeps messages in a local outbox readable in the browser."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from .models import OutboxMessage


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            OutboxMessage.objects.create(
                sender=str(message.from_email),
                recipients=list(message.recipients()),
                subject=str(message.subject),
                body=str(message.body),
                raw=message.message().as_bytes(),
            )
        return len(email_messages)
