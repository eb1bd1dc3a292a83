"""A caller's confirmation e-mail is due on the booking itself and sent in batches (outbox.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rathaus.appointments import outbox, services
from rathaus.appointments.models import Booking
from rathaus.appointments.tasks import send_due_confirmations

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                              "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _no_batch_queued() -> Iterator[None]:
    outbox._next_flush = 0.0
    yield
    outbox._next_flush = 0.0


def caller(n: int, **fields: Any) -> services.Person:
    return services.Person(name=f"Anruferin {n}", email=f"anruf{n}@example.org", **fields)


def run_queued_batches() -> None:
    """Do what the worker does with the queued batch sends."""
    for _row in DBTaskResult.objects.filter(
            task_path="rathaus.appointments.tasks.send_due_confirmations"):
        send_due_confirmations.call()


def subjects() -> list[str]:
    return sorted(str(message.subject) for message in mail.outbox)


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_rush_of_bookings_queues_one_batch_that_confirms_each_booking_once() -> None:
    slot = factories.slot(online=0, staff=3)
    before = timezone.now()
    booked = [services.book_for_caller(slot_id=slot.pk, person=caller(n), agent=None)
              for n in range(3)]
    with pytest.raises(services.SlotFull):
        services.book_for_caller(slot_id=slot.pk, person=caller(9), agent=None)

    # One task for the three bookings, due a moment later, and no e-mail before it runs.
    tasks = list(DBTaskResult.objects.all())
    assert len(tasks) == 1
    assert tasks[0].run_after >= before + dt.timedelta(seconds=outbox.FLUSH_SECONDS)
    assert mail.outbox == []
    assert sorted(Booking.objects.filter(confirmation_due=True).values_list("pk", flat=True)) \
        == sorted(b.pk for b in booked)

    run_queued_batches()
    assert subjects() == sorted(f"Ihr Termin ist bestätigt: {b.reference}" for b in booked)
    assert all(message.attachments for message in mail.outbox), "each with its ICS file"
    assert not Booking.objects.filter(confirmation_due=True).exists()

    send_due_confirmations.call()
    call_command("appointment_housekeeping", verbosity=0)
    assert len(mail.outbox) == 3, "nobody is confirmed twice"


@override_settings(TASKS=DATABASE_QUEUE)
def test_after_the_interval_the_next_booking_queues_the_next_batch() -> None:
    slot = factories.slot(online=0, staff=5)
    services.book_for_caller(slot_id=slot.pk, person=caller(1), agent=None)
    outbox._next_flush = 0.0  # FLUSH_SECONDS have passed
    services.book_for_caller(slot_id=slot.pk, person=caller(2), agent=None)

    assert DBTaskResult.objects.count() == 2


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_booking_without_e_mail_address_and_a_refused_one_mark_nothing_due() -> None:
    slot = factories.slot(online=0, staff=5)
    services.book_for_caller(slot_id=slot.pk, person=services.Person(name="Max", phone="0511 1"),
                             agent=None)
    services.book_for_caller(slot_id=slot.pk, person=caller(3), agent=None)
    with pytest.raises(services.AlreadyBooked):
        services.book_for_caller(slot_id=slot.pk, person=caller(3), agent=None)

    assert Booking.objects.filter(confirmation_due=True).count() == 1
    assert Booking.objects.count() == 2


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_booking_rolled_back_sends_nothing() -> None:
    slot = factories.slot(online=0, staff=2)

    def book_then_fail() -> None:
        with transaction.atomic():
            services.book_for_caller(slot_id=slot.pk, person=caller(4), agent=None)
            raise RuntimeError("the request fails after booking")

    with pytest.raises(RuntimeError):
        book_then_fail()

    assert not Booking.objects.exists()
    assert DBTaskResult.objects.count() == 0, "queued only after a commit"
    call_command("appointment_housekeeping", verbosity=0)
    assert mail.outbox == []


@override_settings(TASKS=DATABASE_QUEUE)
def test_housekeeping_sends_what_is_still_due_when_no_batch_was_queued() -> None:
    slot = factories.slot(online=0, staff=2)
    outbox._next_flush = float("inf")  # as if the process stopped before queueing the task
    booking = services.book_for_caller(slot_id=slot.pk, person=caller(5), agent=None)
    assert DBTaskResult.objects.count() == 0

    call_command("appointment_housekeeping", verbosity=0)

    assert subjects() == [f"Ihr Termin ist bestätigt: {booking.reference}"]


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_booking_cancelled_before_the_batch_gets_no_confirmation() -> None:
    slot = factories.slot(online=0, staff=2)
    booking = services.book_for_caller(slot_id=slot.pk, person=caller(6), agent=None)
    services.cancel_booking(booking=booking)

    run_queued_batches()

    assert mail.outbox == []
    assert not Booking.objects.filter(confirmation_due=True).exists()


@override_settings(TASKS=DATABASE_QUEUE)
def test_when_the_mail_server_fails_the_confirmations_stay_due(monkeypatch: Any) -> None:
    slot = factories.slot(online=0, staff=3)
    for n in (7, 8):
        services.book_for_caller(slot_id=slot.pk, person=caller(n), agent=None)

    def refuse(**_kwargs: Any) -> None:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("rathaus.appointments.emails.send_booking_confirmation", refuse)
    with pytest.raises(ConnectionRefusedError):
        outbox.send_due()
    assert Booking.objects.filter(confirmation_due=True).count() == 2

    monkeypatch.undo()
    call_command("appointment_housekeeping", verbosity=0)
    assert len(mail.outbox) == 2


def test_with_the_immediate_queue_the_confirmation_goes_out_at_once() -> None:
    booking = services.book_for_caller(slot_id=factories.slot(online=0, staff=1).pk,
                                       person=caller(10, language="en"), agent=None)

    assert subjects() == [f"Your appointment is confirmed: {booking.reference}"]
    assert not Booking.objects.filter(confirmation_due=True).exists()
