"""With the task queue in the database, a booking and its confirmation e-mail commit together."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from rathaus.appointments import services
from rathaus.appointments.models import Booking

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                              "QUEUES": ["default"]}}


def caller(n: int) -> services.Person:
    return services.Person(name=f"Anruferin {n}", email=f"anruf{n}@example.org")


@override_settings(TASKS=DATABASE_QUEUE)
def test_the_confirmation_is_queued_with_the_booking_and_not_without_it() -> None:
    slot = factories.slot(online=0, staff=1)

    booking = services.book_for_caller(slot_id=slot.pk, person=caller(1), agent=None)
    with pytest.raises(services.SlotFull):
        services.book_for_caller(slot_id=slot.pk, person=caller(2), agent=None)

    queued = list(DBTaskResult.objects.values_list("task_path", "args_kwargs"))
    assert queued == [("rathaus.appointments.tasks.send_booking_confirmation",
                       {"args": [], "kwargs": {"booking_id": booking.pk}})]


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_second_booking_of_the_same_person_queues_nothing() -> None:
    slot = factories.slot(online=0, staff=5)
    services.book_for_caller(slot_id=slot.pk, person=caller(3), agent=None)

    with pytest.raises(services.AlreadyBooked):
        services.book_for_caller(slot_id=slot.pk, person=caller(3), agent=None)

    assert DBTaskResult.objects.count() == 1


@override_settings(TASKS=DATABASE_QUEUE)
def test_the_task_row_is_part_of_the_booking_transaction() -> None:
    slot = factories.slot(online=0, staff=2)

    queued_inside = []

    def book_then_fail() -> None:
        with transaction.atomic():
            services.book_for_caller(slot_id=slot.pk, person=caller(4), agent=None)
            # Written in the same transaction (one commit per booking, not two)...
            queued_inside.append(DBTaskResult.objects.count())
            raise RuntimeError("the request fails after booking")

    with pytest.raises(RuntimeError):
        book_then_fail()

    assert queued_inside == [1]
    # ...so it is gone with the booking when that transaction rolls back.
    assert DBTaskResult.objects.count() == 0
    assert not Booking.objects.exists()
