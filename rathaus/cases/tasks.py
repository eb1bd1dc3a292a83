"""Background work of the cases (the e-mails, sent after commit); thin, idempotent, by id."""

from __future__ import annotations

from django_tasks import task

from .models import CaseMessage


def _message(message_id: int) -> CaseMessage | None:
    return (CaseMessage.objects.select_related("case__submission", "case__assignee",
                                               "case__department")
            .filter(pk=message_id).first())


@task()
def send_message_notice(*, message_id: int) -> None:
    from .emails import send_message_notice as send

    message = _message(message_id)
    if message is not None:
        send(message=message)


@task()
def send_deadline_reminder(*, message_id: int) -> None:
    from .emails import send_deadline_reminder as send

    message = _message(message_id)
    if message is not None:
        send(message=message)


@task()
def send_notice_ready(*, case_notice_id: int) -> None:
    from .emails import send_notice_ready as send
    from .models import CaseNotice

    item = (CaseNotice.objects.select_related("case__submission__service_version")
            .filter(pk=case_notice_id).first())
    if item is not None:
        send(item=item)
