"""Pages of the citizens' office: book, find, move and cancel appointments for callers.

Every write calls one service; these views only parse input and map domain errors to messages.
Staff sign in with their second factor (rathaus.staff) before any of these pages opens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rathaus.audit.models import Action
from rathaus.audit.services import record as audit
from rathaus.core.access import verified_required

from . import services
from .agent_selectors import (
    booking_by_reference,
    day_bounds,
    find_bookings,
    find_registrations,
    registration_by_reference,
)
from .models import OCCUPYING, Booking, BookingStatus, Calendar, Channel, Mode, Slot
from .roles import BOOK_FOR_CALLERS
from .staff_forms import MAX_ID, CallerForm, DayForm, DrawRegistrationForm, MoveForm

View = Callable[..., HttpResponse]

# Said to the agent, who then tells the caller; the services' own texts address citizens.
AGENT_MESSAGES: dict[str, Any] = {
    services.SlotFull.code: gettext_lazy(
        "The places for this channel on this time have just been taken. "
        "Please choose another time."),
    services.AlreadyBooked.code: gettext_lazy(
        "This caller already has an appointment in this calendar. Find it by name or phone "
        "number to move or cancel it."),
    services.AlreadyRegistered.code: gettext_lazy(
        "This caller is already on the list for this calendar."),
    services.NotBookable.code: gettext_lazy(
        "This time cannot be booked (any more): it has passed, or the calendar is closed."),
}


# Staff signed in with their second factor and the agent permission; others sign in or get 403.
agent_required = verified_required(permission=BOOK_FOR_CALLERS)


def _agent(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@dataclass(frozen=True)
class ErrorEntry:
    """One line of the error summary, linking to the input it is about."""

    input_id: str
    message: str


def form_errors(form: forms.Form) -> list[ErrorEntry]:
    errors = []
    for bound in form:
        radio = isinstance(bound.field.widget, forms.RadioSelect)
        input_id = f"{bound.auto_id}_0" if radio else bound.auto_id
        errors += [ErrorEntry(input_id, str(message)) for message in bound.errors]
    errors += [ErrorEntry("main", str(message)) for message in form.non_field_errors()]
    return errors


def _domain_error(error: services.BookingError, input_id: str) -> ErrorEntry:
    return ErrorEntry(input_id, str(AGENT_MESSAGES.get(error.code, error.message)))


@dataclass
class SlotRow:
    slot: Slot
    channel: str
    bookable: bool
    bookings: list[Booking] = field(default_factory=list)

    @property
    def free(self) -> int:
        return max(0, self.slot.remaining(self.channel))

    @property
    def staff_free(self) -> int:
        return max(0, self.slot.remaining(Channel.STAFF))

    @property
    def online_free(self) -> int:
        return max(0, self.slot.remaining(Channel.ONLINE))


def _slot_rows(calendar: Calendar, day: dt.date, channel: str, *,
               with_bookings: bool = False) -> list[SlotRow]:
    start, end = day_bounds(day)
    now = timezone.now()
    slots = Slot.objects.filter(calendar=calendar, starts_at__gte=start, starts_at__lt=end)
    rows = {slot.pk: SlotRow(slot, channel, calendar.is_active and slot.starts_at > now
                             and slot.remaining(channel) > 0)
            for slot in slots.order_by("starts_at")}
    if with_bookings and rows:
        shown = [s for s in OCCUPYING if s != BookingStatus.HELD]
        for booking in Booking.objects.filter(slot_id__in=rows, status__in=shown).order_by(
                "created_at"):
            rows[booking.slot_id].bookings.append(booking)
    return list(rows.values())


def _day_links(day: dt.date) -> dict[str, str]:
    return {"previous": (day - dt.timedelta(days=1)).isoformat(),
            "next": (day + dt.timedelta(days=1)).isoformat()}


# --- pages -----------------------------------------------------------------------------------


@agent_required
def index(request: HttpRequest) -> HttpResponse:
    calendars = Calendar.objects.select_related("location").order_by("-is_active", "name_de")
    return render(request, "appointments/staff/index.html", {
        "calendars": calendars, "today": timezone.localdate().isoformat()})


@agent_required
def day(request: HttpRequest, slug: str) -> HttpResponse:
    calendar = get_object_or_404(Calendar, slug=slug)
    form = DayForm(request.GET if "date" in request.GET else None)
    chosen = form.day(timezone.localdate())
    errors = form_errors(form) if form.is_bound else []
    end = day_bounds(chosen)[1]
    next_free = (Slot.objects.filter(calendar=calendar, starts_at__gte=end,
                                     booked_staff__lt=F("capacity_staff"))
                 .order_by("starts_at").only("starts_at").first())
    return render(request, "appointments/staff/day.html", {
        "calendar": calendar, "day": chosen, "form": form, "errors": errors,
        "rows": _slot_rows(calendar, chosen, Channel.STAFF, with_bookings=True),
        "links": _day_links(chosen),
        "next_free": timezone.localdate(next_free.starts_at) if next_free else None,
        "is_draw": calendar.mode == Mode.DRAW})


@agent_required
def book(request: HttpRequest, slot_id: int) -> HttpResponse:
    if slot_id > MAX_ID:
        raise Http404
    slot = get_object_or_404(Slot.objects.select_related("calendar"), pk=slot_id)
    form = CallerForm(request.POST if request.method == "POST" else None)
    errors: list[ErrorEntry] = []
    if form.is_bound:
        if form.is_valid():
            person = services.Person(name=form.cleaned_data["name"],
                                     phone=form.cleaned_data["phone"],
                                     email=form.cleaned_data["email"])
            try:
                booking = services.book_for_caller(slot_id=slot.pk, person=person,
                                                   agent=_agent(request),
                                                   channel=Channel.STAFF)
            except services.BookingError as error:
                errors = [_domain_error(error, "slot-summary")]
                slot.refresh_from_db(fields=["booked_staff", "capacity_staff"])
            else:
                messages.success(request, _(
                    "Booked. Tell the caller the reference %(reference)s.")
                    % {"reference": booking.reference})
                return redirect("appointments_staff:booking", reference=booking.reference)
        else:
            errors = form_errors(form)
    return render(request, "appointments/staff/book.html", {
        "slot": slot, "calendar": slot.calendar, "form": form, "errors": errors,
        "free": max(0, slot.remaining(Channel.STAFF)),
        "bookable": slot.starts_at > timezone.now() and slot.remaining(Channel.STAFF) > 0,
        "day": timezone.localdate(slot.starts_at).isoformat()})


def _when(at: dt.datetime) -> str:
    """Return a slot's local start as 17.05.2026 09:30 (the audit log keeps it as it is)."""
    return f"{timezone.localtime(at):%d.%m.%Y %H:%M}"


def _booking_or_404(reference: str) -> Booking:
    booking = booking_by_reference(reference)
    if booking is None:
        raise Http404
    return booking


@agent_required
def booking(request: HttpRequest, reference: str) -> HttpResponse:
    found = _booking_or_404(reference)
    now = timezone.now()
    started = found.slot.starts_at <= now
    confirmed = found.status == BookingStatus.CONFIRMED
    return render(request, "appointments/staff/booking.html", {
        "booking": found, "calendar": found.calendar,
        "can_move": confirmed and not started,
        "can_cancel": found.status in (BookingStatus.CONFIRMED, BookingStatus.PENDING,
                                       BookingStatus.OFFERED) and not started,
        "can_mark": confirmed and started,
        "day": timezone.localdate(found.slot.starts_at).isoformat()})


@agent_required
def move(request: HttpRequest, reference: str) -> HttpResponse:
    old = _booking_or_404(reference)
    if old.status != BookingStatus.CONFIRMED or old.slot.starts_at <= timezone.now():
        messages.error(request, _("Only confirmed appointments that have not started yet can "
                                  "be moved."))
        return redirect("appointments_staff:booking", reference=old.reference)
    source = request.POST if request.method == "POST" else request.GET
    day_form = DayForm(source if "date" in source else None)
    chosen = day_form.day(timezone.localdate(old.slot.starts_at))
    errors = form_errors(day_form) if day_form.is_bound and request.method == "GET" else []
    if request.method == "POST":
        form = MoveForm(request.POST)
        if form.is_valid():
            try:
                moved = services.move_booking(booking=old, slot_id=form.cleaned_data["slot"],
                                              agent=_agent(request))
            except services.BookingError as error:
                errors = [_domain_error(error, "slots")]
            else:
                audit(action=Action.APPOINTMENT_MOVED, request=request, target=moved,
                      department=old.calendar.department_id,
                      message=f"{_when(old.slot.starts_at)} -> {_when(moved.slot.starts_at)}")
                messages.success(request, _(
                    "Moved to %(time)s. The reference stays %(reference)s, and the links in "
                    "the caller's e-mails stay valid.") % {
                        "time": _when(moved.slot.starts_at), "reference": moved.reference})
                return redirect("appointments_staff:booking", reference=moved.reference)
        else:
            errors = [ErrorEntry("slots", str(message)) for message in form.errors["slot"]]
    rows = [row for row in _slot_rows(old.calendar, chosen, old.channel)
            if row.slot.pk != old.slot_id]
    return render(request, "appointments/staff/move.html", {
        "booking": old, "calendar": old.calendar, "day": chosen, "rows": rows,
        "errors": errors, "links": _day_links(chosen), "channel": old.channel})


@agent_required
def cancel(request: HttpRequest, reference: str) -> HttpResponse:
    found = _booking_or_404(reference)
    if request.method == "POST":
        was = found.status
        result = services.cancel_booking(booking=found)
        if result.status == BookingStatus.CANCELLED:
            if was != BookingStatus.CANCELLED:
                audit(action=Action.APPOINTMENT_CANCELLED, request=request, target=result,
                      department=found.calendar.department_id, message="staff page")
            messages.success(request, _("The appointment is cancelled and its place is free "
                                        "again."))
        else:
            messages.error(request, _("This appointment can no longer be cancelled."))
        return redirect("appointments_staff:booking", reference=found.reference)
    return render(request, "appointments/staff/cancel.html", {
        "booking": found, "calendar": found.calendar})


@require_POST
@agent_required
def attendance(request: HttpRequest, reference: str) -> HttpResponse:
    found = _booking_or_404(reference)
    outcome = request.POST.get("outcome")
    if outcome not in ("attended", "no_show") or found.status != BookingStatus.CONFIRMED \
            or found.slot.starts_at > timezone.now():
        messages.error(request, _("Attendance can be recorded once a confirmed appointment has "
                                  "begun."))
    else:
        if services.record_attendance(booking=found, attended=outcome == "attended"):
            audit(action=Action.ATTENDANCE_RECORDED, request=request, target=found,
                  department=found.calendar.department_id, message=outcome)
        messages.success(request, _("Recorded: attended.") if outcome == "attended"
                         else _("Recorded: did not come."))
    return redirect("appointments_staff:booking", reference=found.reference)


@agent_required
def register(request: HttpRequest, slug: str) -> HttpResponse:
    calendar = get_object_or_404(Calendar, slug=slug, mode=Mode.DRAW)
    groups = list(calendar.priority_groups.all())
    form = DrawRegistrationForm(request.POST if request.method == "POST" else None,
                                groups=groups)
    errors: list[ErrorEntry] = []
    if form.is_bound:
        if form.is_valid():
            person = services.Person(name=form.cleaned_data["name"],
                                     phone=form.cleaned_data["phone"],
                                     email=form.cleaned_data["email"])
            try:
                registration = services.register_for_draw(
                    calendar=calendar, person=person, group=form.priority_group(),
                    agent=_agent(request), channel=Channel.STAFF)
            except services.BookingError as error:
                errors = [_domain_error(error, "id_name")]
            else:
                messages.success(request, _(
                    "Registered. Tell the caller the reference %(reference)s.")
                    % {"reference": registration.reference})
                return redirect("appointments_staff:registration",
                                reference=registration.reference)
        else:
            errors = form_errors(form)
    return render(request, "appointments/staff/register.html", {
        "calendar": calendar, "form": form, "errors": errors, "groups": groups,
        "release": services.current_release(calendar)})


@agent_required
def registration(request: HttpRequest, reference: str) -> HttpResponse:
    found = registration_by_reference(reference)
    if found is None:
        raise Http404
    return render(request, "appointments/staff/registration.html", {
        "registration": found, "calendar": found.calendar})


@agent_required
def find(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    errors: list[ErrorEntry] = []
    bookings: list[Booking] = []
    registrations: list[Any] = []
    if "q" in request.GET:
        bookings, registrations = find_bookings(query), find_registrations(query)
        if not bookings and not registrations and (len(query) < 2):
            errors = [ErrorEntry("q", _("Enter a reference, a phone number or at least two "
                                        "letters of the name."))]
    return render(request, "appointments/staff/find.html", {
        "query": query, "searched": "q" in request.GET and not errors, "errors": errors,
        "bookings": bookings, "registrations": registrations})
