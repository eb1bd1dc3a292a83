"""Reads of Mein Rathaus: what belongs to a signed-in citizen, and only that."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.applications import sealed
from rathaus.applications.models import Draft, Submission, Upload
from rathaus.applications.selectors import answers_level, may_open_answers
from rathaus.appointments.models import Booking, BookingStatus, Registration, WaitlistEntry
from rathaus.identity.levels import TrustLevel, session_trust_level
from rathaus.identity.models import Citizen
from rathaus.identity.session import session_attributes, session_source

from .models import Message


def submissions_of(citizen: Citizen) -> QuerySet[Submission]:
    # Answers and the version's checksum: whether the receipt opens (health data) is read
    # from them (applications.selectors.may_open_answers).
    return (Submission.objects.filter(citizen=citizen)
            .select_related("service", "department", "service_version")
            .only("reference", "status", "submitted_at", "language", "citizen_id", "answers",
                  "sensitive_fields", "service__title_de", "service__title_en",
                  "service__slug", "department__name_de", "department__name_en",
                  "service_version__checksum")
            .order_by("-submitted_at", "-pk"))


def drafts_of(citizen: Citizen) -> QuerySet[Draft]:
    return (Draft.objects.filter(citizen=citizen)
            .select_related("service_version__service")
            .defer("service_version__definition", "answers")
            .order_by("-updated_at"))


def draft_kept_until(draft: Draft) -> dt.datetime:
    """Return when the nightly purge deletes the draft (see applications.services)."""
    if draft.resume_consent_at is not None:
        return draft.updated_at + dt.timedelta(days=settings.RATHAUS_DRAFT_RETENTION_DAYS)
    return draft.updated_at + dt.timedelta(hours=settings.RATHAUS_UNSAVED_DRAFT_HOURS)


def bookings_of(citizen: Citizen) -> QuerySet[Booking]:
    # A time that is only held has no person yet; bookings past retention lost their key.
    return (Booking.objects.filter(person_key=citizen.person_key)
            .exclude(status=BookingStatus.HELD)
            .select_related("slot", "calendar__location")
            .order_by("-slot__starts_at", "-pk"))


def registrations_of(citizen: Citizen) -> QuerySet[Registration]:
    return (Registration.objects.filter(person_key=citizen.person_key)
            .select_related("calendar").order_by("-created_at", "-pk"))


def waitlist_entries_of(citizen: Citizen) -> QuerySet[WaitlistEntry]:
    return (WaitlistEntry.objects.filter(person_key=citizen.person_key)
            .select_related("calendar").order_by("-created_at", "-pk"))


def messages_of(citizen: Citizen) -> QuerySet[Message]:
    return (Message.objects.filter(citizen=citizen)
            .defer("body").select_related("department"))


def message_of(citizen: Citizen, pk: int) -> Message | None:
    return (Message.objects.filter(citizen=citizen, pk=pk)
            .select_related("department", "submission__service_version").first())


def attachment_locked(request: HttpRequest, message: Message) -> bool:
    """Return whether a message's attachment waits for a higher sign-in (health data).

    A message about an application with sensitive answers (its receipt, a decision) keeps its
    attachment for the citizen signed in at that service's level.
    """
    return (bool(message.attachment) and message.submission is not None
            and not may_open_answers(request, message.submission))


def unread_count(citizen: Citizen) -> int:
    return Message.objects.filter(citizen=citizen, read_at__isnull=True).count()


# -- Art. 15 GDPR: everything the portal stores about the citizen -----------------------------


def _when(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def _answers(request: HttpRequest, submission: Submission) -> dict[str, Any]:
    """Return the answers, or why they wait for a higher sign-in (health data)."""
    answers = sealed.answers_for_citizen(request, submission)
    if answers is not None:
        return {"answers": answers, "verified_answers": submission.verified_fields}
    return {"answers": None, "verified_answers": None, "answers_withheld": _(
        "This application contains health data. Its answers are included when you are "
        "signed in with BundID at the trust level “%(level)s”.")
        % {"level": answers_level(submission).label}}


def _draft_answers(request: HttpRequest, draft: Draft) -> dict[str, Any]:
    answers = sealed.draft_answers_for_owner(request, draft)
    if answers is not None:
        return {"answers": answers}
    return {"answers": None, "answers_withheld": _(
        "This unfinished application contains health data. Its answers are included when you "
        "are signed in with BundID at the trust level “%(level)s”.")
        % {"level": TrustLevel(max(draft.service_version.spec.required_trust_level,
                                   TrustLevel.BASIC)).label}}


def personal_data(citizen: Citizen, request: HttpRequest) -> dict[str, Any]:
    """Return what the portal stores about ``citizen``, as plain JSON-ready data."""
    level = session_trust_level(request)
    source = session_source(request)
    submissions = list(
        Submission.objects.filter(citizen=citizen)
        .select_related("service", "department", "service_version")
        .defer("service_version__definition").order_by("submitted_at", "pk"))
    uploads: dict[int, list[dict[str, Any]]] = {}
    for upload in Upload.objects.filter(submission__in=submissions).order_by("created_at"):
        assert upload.submission_id is not None
        uploads.setdefault(upload.submission_id, []).append(
            {"file_name": upload.original_name, "type": upload.content_type,
             "size_bytes": upload.size})
    return {
        "account": {
            "signed_in_with": citizen.get_source_display(),
            "email_for_notices": citizen.email,
            "highest_trust_level": TrustLevel(citizen.highest_level).label,
            "first_sign_in": _when(citizen.created_at),
            "last_sign_in": _when(citizen.last_sign_in_at),
            "person_key": citizen.person_key,
        },
        "this_session": {
            "signed_in_with": source.label if source is not None else None,
            "trust_level": level.label,
            "attributes_from_identity_provider": {
                name: {"value": attribute.value,
                       "trust_level": None if attribute.level is None
                       else TrustLevel(attribute.level).label}
                for name, attribute in session_attributes(request).items()},
        },
        "applications": [
            {"reference": item.reference, "service": item.service.title,
             "department": item.department.name, "status": item.get_status_display(),
             "submitted_at": _when(item.submitted_at), "language": item.language,
             "email": item.email, "trust_level": TrustLevel(item.trust_level).label,
             **_answers(request, item),
             "fees": item.fee_lines, "fee_total": str(item.fee_total),
             "attachments": uploads.get(item.pk, [])}
            for item in submissions],
        "drafts": [
            {"service": draft.service_version.service.title,
             "started_at": _when(draft.created_at), "last_changed_at": _when(draft.updated_at),
             "deleted_automatically_after": _when(draft_kept_until(draft)),
             "email_for_resume_link": draft.resume_email, **_draft_answers(request, draft)}
            for draft in Draft.objects.filter(citizen=citizen)
            .select_related("service_version__service")
            .defer("service_version__definition").order_by("created_at")],
        "appointments": [
            {"reference": booking.reference, "calendar": booking.calendar.name,
             "location": booking.calendar.location.name,
             "starts_at": _when(booking.slot.starts_at), "status": booking.get_status_display(),
             "name": booking.name, "email": booking.email, "phone": booking.phone,
             "booked_at": _when(booking.created_at)}
            for booking in bookings_of(citizen).order_by("slot__starts_at", "pk")],
        "draw_registrations": [
            {"reference": item.reference, "calendar": item.calendar.name,
             "status": item.get_status_display(), "name": item.name, "email": item.email,
             "phone": item.phone, "registered_at": _when(item.created_at)}
            for item in registrations_of(citizen).order_by("created_at", "pk")],
        "waiting_lists": [
            {"reference": item.reference, "calendar": item.calendar.name,
             "status": item.get_status_display(), "name": item.name, "email": item.email,
             "phone": item.phone, "joined_at": _when(item.created_at)}
            for item in waitlist_entries_of(citizen).order_by("created_at", "pk")],
        "messages": [
            {"subject": message.subject, "text": message.body,
             "from": message.department.name if message.department else None,
             "delivered_at": _when(message.created_at), "read_at": _when(message.read_at),
             "attachment": message.attachment_name or None,
             "about_application": message.submission.reference if message.submission
             else None}
            for message in Message.objects.filter(citizen=citizen)
            .select_related("department", "submission").order_by("created_at", "pk")],
    }
