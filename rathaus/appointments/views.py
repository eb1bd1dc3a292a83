"""Citizen pages of appointments: pick a time, hold it, confirm by e-mail, manage the booking;
the waiting list; registration for a draw and the draw's public record.

A hold belongs to the browser session that took it; everything after the first e-mail is opened
with a signed link. Ids and references in URLs alone open nothing. Every write is one call to
``services``; a domain error becomes a message on the page the person came from.
"""

from __future__ import annotations

import csv
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathaus.core.clients import client_ip
from rathaus.identity.session import current_citizen, session_attributes

from . import holds, links, picker, selectors, services
from .forms import ErrorEntry, PersonForm, RegistrationForm, error_map, parse_day, parse_id
from .ics import booking_ics
from .models import (
    Booking,
    BookingStatus,
    Calendar,
    Channel,
    DrawEntry,
    DrawEventKind,
    Registration,
    RegistrationStatus,
    Release,
    Slot,
    WaitlistEntry,
    WaitlistStatus,
)
from .waiting_room import admission_required

HOLDS = "appointment_holds"
# Per calendar, the address the last registration's e-mail went to (shown on the page after).
REGISTRATION_SENT = "appointment_registration_sent"
WAITLIST = "appointment_waitlist"
DRAW_PAGE_SIZE = 500

CHOOSE_TIME = gettext_lazy("Choose a time.")
NOT_IN_CALENDAR = gettext_lazy("This time cannot be booked (any more).")


# -- session ownership ---------------------------------------------------------------------


def _remember(request: HttpRequest, key: str, value: str) -> None:
    items = [item for item in request.session.get(key, []) if item != value]
    request.session[key] = [*items[-19:], value]


def _owns(request: HttpRequest, key: str, value: str) -> bool:
    return value in request.session.get(key, [])


def _person(request: HttpRequest, form: PersonForm) -> services.Person:
    data = form.cleaned_data
    citizen = current_citizen(request)
    return services.Person(name=data["name"].strip(), email=data["email"],
                           phone=data.get("phone", ""), language=(get_language() or "de")[:2],
                           citizen_key=citizen.person_key if citizen else "")


def _prefill(request: HttpRequest) -> dict[str, str]:
    """Return a signed-in citizen's name and e-mail address for the form (they may change them)."""
    citizen = current_citizen(request)
    if citizen is None:
        return {}
    attributes = session_attributes(request)
    names = [attributes[key].value for key in ("given_name", "family_name")
             if key in attributes and attributes[key].value]
    email = attributes["email"].value if "email" in attributes else ""
    return {"name": " ".join(names), "email": email or citizen.email}


def _active_calendar(slug: str) -> Calendar:
    return get_object_or_404(Calendar.objects.select_related("location"), slug=slug,
                             is_active=True)


def _link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "appointments/link_invalid.html", status=404)


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "appointments/gone.html", status=404)


def _lapsed(request: HttpRequest, calendar: Calendar, message: Any = None) -> HttpResponse:
    return render(request, "appointments/lapsed.html",
                  {"calendar": calendar, "message": message or services.Lapsed.message},
                  status=410)


def _bookings() -> QuerySet[Booking]:
    return Booking.objects.select_related("slot", "calendar__location")


def _booking_from_token(token: str, purpose: str) -> Booking | None:
    reference = links.booking_from_token(token, purpose=purpose)
    return _bookings().filter(reference=reference).first() if reference else None


def _manage_path(booking: Booking) -> str:
    return reverse("appointments:manage", kwargs={"token": links.manage_token(booking)})


# -- the slot picker -------------------------------------------------------------------------


def _picker_for(request: HttpRequest, calendar: Calendar, *,
                exclude: int | None = None) -> picker.Picker:
    """Return the picker for the day or week the request asks for (kept across a POST)."""
    source = request.POST if request.method == "POST" else request.GET
    return picker.week_of(calendar, day=parse_day(source.get("date")),
                   week=parse_day(source.get("week")), exclude=exclude)


# Stands in the cached slot list for the form's CSRF field, which differs per visitor.
CSRF_MARK = "<!--rathaus:csrf-field-->"


def _first_come_page(request: HttpRequest, calendar: Calendar, *,
                     errors: list[ErrorEntry] | None = None) -> HttpResponse:
    context: dict[str, Any] = {
        "calendar": calendar, "errors": errors or [],
        "picker_url": reverse("appointments:calendar", kwargs={"slug": calendar.slug}),
        "form_action": reverse("appointments:hold", kwargs={"slug": calendar.slug}),
    }
    seconds = settings.RATHAUS_SLOT_LIST_CACHE_SECONDS
    if errors or request.method != "GET" or seconds <= 0:
        context["picker"] = _picker_for(request, calendar)
        # A refused time stays chosen, so that the person can simply try it again.
        context["chosen_slot"] = parse_id(request.POST.get("slot"))
        return render(request, "appointments/calendar_first_come.html", context)
    # The slot list of a day may be a few seconds old (a hold checks the place again); the
    # rest of the page, and the form's CSRF field, are made for this request.
    day, week = parse_day(request.GET.get("date")), parse_day(request.GET.get("week"))
    key = f"slot-list:{calendar.pk}:{get_language()}:{day}:{week}"
    cached = cache.get(key)
    if cached is None:
        chosen = _picker_for(request, calendar)
        cached = {"any_free": chosen.any_free, "html": render_to_string(
            "appointments/_picker.html", {**context, "picker": chosen, "csrf_mark": CSRF_MARK})}
        cache.set(key, cached, seconds)
    context["picker"] = {"any_free": cached["any_free"]}
    # Safe: the output of our own template, escaped when it was rendered.
    context["picker_html"] = mark_safe(
        cached["html"].replace(CSRF_MARK, csrf_input(request)))
    return render(request, "appointments/calendar_first_come.html", context)


# -- calendars -------------------------------------------------------------------------------


@require_GET
def calendar_list(request: HttpRequest) -> HttpResponse:
    calendars = Calendar.objects.filter(is_active=True).select_related("location")
    return render(request, "appointments/calendar_list.html", {"calendars": calendars})


@admission_required  # waiting room: checked first, before any query (see waiting_room.py)
@require_GET
def calendar_detail(request: HttpRequest, slug: str) -> HttpResponse:
    calendar = _active_calendar(slug)
    if calendar.is_draw:
        return _draw_page(request, calendar)
    return _first_come_page(request, calendar)


def _draw_page(request: HttpRequest, calendar: Calendar, *, form: RegistrationForm | None = None,
               errors: list[ErrorEntry] | None = None) -> HttpResponse:
    now = timezone.now()
    release = services.current_release(calendar, now)
    upcoming = None
    if release is None:
        upcoming = Release.objects.filter(calendar=calendar, opens_at__gt=now,
                                          drawn_at__isnull=True).order_by("opens_at").first()
    groups = list(calendar.priority_groups.all())
    if form is None:
        form = RegistrationForm(groups=groups, initial=_prefill(request))
    past = Release.objects.filter(calendar=calendar, drawn_at__isnull=False).order_by(
        "-drawn_at")[:20]
    return render(request, "appointments/calendar_draw.html", {
        "calendar": calendar, "release": release, "upcoming": upcoming, "groups": groups,
        "form": form, "errors": errors or [], "error_map": error_map(errors or []),
        "past_releases": past,
    })


# -- first come: hold, details, e-mail -------------------------------------------------------


def _session_hold(request: HttpRequest, calendar: Calendar) -> Booking | None:
    """Return this browser's unexpired, unconfirmed booking in the calendar, if it has one."""
    references = request.session.get(HOLDS, [])
    if not references:
        return None
    return Booking.objects.filter(
        reference__in=references, calendar=calendar, replaces__isnull=True,
        status__in=[BookingStatus.HELD, BookingStatus.PENDING],
        expires_at__gt=timezone.now()).order_by("-created_at").first()


@admission_required  # waiting room: checked first, before any query (see waiting_room.py)
@require_POST
def hold(request: HttpRequest, slug: str) -> HttpResponse:
    calendar = _active_calendar(slug)
    if calendar.is_draw:
        return redirect("appointments:calendar", slug=calendar.slug)
    slot_id = parse_id(request.POST.get("slot"))
    if slot_id is None:
        return _first_come_page(request, calendar, errors=[ErrorEntry("slot", CHOOSE_TIME)])
    if not Slot.objects.filter(pk=slot_id, calendar=calendar).exists():
        return _first_come_page(request, calendar,
                                errors=[ErrorEntry("slot", NOT_IN_CALENDAR)])
    previous = _session_hold(request, calendar)
    if previous is not None and previous.slot_id == slot_id:
        return redirect("appointments:details", reference=previous.reference)
    holder = holds.Holder(session_holds=tuple(request.session.get(HOLDS, [])),
                          client_key=holds.client_key(client_ip(request)),
                          replacing=previous.pk if previous is not None else None)
    try:
        booking = services.hold_slot(slot_id=slot_id, holder=holder)
    except services.BookingError as error:
        return _first_come_page(request, calendar,
                                errors=[ErrorEntry("slot", error.message)])
    if previous is not None:
        # The time chosen before (held, or waiting for its e-mail confirmation) goes back at
        # once, not when it runs out; the person has chosen again.
        services.cancel_booking(booking=previous)
    _remember(request, HOLDS, booking.reference)
    return redirect("appointments:details", reference=booking.reference)


def _held(request: HttpRequest, reference: str) -> Booking | None:
    if not _owns(request, HOLDS, reference):
        return None
    return _bookings().filter(reference=reference, replaces__isnull=True).first()


def _running(booking: Booking) -> bool:
    return booking.expires_at is not None and booking.expires_at > timezone.now()


@never_cache
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _held(request, reference)
    if booking is None:
        return _gone(request)
    if booking.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        return redirect("appointments:check_mail", reference=booking.reference)
    if booking.status != BookingStatus.HELD or not _running(booking):
        return _lapsed(request, booking.calendar)
    form = PersonForm(request.POST if request.method == "POST" else None,
                      initial=_prefill(request))
    errors: list[ErrorEntry] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit_details(booking=booking, person=_person(request, form))
            except services.Lapsed:
                return _lapsed(request, booking.calendar)
            except services.AlreadyBooked as error:
                errors = [ErrorEntry("email", error.message)]
            except services.BookingError:
                return _lapsed(request, booking.calendar)
            else:
                return redirect("appointments:check_mail", reference=booking.reference)
        else:
            errors = form.error_entries()
    return render(request, "appointments/details.html", {
        "booking": booking, "calendar": booking.calendar, "slot": booking.slot,
        "location": booking.calendar.location, "form": form, "errors": errors,
        "error_map": error_map(errors),
        "back_url": reverse("appointments:calendar", kwargs={"slug": booking.calendar.slug})
        + "?date=" + timezone.localdate(booking.slot.starts_at).isoformat(),
    })


@never_cache
@require_GET
def check_mail(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _held(request, reference)
    if booking is None:
        return _gone(request)
    if booking.status == BookingStatus.HELD and _running(booking):
        return redirect("appointments:details", reference=booking.reference)
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED) or (
            booking.status == BookingStatus.PENDING and not _running(booking)):
        return _lapsed(request, booking.calendar)
    return render(request, "appointments/check_mail.html", {
        "booking": booking, "calendar": booking.calendar, "slot": booking.slot,
        "location": booking.calendar.location,
    })


# -- signed links: confirm, manage, calendar file --------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_from_token(token, links.CONFIRM)
    if booking is None:
        return _link_invalid(request)
    if request.method == "POST" and booking.status != BookingStatus.CANCELLED:
        try:
            services.confirm_booking(booking=booking)
        except services.BookingError as error:
            return _lapsed(request, booking.calendar, error.message)
        return redirect("appointments:confirm", token=token)
    context = {"booking": booking, "calendar": booking.calendar, "slot": booking.slot,
               "location": booking.calendar.location}
    if booking.status == BookingStatus.CONFIRMED:
        token = links.manage_token(booking)
        return render(request, "appointments/confirmed.html", {
            **context, "manage_url": reverse("appointments:manage", kwargs={"token": token}),
            "ics_url": reverse("appointments:ics", kwargs={"token": token})})
    if booking.status == BookingStatus.PENDING and _running(booking):
        return render(request, "appointments/confirm.html", context)
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.ATTENDED,
                          BookingStatus.NO_SHOW):
        return redirect(_manage_path(booking))
    return _lapsed(request, booking.calendar)


def _manage_context(booking: Booking, token: str) -> dict[str, Any]:
    successor = None
    if booking.status == BookingStatus.CANCELLED:
        successor = _bookings().filter(replaces=booking, status=BookingStatus.CONFIRMED).first()
    return {
        "booking": booking, "calendar": booking.calendar, "slot": booking.slot,
        "location": booking.calendar.location, "token": token,
        "upcoming": booking.is_upcoming,
        "offer_open": booking.status == BookingStatus.OFFERED and _running(booking),
        "can_move": booking.is_upcoming and not booking.calendar.is_draw
        and booking.calendar.is_active,
        "successor_url": _manage_path(successor) if successor else None,
        "successor": successor,
        "ics_url": reverse("appointments:ics", kwargs={"token": token}),
        "book_again_url": reverse("appointments:calendar",
                                  kwargs={"slug": booking.calendar.slug}),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_from_token(token, links.MANAGE)
    if booking is None:
        return _link_invalid(request)
    context = _manage_context(booking, token)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "cancel" and context["upcoming"]:
            services.cancel_booking(booking=booking)
            messages.success(request, _("Your appointment has been cancelled."))
        elif action == "accept" and booking.status == BookingStatus.OFFERED:
            try:
                services.accept_offer(booking=booking)
            except services.BookingError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("You have accepted the appointment. "
                                            "It is booked for you."))
        elif action == "decline" and booking.status == BookingStatus.OFFERED:
            services.decline_offer(booking=booking)
            messages.success(request, _("You have declined the appointment. "
                                        "It is now offered to the next person."))
        return redirect(request.path)
    step = request.GET.get("action", "")
    if step == "cancel" and context["upcoming"]:
        return render(request, "appointments/manage_cancel.html", context)
    if step == "decline" and context["offer_open"]:
        return render(request, "appointments/manage_decline.html", context)
    return render(request, "appointments/manage.html", context)


@require_GET
def ics_download(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_from_token(token, links.MANAGE)
    if booking is None or booking.status not in (BookingStatus.CONFIRMED,
                                                 BookingStatus.CANCELLED):
        return _link_invalid(request)
    content = booking_ics(booking, summary=booking.calendar.name,
                          description=_("Reference: %(reference)s")
                          % {"reference": booking.reference})
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    name = _("appointment-%(reference)s.ics") % {"reference": booking.reference}
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking_from_token(token, links.MANAGE)
    if booking is None:
        return _link_invalid(request)
    context = _manage_context(booking, token)
    if not context["can_move"]:
        return redirect("appointments:manage", token=token)
    calendar = booking.calendar
    errors: list[ErrorEntry] = []
    if request.method == "POST":
        slot_id = parse_id(request.POST.get("slot"))
        if slot_id is None:
            errors = [ErrorEntry("slot", CHOOSE_TIME)]
        elif slot_id == booking.slot_id:
            errors = [ErrorEntry("slot", _("This is the time you already have. "
                                           "Choose another one."))]
        elif not Slot.objects.filter(pk=slot_id, calendar=calendar).exists():
            errors = [ErrorEntry("slot", NOT_IN_CALENDAR)]
        else:
            try:
                moved = services.move_booking(booking=booking, slot_id=slot_id, agent=None,
                                              channel=Channel.ONLINE)
            except services.BookingError as error:
                errors = [ErrorEntry("slot", error.message)]
            else:
                messages.success(request, _(
                    "Your appointment has been moved. Its reference and this page stay the "
                    "same; we have sent you the new time by e-mail."))
                return redirect(_manage_path(moved))
    return render(request, "appointments/reschedule.html", {
        **context, "picker": _picker_for(request, calendar, exclude=booking.slot_id),
        "errors": errors,
        "picker_url": request.path, "form_action": request.path,
    })


# -- waiting list ----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def waitlist(request: HttpRequest, slug: str) -> HttpResponse:
    calendar = _active_calendar(slug)
    if calendar.is_draw:
        return redirect("appointments:calendar", slug=calendar.slug)
    reference = request.GET.get("entry", "")
    if request.method == "GET" and reference and _owns(request, WAITLIST, reference):
        entry = WaitlistEntry.objects.filter(reference=reference, calendar=calendar).first()
        if entry is not None:
            return render(request, "appointments/waitlist_done.html", {
                "calendar": calendar, "entry": entry,
                "status_url": reverse("appointments:waitlist_entry",
                                      kwargs={"token": links.waitlist_token(entry)}),
            })
    form = PersonForm(request.POST if request.method == "POST" else None,
                      initial=_prefill(request))
    errors: list[ErrorEntry] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = services.join_waitlist(calendar=calendar,
                                               person=_person(request, form))
            except services.BookingError as error:
                errors = [ErrorEntry("email", error.message)]
            else:
                _remember(request, WAITLIST, entry.reference)
                url = reverse("appointments:waitlist", kwargs={"slug": calendar.slug})
                return redirect(f"{url}?entry={entry.reference}")
        else:
            errors = form.error_entries()
    return render(request, "appointments/waitlist.html", {
        "calendar": calendar, "form": form, "errors": errors,
        "error_map": error_map(errors),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def waitlist_entry(request: HttpRequest, token: str) -> HttpResponse:
    reference = links.waitlist_from_token(token)
    entry = WaitlistEntry.objects.select_related("calendar").filter(
        reference=reference).first() if reference else None
    if entry is None:
        return _link_invalid(request)
    if request.method == "POST":
        if request.POST.get("action") == "withdraw" and entry.status == WaitlistStatus.WAITING:
            entry = services.withdraw_waitlist_entry(entry=entry)
            # Offered a place a moment ago, the entry stays: its page then links the offer.
            if entry.status == WaitlistStatus.WITHDRAWN:
                messages.success(request, _("You have left the waiting list."))
        return redirect(request.path)
    offer = booked = None
    if entry.status == WaitlistStatus.OFFERED:
        offer = _bookings().filter(waitlist_entry=entry, status=BookingStatus.OFFERED).first()
    elif entry.status == WaitlistStatus.BOOKED:
        # Moved since, the booking is cancelled and its page links the new one.
        booked = _bookings().filter(waitlist_entry=entry).exclude(status__in=[
            BookingStatus.OFFERED, BookingStatus.DECLINED, BookingStatus.EXPIRED,
        ]).order_by("-pk").first()
    context = {
        "entry": entry, "calendar": entry.calendar,
        "position": selectors.waitlist_position(entry)
        if entry.status == WaitlistStatus.WAITING else None,
        "offer": offer, "booked": booked,
        "offer_url": _manage_path(offer) if offer else None,
        "booked_url": _manage_path(booked) if booked else None,
    }
    if request.GET.get("action") == "withdraw" and entry.status == WaitlistStatus.WAITING:
        return render(request, "appointments/waitlist_withdraw.html", context)
    return render(request, "appointments/waitlist_entry.html", context)


# -- draw: registration, status, public record ------------------------------------------------


@admission_required  # the registration form is what everyone queues for at a release
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, slug: str) -> HttpResponse:
    calendar = _active_calendar(slug)
    if not calendar.is_draw:
        return redirect("appointments:calendar", slug=calendar.slug)
    if request.method == "GET":
        # The same page after every registration, new or not: only the e-mail tells.
        sent_to = request.session.get(REGISTRATION_SENT, {}).get(calendar.slug)
        if sent_to is None:
            return redirect("appointments:calendar", slug=calendar.slug)
        return render(request, "appointments/registered.html", {
            "calendar": calendar, "email": sent_to,
            "release": services.current_release(calendar),
        })
    groups = list(calendar.priority_groups.all())
    form = RegistrationForm(request.POST, groups=groups)
    if services.current_release(calendar) is None:
        return _draw_page(request, calendar, form=RegistrationForm(groups=groups), errors=[
            ErrorEntry("registration", _("Registration is closed at the moment."))])
    if not form.is_valid():
        return _draw_page(request, calendar, form=form, errors=form.error_entries())
    person = _person(request, form)
    try:
        services.request_draw_registration(calendar=calendar, person=person,
                                           group=form.chosen_group())
    except services.BookingError as error:
        return _draw_page(request, calendar, form=form,
                          errors=[ErrorEntry("email", error.message)])
    sent = request.session.get(REGISTRATION_SENT, {})
    request.session[REGISTRATION_SENT] = {**sent, calendar.slug: person.email}
    return redirect("appointments:register", slug=calendar.slug)


@never_cache
@require_http_methods(["GET", "POST"])
def registration(request: HttpRequest, token: str) -> HttpResponse:
    reference = links.registration_from_token(token)
    found = Registration.objects.select_related("calendar__location", "priority_group").filter(
        reference=reference).first() if reference else None
    if found is None:
        return _link_invalid(request)
    if request.method == "POST":
        if request.POST.get("action") == "withdraw" \
                and found.status == RegistrationStatus.WAITING:
            services.withdraw_registration(registration=found)
            messages.success(request, _("Your registration has been withdrawn."))
        return redirect(request.path)
    calendar = found.calendar
    offer = booked = None
    if found.status == RegistrationStatus.OFFERED:
        offer = _bookings().filter(registration=found, status=BookingStatus.OFFERED).first()
    elif found.status == RegistrationStatus.BOOKED:
        booked = _bookings().filter(registration=found, status=BookingStatus.CONFIRMED).first()
    now = timezone.now()
    release = upcoming = None
    if found.status == RegistrationStatus.WAITING:
        release = services.current_release(calendar, now)
        if release is None:
            upcoming = Release.objects.filter(calendar=calendar, opens_at__gt=now,
                                              drawn_at__isnull=True).order_by("opens_at").first()
    context = {
        "registration": found, "calendar": calendar, "release": release,
        "upcoming": upcoming, "offer": offer, "booked": booked,
        "offer_url": _manage_path(offer) if offer else None,
        "booked_url": _manage_path(booked) if booked else None,
    }
    if request.GET.get("action") == "withdraw" and found.status == RegistrationStatus.WAITING:
        return render(request, "appointments/registration_withdraw.html", context)
    return render(request, "appointments/registration.html", context)


CSV_COLUMNS = ("position", "reference", "group", "weight", "rank", "draw_key", "outcome")


@require_GET
def draw_record(request: HttpRequest, slug: str, release_id: int) -> HttpResponse:
    calendar = get_object_or_404(Calendar.objects.select_related("location"), slug=slug)
    release = get_object_or_404(Release, pk=release_id, calendar=calendar)
    entries = DrawEntry.objects.filter(release=release).order_by("position").values_list(
        "position", "registration__reference", "group_code", "weight", "rank", "draw_key",
        "outcome")
    if request.GET.get("format") == "csv":
        if not release.is_drawn:
            raise Http404
        return _draw_csv(calendar, release, entries)
    groups = {group.code: group.label for group in calendar.priority_groups.all()}
    page = Paginator(entries, DRAW_PAGE_SIZE).get_page(request.GET.get("page"))
    # Weights and ranks as they were at the draw (the groups may have changed since).
    used_groups = sorted(
        DrawEntry.objects.filter(release=release).exclude(group_code="").values_list(
            "group_code", "weight", "rank").distinct(),
        key=lambda group: (group[2], group[0]))
    return render(request, "appointments/draw_record.html", {
        "calendar": calendar, "release": release, "page": page,
        "rows": [{"position": row[0], "reference": row[1], "group": row[2],
                  "group_label": groups.get(row[2], row[2]), "weight": row[3], "rank": row[4],
                  "draw_key": row[5], "offered": row[6] == "offered"}
                 for row in page.object_list],
        "groups": [{"code": code, "label": groups.get(code, code), "weight": weight,
                    "rank": rank} for code, weight, rank in used_groups],
        # Everyone not drawn is also told so; those events are the list's last column.
        "events": release.events.exclude(kind=DrawEventKind.NOT_DRAWN) if release.is_drawn
        else [],
        "told_not_drawn": release.events.filter(kind=DrawEventKind.NOT_DRAWN).count()
        if release.is_drawn else 0,
        "csv_url": f"{request.path}?format=csv",
    })


def _draw_csv(calendar: Calendar, release: Release, entries: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="draw-{calendar.slug}-{release.pk}.csv"')
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in entries.iterator():
        writer.writerow(row)
    return response
