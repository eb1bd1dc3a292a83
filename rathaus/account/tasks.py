"""Background work of Mein Rathaus; thin, by id where there is a row."""

from __future__ import annotations

from django_tasks import task

from .models import Message


@task()
def send_sign_in_link(*, email: str, nonce: str, next_url: str, language: str) -> None:
    from . import emails, links

    # The link is signed here, when it is sent: the task's stored arguments are no credential.
    emails.send_sign_in_link(email=email, link=links.SignInLink(email=email, nonce=nonce,
                                                                 next=next_url),
                             language=language)


@task()
def send_message_notice(*, message_id: int) -> None:
    from .emails import send_message_notice as send

    message = Message.objects.select_related("citizen").filter(pk=message_id).first()
    if message is not None:
        send(message=message)
