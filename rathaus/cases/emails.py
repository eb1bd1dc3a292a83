"""E-mails of the case work to the citizen, in the language they applied in."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from rathaus.applications.links import status_url

from .models import CaseNotice


def send_notice_ready(*, item: CaseNotice) -> None:
    """Tell the citizen a notice waits for retrieval: reference, date and link, nothing more.

    The e-mail names neither the decision nor its text (§ 41 (2a) VwVfG asks only for the
    notice that it can be retrieved); the status link leads to it.
    """
    submission = item.case.submission
    if not submission.email or item.provision_ends_at is None:
        return
    with translation.override(submission.language[:2]):
        context = {
            "reference": submission.reference,
            "until": formats.date_format(timezone.localdate(item.provision_ends_at),
                                         "DATE_FORMAT"),
            "status_url": status_url(submission),
            "town": settings.RATHAUS_TOWN,
        }
        EmailMessage(
            subject=_("A notice on your application %(reference)s is ready")
            % {"reference": submission.reference},
            body=render_to_string("cases/email/notice_ready.txt", context),
            to=[submission.email],
        ).send()
