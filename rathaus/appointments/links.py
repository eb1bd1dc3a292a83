"""Signed links for citizens without an account: bookings, offers, registrations, waiting lists."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from rathaus.core.tokens import make_token, read_token

from .models import Booking, Registration, WaitlistEntry

CONFIRM = "booking-confirm"
MANAGE = "booking-manage"
REGISTRATION = "draw-registration"
WAITLIST = "waitlist-entry"
# Long enough for an appointment months ahead, short enough not to live forever.
MANAGE_MAX_AGE = 60 * 60 * 24 * 400


def absolute(path: str) -> str:
    return f"{settings.RATHAUS_BASE_URL}{path}"


def confirm_url(booking: Booking) -> str:
    token = make_token(purpose=CONFIRM, value=booking.reference)
    with translation.override(booking.language):
        return absolute(reverse("appointments:confirm", kwargs={"token": token}))


def manage_token(booking: Booking) -> str:
    return make_token(purpose=MANAGE, value=booking.reference)


def manage_url(booking: Booking) -> str:
    with translation.override(booking.language):
        return absolute(reverse("appointments:manage",
                                kwargs={"token": manage_token(booking)}))


def registration_token(registration: Registration) -> str:
    return make_token(purpose=REGISTRATION, value=registration.reference)


def registration_url(registration: Registration) -> str:
    with translation.override(registration.language):
        return absolute(reverse("appointments:registration",
                                kwargs={"token": registration_token(registration)}))


def booking_from_token(token: str, *, purpose: str) -> str | None:
    max_age = 60 * 60 * 24 if purpose == CONFIRM else MANAGE_MAX_AGE
    return read_token(purpose=purpose, token=token, max_age=max_age)


def registration_from_token(token: str) -> str | None:
    return read_token(purpose=REGISTRATION, token=token, max_age=MANAGE_MAX_AGE)


def waitlist_token(entry: WaitlistEntry) -> str:
    return make_token(purpose=WAITLIST, value=entry.reference)


def waitlist_url(entry: WaitlistEntry) -> str:
    with translation.override(entry.language):
        return absolute(reverse("appointments:waitlist_entry",
                                kwargs={"token": waitlist_token(entry)}))


def waitlist_from_token(token: str) -> str | None:
    return read_token(purpose=WAITLIST, token=token, max_age=MANAGE_MAX_AGE)
