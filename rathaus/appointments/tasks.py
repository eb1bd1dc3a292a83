"""Background work of appointments; thin, idempotent, by id."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from .models import Booking, Calendar, Registration, Release, WaitlistEntry


def _booking(booking_id: int) -> Booking | None:
    return Booking.objects.select_related("slot", "calendar__location").filter(
        pk=booking_id).first()


@task()
def send_confirmation_request(*, booking_id: int) -> None:
    from . import emails

    booking = _booking(booking_id)
    if booking is not None and booking.status == "pending":
        emails.send_confirmation_request(booking=booking)


@task()
def send_booking_confirmation(*, booking_id: int, rescheduled: bool = False) -> None:
    from . import emails

    booking = _booking(booking_id)
    if booking is not None and booking.status == "confirmed" and booking.email:
        emails.send_booking_confirmation(booking=booking, rescheduled=rescheduled)


@task()
def send_due_confirmations() -> int:
    """Send the confirmation e-mails of bookings made for callers (see outbox.py)."""
    from . import outbox

    return outbox.send_due()


@task()
def send_cancellation(*, booking_id: int) -> None:
    from . import emails

    booking = _booking(booking_id)
    if booking is not None and booking.status == "cancelled" and booking.email:
        emails.send_cancellation(booking=booking)


@task()
def send_offer(*, booking_id: int) -> None:
    from . import emails

    booking = _booking(booking_id)
    if booking is not None and booking.status == "offered" and booking.email:
        emails.send_offer(booking=booking)


@task()
def send_waitlist_receipt(*, entry_id: int) -> None:
    from . import emails

    entry = WaitlistEntry.objects.select_related("calendar").filter(pk=entry_id).first()
    if entry is not None and entry.email:
        emails.send_waitlist_receipt(entry=entry)


@task()
def send_registration_receipt(*, registration_id: int) -> None:
    from . import emails

    registration = Registration.objects.select_related("calendar").filter(
        pk=registration_id).first()
    if registration is not None and registration.email:
        emails.send_registration_receipt(registration=registration)


@task()
def send_duplicate_registration_notice(*, calendar_id: int, email: str, language: str,
                                       registration_id: int | None = None,
                                       booking_id: int | None = None) -> None:
    from . import emails

    calendar = Calendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        return
    registration = Registration.objects.filter(pk=registration_id).first() \
        if registration_id is not None else None
    booking = _booking(booking_id) if booking_id is not None else None
    emails.send_duplicate_registration_notice(
        calendar=calendar, email=email, language=language, registration=registration,
        booking=booking)


@task()
def send_not_drawn(*, registration_id: int, release_id: int) -> None:
    from . import emails

    registration = Registration.objects.select_related("calendar").filter(
        pk=registration_id).first()
    release = Release.objects.filter(pk=release_id).first()
    if registration is not None and release is not None and registration.email \
            and registration.status == "waiting":
        emails.send_not_drawn(registration=registration, release=release)


@task()
def offer_freed_places(*, calendar_id: int) -> int:
    from . import services

    calendar = Calendar.objects.filter(pk=calendar_id).first()
    return services.offer_freed_places(calendar=calendar) if calendar is not None else 0


@task()
def send_reminders() -> int:
    """Send the reminder e-mail the day before each confirmed appointment (once)."""
    from . import emails, services

    sent = 0
    for booking in services.due_reminders().select_related("slot", "calendar__location"):
        claimed = Booking.objects.filter(pk=booking.pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=timezone.now())
        if claimed:
            emails.send_reminder(booking=booking)
            sent += 1
    return sent
