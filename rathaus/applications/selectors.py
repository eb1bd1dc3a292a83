"""Reads about drafts and submissions worth naming: loading a step's draft, sensitive answers,
who may open the answers."""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection
from django.http import HttpRequest

from rathaus.catalog.models import Service, ServiceVersion
from rathaus.core.rows import RowReader, columns, select_list
from rathaus.identity.levels import TrustLevel, satisfies, session_trust_level
from rathaus.identity.session import current_citizen

from . import links
from .models import Draft, Submission

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


COUNTER_CHECK = "counter"


def verification_marks(submission: Submission) -> tuple[set[str], dict[str, str]]:
    """Return the answers verified by BundID, and those checked at the counter with who did.

    Both live in ``verified_fields``; an answer a clerk compared with the ID card is not
    called "verified by BundID" anywhere (source "counter", decision 0027).
    """
    verified: set[str] = set()
    checked: dict[str, str] = {}
    for field_id, entry in submission.verified_fields.items():
        if isinstance(entry, dict) and entry.get("source") == COUNTER_CHECK:
            checked[field_id] = str(entry.get("checked_by") or submission.filed_by_name)
        else:
            verified.add(field_id)
    return verified, checked


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


def submission_from_status_token(token: str) -> Submission | None:
    """Return the submission a status link names, or None for a tampered or expired link."""
    reference = links.reference_from_token(token)
    if reference is None:
        return None
    return Submission.objects.select_related("service_version", "department").filter(
        reference=reference
    ).first()


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


_DRAFT = RowReader(Draft, columns(Draft))
# The definition JSON is read only when its parsed form is not cached yet (see spec).
_VERSION = RowReader(ServiceVersion, columns(ServiceVersion, leave_out=("definition",)))
_SERVICE = RowReader(Service, columns(Service))


@functools.cache
def _draft_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    # Only names from the models' meta go into the text; the id is a parameter.
    return (
        f"SELECT {select_list(_DRAFT.fields, 'd')}, {select_list(_VERSION.fields, 'v')}, "  # noqa: S608
        f"{select_list(_SERVICE.fields, 's')} "
        f"FROM {quote(Draft._meta.db_table)} d "
        f"JOIN {quote(ServiceVersion._meta.db_table)} v ON v.{quote('id')} = "
        f"d.{quote('service_version_id')} "
        f"JOIN {quote(Service._meta.db_table)} s ON s.{quote('id')} = v.{quote('service_id')} "
        f"WHERE d.{quote('id')} = %s"
    )


def draft_with_service(draft_id: Any) -> Draft | None:
    """Return the draft with its version (definition deferred) and service, in one statement.

    Every step of every form starts here. The joined ORM query took 2.4 ms of CPU to build and
    load on each request, the statement written out takes 0.1 ms (docs/performance.md).
    """
    key = Draft._meta.pk.get_db_prep_value(draft_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(_draft_sql(connection.vendor), [key])
        row = cursor.fetchone()
    if row is None:
        return None
    first, second = len(_DRAFT.fields), len(_DRAFT.fields) + len(_VERSION.fields)
    draft: Draft = _DRAFT.read(row[:first])
    version: ServiceVersion = _VERSION.read(row[first:second])
    version.service = _SERVICE.read(row[second:])
    draft.service_version = version
    return draft
