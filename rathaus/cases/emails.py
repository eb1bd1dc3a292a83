"""E-mails of the case work to the citizen and the clerk: they say that there is something,
never what (decisions 0024, 0025), in the language of the application."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from rathaus.applications.links import absolute, status_url

from .models import CaseMessage, CaseNotice


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
