"""Citizen pages of Mein Rathaus: signing in (chooser, e-mail link) and the citizen area.

Every page of the citizen area shows only what belongs to the signed-in citizen: lists are
filtered by the account (applications, drafts, messages) or by its person key (appointments);
a message or file of someone else answers 404, as if it did not exist.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from rathaus.applications import links as application_links
from rathaus.applications import sealed
from rathaus.applications.models import Submission, SubmissionStatus
from rathaus.applications.selectors import may_open_answers
from rathaus.appointments import links as appointment_links
from rathaus.appointments.models import Booking, BookingStatus
from rathaus.cases import notice_delivery
from rathaus.core.clients import client_ip
from rathaus.core.tokens import make_token
from rathaus.identity.levels import TrustLevel, session_trust_level
from rathaus.identity.models import Citizen, SignInSource
from rathaus.identity.people import person_key
from rathaus.identity.session import (
    SignIn,
    current_citizen,
    is_signed_in,
    session_source,
    sign_in,
    sign_out,
)

from . import links, selectors, services
from .forms import EmailSignInForm, requested_level, safe_next
from .models import Message, MessageKind, Metric

LINK_SENT_TO = "account_link_sent_to"
MESSAGES_PER_PAGE = 50
# The badge colour repeats what the text says; the text alone carries the status.
STATUS_BADGE = {
    SubmissionStatus.RECEIVED: "info", SubmissionStatus.IN_PROGRESS: "info",
    SubmissionStatus.WAITING: "warning", SubmissionStatus.COMPLETED: "success",
    SubmissionStatus.REJECTED: "danger", SubmissionStatus.FORWARDED: "info",
    SubmissionStatus.WITHDRAWN: "info",
}


@dataclass(frozen=True)
class ErrorEntry:
    input_id: str
    message: Any


def citizen_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Open the page for a signed-in citizen only, passing the citizen after the request.

    Others go to the sign-in page and come back here afterwards. The pages are personal:
    no cache may keep them.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        citizen = current_citizen(request)
        if citizen is None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('account:sign_in')}?{query}")
        response = view(request, citizen, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapped


# -- signing in ----------------------------------------------------------------------------------


@never_cache
@require_GET
def sign_in_chooser(request: HttpRequest) -> HttpResponse:
    level = requested_level(request.GET.get("level"))
    next_url = safe_next(request, request.GET.get("next"))
    email_query = urlencode({"next": next_url}) if next_url else ""
    return render(request, "account/sign_in.html", {
        "level": level,
        "level_key": level.key,
        "for_service": "level" in request.GET,
        "next": next_url,
        "levels": [TrustLevel.BASIC, TrustLevel.SUBSTANTIAL, TrustLevel.HIGH],
        "email_url": reverse("account:email_sign_in") + (f"?{email_query}" if email_query
                                                         else ""),
        "signed_in": is_signed_in(request),
        "session_level": session_trust_level(request),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def email_sign_in(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    next_url = safe_next(request, source.get("next"))
    form = EmailSignInForm(request.POST if request.method == "POST" else None)
    errors: list[ErrorEntry] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            email = form.cleaned_data["email"]
            try:
                services.request_sign_in_link(
                    email=email, next_url=next_url, language=(get_language() or "de")[:2],
                    client=client_ip(request) or "unknown")
            except services.TooManyRequests:
                errors = [ErrorEntry("email", _(
                    "Too many sign-in links have been asked for from your internet connection "
                    "in the last few minutes. Please wait a quarter of an hour and try again."))]
                status = 429
            else:
                request.session[LINK_SENT_TO] = email
                return redirect("account:email_sent")
        else:
            errors = [ErrorEntry("email", message) for message in form.errors.get("email", [])]
    return render(request, "account/email_sign_in.html", {
        "form": form, "errors": errors, "error_map": {e.input_id: e.message for e in errors},
        "next": next_url,
    }, status=status)


@never_cache
@require_GET
def email_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "account/email_sent.html",
                  {"email": request.session.get(LINK_SENT_TO, "")})


def _link_problem(request: HttpRequest, problem: str) -> HttpResponse:
    return render(request, "account/email_link_problem.html", {"problem": problem},
                  status=404 if problem == "invalid" else 410)


@never_cache
@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners that follow links must not sign anybody in.
    try:
        link = links.read_token(token)
    except links.LinkExpired:
        return _link_problem(request, "expired")
    except links.LinkInvalid:
        return _link_problem(request, "invalid")
    if request.method == "GET":
        if services.link_used(link):
            return _link_problem(request, "used")
        return render(request, "account/email_confirm.html", {"email": link.email})
    try:
        link = services.redeem_sign_in_link(token=token)
    except services.LinkUsed:
        return _link_problem(request, "used")
    except links.LinkExpired:
        return _link_problem(request, "expired")
    except links.LinkInvalid:
        return _link_problem(request, "invalid")
    sign_in(request, SignIn(source=SignInSource.EMAIL, person_key=person_key(email=link.email),
                            level=TrustLevel.NONE, email=link.email))
    return redirect(safe_next(request, link.next) or reverse("account:home"))


# -- Mein Rathaus ----------------------------------------------------------------------------------


@citizen_required
@require_GET
def home(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    now = timezone.now()
    return render(request, "account/home.html", {
        "citizen": citizen,
        "section": "home",
        "source": session_source(request),
        "level": session_trust_level(request),
        "applications": selectors.submissions_of(citizen).count(),
        "appointments": selectors.bookings_of(citizen).filter(
            status__in=[BookingStatus.PENDING, BookingStatus.OFFERED, BookingStatus.CONFIRMED],
            slot__starts_at__gt=now).count(),
        "drafts": selectors.drafts_of(citizen).count(),
        "unread": selectors.unread_count(citizen),
    })


@dataclass(frozen=True)
class ApplicationRow:
    submission: Submission
    status_url: str
    receipt_url: str  # empty while the receipt needs a higher sign-in (health data)
    badge: str


@citizen_required
@require_GET
def applications(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    rows = []
    for submission in selectors.submissions_of(citizen):
        token = application_links.status_token(submission)
        rows.append(ApplicationRow(
            submission=submission,
            status_url=reverse("applications:status", kwargs={"token": token}),
            receipt_url=reverse("applications:status_receipt", kwargs={"token": token})
            if may_open_answers(request, submission) else "",
            badge=STATUS_BADGE.get(SubmissionStatus(submission.status), "info")))
    return render(request, "account/applications.html",
                  {"section": "applications", "rows": rows})


@dataclass(frozen=True)
class BookingRow:
    booking: Booking
    manage_url: str


def _manage_path(booking: Booking) -> str:
    return reverse("appointments:manage",
                   kwargs={"token": appointment_links.manage_token(booking)})


@citizen_required
@require_GET
def appointments(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    now = timezone.now()
    upcoming: list[BookingRow] = []
    earlier: list[BookingRow] = []
    for booking in selectors.bookings_of(citizen):
        row = BookingRow(booking=booking, manage_url=_manage_path(booking))
        current = booking.status in (BookingStatus.PENDING, BookingStatus.OFFERED,
                                     BookingStatus.CONFIRMED)
        (upcoming if current and booking.slot.starts_at > now else earlier).append(row)
    upcoming.reverse()  # soonest first
    registrations = [
        (registration, reverse("appointments:registration", kwargs={
            "token": appointment_links.registration_token(registration)}))
        for registration in selectors.registrations_of(citizen)]
    return render(request, "account/appointments.html", {
        "section": "appointments", "upcoming": upcoming, "earlier": earlier,
        "registrations": registrations,
        "waitlist": [
            (entry, reverse("appointments:waitlist_entry", kwargs={
                "token": appointment_links.waitlist_token(entry)}))
            for entry in selectors.waitlist_entries_of(citizen)],
    })


@citizen_required
@require_GET
def drafts(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    rows = [
        {"draft": draft, "kept_until": selectors.draft_kept_until(draft),
         "kept": draft.resume_consent_at is not None,
         "continue_url": reverse("applications:resume", kwargs={"token": make_token(
             purpose=application_links.RESUME, value=str(draft.pk))}),
         "delete_url": reverse("account:delete_draft", kwargs={"draft_id": draft.pk})}
        for draft in selectors.drafts_of(citizen)]
    return render(request, "account/drafts.html", {
        "section": "drafts", "rows": rows,
        "kept_days": settings.RATHAUS_DRAFT_RETENTION_DAYS,
        "unsaved_hours": settings.RATHAUS_UNSAVED_DRAFT_HOURS,
    })


@citizen_required
@require_http_methods(["GET", "POST"])
def delete_draft(request: HttpRequest, citizen: Citizen, draft_id: Any) -> HttpResponse:
    draft = selectors.drafts_of(citizen).filter(pk=draft_id).first()
    if draft is None:
        raise Http404
    if request.method == "POST":
        services.delete_draft(citizen=citizen, draft_id=str(draft.pk))
        return render(request, "account/draft_deleted.html",
                      {"section": "drafts", "draft": draft})
    return render(request, "account/draft_delete.html", {"section": "drafts", "draft": draft})


@citizen_required
@require_GET
def mailbox(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    page = Paginator(selectors.messages_of(citizen), MESSAGES_PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "account/mailbox.html", {"section": "mailbox", "page": page})


@citizen_required
@require_GET
def message(request: HttpRequest, citizen: Citizen, pk: int) -> HttpResponse:
    item = selectors.message_of(citizen, pk)
    if item is None:
        raise Http404
    services.mark_read(message=item)
    return _message_page(request, item)


def _message_page(request: HttpRequest, item: Message, *, status: int = 200) -> HttpResponse:
    locked = selectors.attachment_locked(request, item)
    return render(request, "account/message.html", {
        "section": "mailbox", "message": item, "locked": locked,
        "status_url": reverse("applications:status", kwargs={
            "token": application_links.status_token(item.submission)})
        if locked and item.submission is not None else ""}, status=status)


@citizen_required
@require_GET
def attachment(request: HttpRequest, citizen: Citizen, pk: int) -> HttpResponseBase:
    item = selectors.message_of(citizen, pk)
    if item is None or not item.attachment:
        raise Http404
    if selectors.attachment_locked(request, item):
        return _message_page(request, item, status=403)
    # A notice provided for retrieval (§ 41 (2a) VwVfG): the first download makes it given;
    # once the provision has ended unretrieved, it comes by post instead.
    delivery = (notice_delivery.mailbox_notice(item.pk) if item.kind == MessageKind.NOTICE
                else None)
    if (delivery is not None and delivery.retrieved_at is None
            and not notice_delivery.available(delivery)):
        messages.error(request, _("The period for retrieving this notice online has ended. "
                                  "It is being sent to you by post."))
        return _message_page(request, item, status=410)
    try:
        handle = sealed.file_for_citizen(item.attachment)
    except FileNotFoundError:
        raise Http404 from None
    if delivery is not None:
        notice_delivery.record_retrieval(case_notice_id=delivery.pk, request=request)
    return FileResponse(handle, as_attachment=True, filename=item.attachment_name or "file",
                        content_type=item.attachment_type or "application/octet-stream")


@citizen_required
@require_GET
def my_data(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    return render(request, "account/my_data.html", {
        "section": "my_data", "citizen": citizen, "source": session_source(request),
        "level": session_trust_level(request),
        "applications": selectors.submissions_of(citizen).count(),
        "bookings": selectors.bookings_of(citizen).count(),
        "registrations": selectors.registrations_of(citizen).count()
        + selectors.waitlist_entries_of(citizen).count(),
        "drafts": selectors.drafts_of(citizen).count(),
        "message_count": selectors.messages_of(citizen).count(),
    })


def _export(request: HttpRequest, citizen: Citizen) -> bytes:
    data = {
        "about": _("The data the online town hall stores about you (Art. 15 GDPR)."),
        "created_at": timezone.localtime().isoformat(),
        **selectors.personal_data(citizen, request),
    }
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def _download(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@citizen_required
@require_GET
def my_data_json(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    content = _export(request, citizen)
    services.count(Metric.DATA_EXPORT)  # counted, never logged with its content
    return _download(content, name=f"mein-rathaus-{timezone.localdate():%Y-%m-%d}.json",
                     content_type="application/json; charset=utf-8")


@citizen_required
@require_GET
def my_data_zip(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    from rathaus.applications.services import ensure_receipt

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mein-rathaus.json", _export(request, citizen))
        for submission in Submission.objects.filter(citizen=citizen).select_related(
                "service_version", "service"):
            if may_open_answers(request, submission):  # health data: at the service's level
                archive.writestr(f"receipts/{submission.reference}.pdf",
                                 ensure_receipt(submission=submission))
        for item in selectors.messages_of(citizen).exclude(attachment="").select_related(
                "submission__service_version"):
            if selectors.attachment_locked(request, item):
                continue
            try:
                with sealed.file_for_citizen(item.attachment) as handle:
                    archive.writestr(f"mailbox/{item.pk}-{item.attachment_name}", handle.read())
            except FileNotFoundError:
                continue
    services.count(Metric.DATA_EXPORT)
    return _download(buffer.getvalue(), name=f"mein-rathaus-{timezone.localdate():%Y-%m-%d}.zip",
                     content_type="application/zip")


@citizen_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest, citizen: Citizen) -> HttpResponse:
    if request.method == "POST":
        services.delete_account(citizen=citizen)
        sign_out(request)
        return redirect("account:deleted")
    return render(request, "account/delete_account.html", {
        "section": "delete", "applications": selectors.submissions_of(citizen).count(),
        "drafts": selectors.drafts_of(citizen).count(),
        "message_count": selectors.messages_of(citizen).count(),
    })


@never_cache
@require_GET
def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "account/deleted.html")
