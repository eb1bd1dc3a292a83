"""Signed links for citizens without an account: resume a draft, see a submission's status."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from rathaus.core.tokens import make_token, read_token

from .models import Draft, Submission

RESUME = "resume-draft"
STATUS = "submission-status"


def absolute(path: str) -> str:
    return f"{settings.RATHAUS_BASE_URL}{path}"


def resume_url(draft: Draft) -> str:
    token = make_token(purpose=RESUME, value=str(draft.pk))
    with translation.override(draft.language):
        return absolute(reverse("applications:resume", kwargs={"token": token}))


def draft_from_token(token: str) -> str | None:
    return read_token(purpose=RESUME, token=token,
                      max_age=settings.RATHAUS_RESUME_LINK_MAX_AGE)


def status_token(submission: Submission) -> str:
    return make_token(purpose=STATUS, value=submission.reference)


def status_url(submission: Submission) -> str:
    with translation.override(submission.language):
        return absolute(reverse("applications:status",
                                kwargs={"token": status_token(submission)}))


def reference_from_token(token: str) -> str | None:
    return read_token(purpose=STATUS, token=token,
                      max_age=settings.RATHAUS_STATUS_LINK_MAX_AGE)
