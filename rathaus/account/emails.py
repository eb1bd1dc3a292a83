"""E-mails of Mein Rathaus: the sign-in link and the notice of a new message.

Neither names anything of a person's business: the notice has no subject, no name and no
reference, only that there is something new and where to read it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import links
from .models import Message


def send_sign_in_link(*, email: str, link: links.SignInLink, language: str) -> None:
    url = links.sign_in_url(link, language=language)
    with translation.override(language):
        context = {"url": url, "minutes": links.MAX_AGE // 60, "town": settings.RATHAUS_TOWN}
        EmailMessage(subject=_("Your sign-in link for Mein Rathaus"),
                     body=render_to_string("account/email/sign_in_link.txt", context),
                     to=[email]).send()


def send_message_notice(*, message: Message) -> None:
    email = message.citizen.email
    if not email:
        return
    with translation.override(message.language):
        context = {"url": settings.RATHAUS_BASE_URL + reverse("account:mailbox"),
                   "town": settings.RATHAUS_TOWN}
        EmailMessage(subject=_("New message in Mein Rathaus"),
                     body=render_to_string("account/email/message_notice.txt", context),
                     to=[email]).send()
