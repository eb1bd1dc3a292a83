"""The development-only outbox: read the e-mails the portal would have sent."""

from __future__ import annotations

import email
from email.message import Message
from email.policy import default as default_policy

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import OutboxMessage


def _require_dev_tools() -> None:
    if not settings.RATHAUS_DEV_TOOLS:
        raise Http404


def outbox(request: HttpRequest) -> HttpResponse:
    _require_dev_tools()
    messages = OutboxMessage.objects.only("pk", "subject", "recipients", "created_at")[:200]
    return render(request, "notifications/outbox.html", {"messages": messages})


def _attachments(message: Message) -> list[Message]:
    return [part for part in message.walk() if part.get_filename()]


def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    _require_dev_tools()
    item = get_object_or_404(OutboxMessage, pk=pk)
    parsed = email.message_from_bytes(bytes(item.raw), policy=default_policy)
    attachments = [part.get_filename() for part in _attachments(parsed)]
    return render(request, "notifications/outbox_message.html",
                  {"item": item, "attachments": list(enumerate(attachments))})


def outbox_attachment(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    _require_dev_tools()
    item = get_object_or_404(OutboxMessage, pk=pk)
    parsed = email.message_from_bytes(bytes(item.raw), policy=default_policy)
    parts = _attachments(parsed)
    if index >= len(parts):
        raise Http404
    part = parts[index]
    response = HttpResponse(part.get_payload(decode=True), content_type=part.get_content_type())
    response["Content-Disposition"] = f'attachment; filename="{part.get_filename()}"'
    return response
