"""Confirmation e-mails of bookings made for callers: marked due on the booking, sent in batches.

``book_for_caller`` inserts the booking with ``confirmation_due`` set, in the same statement
that takes its place: the mark commits or rolls back with the booking, and nothing else is
written per booking (decision 0011). The task ``send_due_confirmations`` sends every due
e-mail. A web process queues that task at most once per ``FLUSH_SECONDS``, to run that long
after it was queued, so every booking committed before the task runs is part of its batch; in a
rush that is one task row per process and interval instead of one per booking. Whatever is
still due after that (a process that stopped between the commit and queueing the task, a mail
server that refused) is sent by ``appointment_housekeeping`` within a minute.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from django.db import DatabaseError, transaction
from django.utils import timezone

from .models import Booking, BookingStatus

log = logging.getLogger(__name__)

FLUSH_SECONDS = 2.0
BATCH = 100

_next_flush = 0.0
_flush_lock = threading.Lock()


def confirmations_due() -> None:
    """Make sure a batch send runs after this moment (call after a due booking committed)."""
    global _next_flush
    from .tasks import send_due_confirmations

    if not send_due_confirmations.get_backend().supports_defer:
        send_due_confirmations.enqueue()  # e.g. the immediate backend: sends right now
        return
    now = time.monotonic()
    with _flush_lock:
        if _next_flush > now:
            return  # a batch already queued runs after this booking's commit
        _next_flush = now + FLUSH_SECONDS
    try:
        send_due_confirmations.using(
            run_after=timezone.now() + dt.timedelta(seconds=FLUSH_SECONDS)).enqueue()
    except DatabaseError:
        # The booking is committed and its e-mail stays due: housekeeping sends it.
        with _flush_lock:
            _next_flush = 0.0
        log.exception("Could not queue the confirmation e-mails; housekeeping will send them")


def _claim() -> list[int]:
    """Take up to BATCH due bookings off the list; concurrent senders skip each other's."""
    with transaction.atomic():
        ids = list(Booking.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            confirmation_due=True).order_by("pk").values_list("pk", flat=True)[:BATCH])
        Booking.objects.filter(pk__in=ids).update(confirmation_due=False)
    return ids


def send_due() -> int:
    """Send the confirmation e-mail of every booking that has one due; return how many."""
    from . import emails

    sent = 0
    while ids := _claim():
        bookings = list(Booking.objects.filter(pk__in=ids).select_related(
            "slot", "calendar__location").order_by("pk"))
        for number, booking in enumerate(bookings):
            if booking.status != BookingStatus.CONFIRMED or not booking.email:
                continue  # cancelled in the meantime, or nobody to write to
            try:
                emails.send_booking_confirmation(booking=booking)
            except Exception:
                # Put the unsent ones back (the mail server may be down): sent next time.
                Booking.objects.filter(pk__in=[b.pk for b in bookings[number:]]).update(
                    confirmation_due=True)
                raise
            sent += 1
    return sent
