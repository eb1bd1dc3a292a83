"""E-mails about appointments, written in the person's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .ics import booking_ics
from .links import confirm_url, manage_url, registration_url, waitlist_url
from .models import Booking, Calendar, Registration, Release, WaitlistEntry


def _send(*, to: str, language: str, subject: Any, template: str, context: dict[str, Any],
          attachments: tuple[tuple[str, bytes, str], ...] = ()) -> None:
    with translation.override(language):
        context = {"town": settings.RATHAUS_TOWN, **context}
        message = EmailMessage(subject=str(subject() if callable(subject) else subject),
                               body=render_to_string(f"appointments/email/{template}", context),
                               to=[to])
        for name, content, mimetype in attachments:
            message.attach(name, content, mimetype)
        message.send()


def _booking_context(booking: Booking) -> dict[str, Any]:
    return {"booking": booking, "calendar": booking.calendar,
            "location": booking.calendar.location, "slot": booking.slot}


def send_confirmation_request(*, booking: Booking) -> None:
    _send(to=booking.email, language=booking.language,
          subject=lambda: _("Please confirm your appointment"),
          template="confirm_request.txt",
          context={**_booking_context(booking), "confirm_url": confirm_url(booking),
                   "minutes": booking.calendar.confirm_minutes})


def send_booking_confirmation(*, booking: Booking, rescheduled: bool = False) -> None:
    with translation.override(booking.language):
        ics = booking_ics(booking, summary=booking.calendar.name,
                          description=_("Reference: %(reference)s")
                          % {"reference": booking.reference})
        filename = _("appointment-%(reference)s.ics") % {"reference": booking.reference}
    _send(to=booking.email, language=booking.language,
          subject=lambda: (_("Your appointment has been moved: %(reference)s") if rescheduled
                           else _("Your appointment is confirmed: %(reference)s"))
          % {"reference": booking.reference},
          template="confirmed.txt",
          context={**_booking_context(booking), "manage_url": manage_url(booking),
                   "rescheduled": rescheduled},
          attachments=((filename, ics, "text/calendar"),))


def send_cancellation(*, booking: Booking) -> None:
    _send(to=booking.email, language=booking.language,
          subject=lambda: _("Your appointment has been cancelled: %(reference)s")
          % {"reference": booking.reference},
          template="cancelled.txt", context=_booking_context(booking))


def send_reminder(*, booking: Booking) -> None:
    _send(to=booking.email, language=booking.language,
          subject=lambda: _("Reminder: your appointment tomorrow"),
          template="reminder.txt",
          context={**_booking_context(booking), "manage_url": manage_url(booking)})


def send_offer(*, booking: Booking) -> None:
    _send(to=booking.email, language=booking.language,
          subject=lambda: _("An appointment is free for you: please accept it"),
          template="offer.txt",
          context={**_booking_context(booking), "manage_url": manage_url(booking)})


def send_waitlist_receipt(*, entry: WaitlistEntry) -> None:
    _send(to=entry.email, language=entry.language,
          subject=lambda: _("You are on the waiting list"),
          template="waitlist.txt",
          context={"entry": entry, "calendar": entry.calendar,
                   "waitlist_url": waitlist_url(entry)})


def send_registration_receipt(*, registration: Registration) -> None:
    _send(to=registration.email, language=registration.language,
          subject=lambda: _("Your registration %(reference)s")
          % {"reference": registration.reference},
          template="registered.txt",
          context={"registration": registration, "calendar": registration.calendar,
                   "registration_url": registration_url(registration)})


def send_duplicate_registration_notice(*, calendar: Calendar, email: str, language: str,
                                       registration: Registration | None,
                                       booking: Booking | None) -> None:
    """Tell a mailbox that registered again that it is on the list (or booked) already."""
    _send(to=email, language=language,
          subject=lambda: _("You are already registered: %(calendar)s")
          % {"calendar": calendar.name},
          template="already_registered.txt",
          context={"calendar": calendar, "booking": booking, "registration": registration,
                   "registration_url": registration_url(registration) if registration else "",
                   "manage_url": manage_url(booking) if booking else ""})


def send_not_drawn(*, registration: Registration, release: Release) -> None:
    _send(to=registration.email, language=registration.language,
          subject=lambda: _("Not drawn this time: you stay on the list"),
          template="not_drawn.txt",
          context={"registration": registration, "calendar": registration.calendar,
                   "release": release, "registration_url": registration_url(registration)})
