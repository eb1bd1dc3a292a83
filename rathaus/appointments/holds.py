"""How many places one browser session and one client address may hold at a time.

A hold occupies a place for ``hold_minutes`` before the person has given any details, so a
script with fresh sessions could keep a first-come calendar blocked, renewing its holds as they
lapse. Three limits stop that, counted from the booking rows themselves, so every web process
sees the same numbers (``docs/appointments.md``, *Holds*):

* ``RATHAUS_HOLDS_PER_SESSION`` times held at once by one browser session;
* ``RATHAUS_HOLDS_PER_CLIENT`` times held at once from one client address, higher because a
  town-hall Wi-Fi or a mobile carrier puts many people behind one address;
* ``RATHAUS_HOLDS_PER_CLIENT_PER_HOUR`` holds taken from one address within an hour, whatever
  became of them: what bounds renewing.

"Held" means a hold or a booking waiting for its e-mail confirmation that has not run out. A
row keeps only a keyed hash of the address (``client_key``), removed when it is an hour old.
The limits are checked before a place is taken and once more after, with the new hold
counted: requests of one address at the same moment can then only end below the limit,
never above it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .models import Booking, BookingStatus

HELD = (BookingStatus.HELD, BookingStatus.PENDING)
WINDOW = dt.timedelta(hours=1)

SESSION_FULL = _("You are already holding times in this browser. Finish booking one of them "
                 "(or let it run out) before you choose another one.")
CLIENT_FULL = _("Too many times are being held from your internet connection at the moment. "
                "Please try again in a few minutes. If you share the connection (for example "
                "public Wi-Fi), someone else may be booking at the same time.")
CLIENT_HOUR_FULL = _("Too many times have been held from your internet connection in the last "
                     "hour. Please try again later, or book by phone with the citizens' office.")


@dataclass(frozen=True)
class Holder:
    """Who asks for a hold: the session's held references and the client address's key."""

    session_holds: tuple[str, ...] = ()
    client_key: str = ""
    # The session's hold in the same calendar that the new one replaces (given back after it).
    replacing: int | None = None


def client_key(address: str | None) -> str:
    """Return the keyed hash of a client address kept on a hold, or "" without an address."""
    if not address:
        return ""
    return salted_hmac("rathaus.appointments.hold-client", address,
                       algorithm="sha256").hexdigest()[:32]


def refusal(holder: Holder, now: dt.datetime, *, placed: Booking | None = None) -> Any:
    """Return the message refusing one more hold, or None when it is within the limits.

    Before the place is taken the new hold is added to the counts; after (``placed``), it is
    one of the rows counted.
    """
    held = Q(status__in=HELD, expires_at__gt=now)
    if holder.replacing is not None:
        held &= ~Q(pk=holder.replacing)
    new = 0 if placed is not None else 1
    if placed is None and holder.session_holds:
        mine = Booking.objects.filter(held, reference__in=holder.session_holds).count()
        if mine + new > settings.RATHAUS_HOLDS_PER_SESSION:
            return SESSION_FULL
    if not holder.client_key:
        return None
    counts = Booking.objects.filter(client_key=holder.client_key).filter(
        Q(created_at__gt=now - WINDOW) | held).aggregate(
        held=Count("pk", filter=held), hour=Count("pk", filter=Q(created_at__gt=now - WINDOW)))
    if counts["held"] + new > settings.RATHAUS_HOLDS_PER_CLIENT:
        return CLIENT_FULL
    if counts["hour"] + new > settings.RATHAUS_HOLDS_PER_CLIENT_PER_HOUR:
        return CLIENT_HOUR_FULL
    return None
