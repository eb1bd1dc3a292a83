"""E-mails of the application process, written in the citizen's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import hooks
from .links import absolute, resume_url, status_url
from .models import Draft, Submission
from .selectors import answers_level, has_sensitive_answers
from .services import ensure_receipt


def send_confirmation(*, submission: Submission) -> None:
    if not submission.email:
        return
    spec = submission.service_version.spec
    # Special-category data (health) never travels in an e-mail, nor opens with the link in
    # it alone: the status page shows the state, the receipt needs the owner's sign-in.
    attach = not has_sensitive_answers(submission)
    pdf = ensure_receipt(submission=submission) if attach else b""
    with translation.override(submission.language):
        context = {
            "submission": submission,
            "service_title": spec.title.get_text(submission.language),
            "status_url": status_url(submission),
            "town": settings.RATHAUS_TOWN,
            "receipt_attached": attach,
            # Who may open the receipt behind the link: the owner signed in at this level.
            "sign_in_level": answers_level(submission).label if submission.citizen_id else None,
            "kind": spec.kind,
            # What is to be paid and how, with the status link to pay (again) from.
            "payment_text": "\n".join(hooks.payment_sections.call(
                None, submission=submission, token="", place="email")).strip(),
        }
        if spec.kind == "report":
            subject = _("Your report %(reference)s has been received")
        else:
            subject = _("Your application %(reference)s has been received")
        message = EmailMessage(
            subject=subject % {"reference": submission.reference},
            body=render_to_string("applications/email/confirmation.txt", context),
            to=[submission.email],
        )
        if attach:
            name = _("receipt-%(reference)s.pdf") % {"reference": submission.reference}
            message.attach(name, pdf, "application/pdf")
        message.send()


def send_department_notice(*, submission: Submission) -> None:
    """Tell the department that an application arrived: service, reference and inbox link only.

    E-mail is no place for citizens' data: the notice names no person and no answer, and the
    link opens only after the staff sign-in with the second factor.
    """
    address = submission.department.notify_email
    if not address:
        return
    # Staff read German; the citizen's language is theirs, not the office's.
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "service_title": submission.service_version.spec.title.get_text(
                settings.LANGUAGE_CODE),
            "reference": submission.reference,
            "department": submission.department.name,
            "inbox_url": absolute(reverse("staff:submission",
                                          kwargs={"reference": submission.reference})),
            "town": settings.RATHAUS_TOWN,
        }
        EmailMessage(
            subject=_("New application: %(service)s (%(reference)s)")
            % {"service": context["service_title"], "reference": submission.reference},
            body=render_to_string("applications/email/department_notice.txt", context),
            to=[address],
        ).send()


def send_resume(*, draft: Draft) -> None:
    spec = draft.service_version.spec
    with translation.override(draft.language):
        context = {
            "service_title": spec.title.get_text(draft.language),
            "resume_url": resume_url(draft),
            "days": settings.RATHAUS_DRAFT_RETENTION_DAYS,
            "town": settings.RATHAUS_TOWN,
        }
        EmailMessage(
            subject=_("Continue your application: %(service)s")
            % {"service": context["service_title"]},
            body=render_to_string("applications/email/resume.txt", context),
            to=[draft.resume_email],
        ).send()

