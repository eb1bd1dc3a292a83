"""Reads about submissions worth naming: sensitive answers and who may open the answers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rathaus.identity.levels import TrustLevel, satisfies, session_trust_level
from rathaus.identity.session import current_citizen

from .models import Submission

# References of the applications this browser session submitted (the last few).
SUBMISSIONS = "application_submissions"


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


def submitted_in_session(request: HttpRequest, reference: str) -> bool:
    """Return whether this browser session sent the application with this reference."""
    session = getattr(request, "session", None)
    return session is not None and reference in session.get(SUBMISSIONS, [])


def answers_level(submission: Submission) -> TrustLevel:
    """Return the sign-in that opens a sensitive submission's answers: its service's level.

    At least basic: only a signed-in owner is recognised as the owner.
    """
    required = submission.service_version.spec.required_trust_level
    return max(TrustLevel(required), TrustLevel.BASIC)


def owner_signed_in(request: HttpRequest, submission: Submission) -> bool:
    """Return whether the citizen who sent the submission is signed in at its answers' level."""
    if submission.citizen_id is None:
        return False
    citizen = current_citizen(request)
    return (citizen is not None and citizen.pk == submission.citizen_id
            and satisfies(achieved=session_trust_level(request),
                          required=answers_level(submission)))


def may_open_answers(request: HttpRequest, submission: Submission) -> bool:
    """Return whether a request that reached a submission may see its receipt and answers.

    The caller has checked the way in (the signed status link, the citizen's own list). The
    session that sent the application always may. Health data and the like (answers of fields
    marked sensitive) open otherwise only for the citizen who sent them, signed in at the
    service's trust level: a mailed link must not show them to whoever reads the mail.
    """
    return (submitted_in_session(request, submission.reference)
            or not has_sensitive_answers(submission)
            or owner_signed_in(request, submission))
