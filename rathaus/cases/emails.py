"""E-mails of the conversation: they say that there is something, never what (decision 0024)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from rathaus.applications.links import absolute, status_url

from .models import CaseMessage


def send_message_notice(*, message: CaseMessage) -> None:
    """Tell an applicant without an account that a message waits behind the status link.

    Neither the text nor the service is named: the confirmation e-mail said that much already,
    and whoever reads the mail must learn nothing more of the case.
    """
    submission = message.case.submission
    if not submission.email:
        return
    with translation.override(submission.language[:2]):
        context = {"reference": submission.reference, "status_url": status_url(submission),
                   "town": settings.RATHAUS_TOWN}
        EmailMessage(
            subject=_("A message about your application %(reference)s")
            % {"reference": submission.reference},
            body=render_to_string("cases/email/message_notice.txt", context),
            to=[submission.email],
        ).send()


def send_deadline_reminder(*, message: CaseMessage) -> None:
    """Remind the clerk (or the department's address) that a requested reply did not come."""
    case = message.case
    address = (case.assignee.email if case.assignee is not None and case.assignee.email
               else case.department.email)
    if not address:
        return
    # Staff read German, as the department's notice of a new application.
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "reference": case.reference, "deadline": message.deadline,
            "case_url": absolute(reverse("staff:submission",
                                         kwargs={"reference": case.reference})),
            "town": settings.RATHAUS_TOWN,
        }
        EmailMessage(
            subject=_("Deadline lapsed: case %(reference)s") % {"reference": case.reference},
            body=render_to_string("cases/email/deadline_reminder.txt", context),
            to=[address],
        ).send()
