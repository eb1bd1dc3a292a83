"""E-mails of the application process, written in the citizen's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .links import resume_url, status_url
from .models import Draft, Submission
from .services import ensure_receipt


def send_confirmation(*, submission: Submission) -> None:
    if not submission.email:
        return
    spec = submission.service_version.spec
    # Special-category data (health) never travels in an e-mail: the receipt is offered
    # behind the signed status link instead.
    attach = not has_sensitive_answers(submission)
    pdf = ensure_receipt(submission=submission) if attach else b""
    with translation.override(submission.language):
        context = {
            "submission": submission,
            "service_title": spec.title.get_text(submission.language),
            "status_url": status_url(submission),
            "town": settings.RATHAUS_TOWN,
            "receipt_attached": attach,
            "kind": spec.kind,
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


def has_sensitive_answers(submission: Submission) -> bool:
    """Return whether any answer of a field marked sensitive was given (in groups too)."""
    sensitive = set(submission.sensitive_fields)
    if not sensitive:
        return False

    def walk(values: Any) -> bool:
        if isinstance(values, dict):
            return any(
                (key in sensitive and value not in (None, "", [], {})) or walk(value)
                for key, value in values.items()
            )
        if isinstance(values, list):
            return any(walk(item) for item in values)
        return False

    return walk(submission.answers)


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

