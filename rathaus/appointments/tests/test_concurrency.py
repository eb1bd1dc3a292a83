"""No overbooking, whatever the concurrency: many real clients, each with its own connection.

These tests run on SQLite in the first pass of the suite and on PostgreSQL in the second (CI);
the ones that need PostgreSQL's row locking specifically use the ``postgres`` fixture. The
harness is first shown to catch overbooking with a deliberately naive implementation.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from rathaus.appointments import services
from rathaus.appointments.models import OCCUPYING, Booking, BookingStatus, Channel, Slot

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 64
CAPACITY = 200


def rush(book: Callable[[int], object], *, clients: int = CLIENTS, attempts: int = 5
         ) -> Counter[str]:
    """Let ``clients`` threads start together and each try ``attempts`` bookings.

    Returns how the attempts ended: "booked", or the class name of the error.
    """
    start = threading.Barrier(clients)

    def client(number: int) -> list[str]:
        outcomes = []
        try:
            start.wait()
            for attempt in range(attempts):
                try:
                    book(number * attempts + attempt)
                    outcomes.append("booked")
                except Exception as error:
                    outcomes.append(type(error).__name__)
        finally:
            connection.close()
        return outcomes

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(client, range(clients)))
    close_old_connections()
    return Counter(outcome for outcomes in results for outcome in outcomes)


def caller(n: int) -> services.Person:
    return services.Person(name=f"Anruferin {n}", email=f"anruf{n}@example.org")


def occupying(slot: Slot) -> int:
    return Booking.objects.filter(slot=slot, status__in=OCCUPYING).count()


def naive_book(slot_id: int, person: services.Person) -> None:
    """Read, check, insert: what the engine must not do (no lock, no conditional update)."""
    slot = Slot.objects.get(pk=slot_id)
    if occupying(slot) >= slot.capacity_staff:
        raise services.SlotFull
    time.sleep(0.002)  # the work between the check and the insert (validation, rendering)
    Booking.objects.create(calendar_id=slot.calendar_id, slot=slot, channel=Channel.STAFF,
                           status=BookingStatus.CONFIRMED, name=person.name, email=person.email,
                           person_key=person.key)


def test_the_harness_sees_overbooking_by_a_naive_implementation() -> None:
    slot = factories.slot(online=0, staff=CAPACITY)

    outcomes = rush(lambda n: naive_book(slot.pk, caller(n)))

    assert occupying(slot) > CAPACITY, outcomes
    assert outcomes["booked"] > CAPACITY


def test_many_clients_on_one_slot_get_exactly_its_capacity() -> None:
    slot = factories.slot(online=0, staff=CAPACITY)

    outcomes = rush(lambda n: services.book_for_caller(
        slot_id=slot.pk, person=caller(n), agent=None))

    slot.refresh_from_db()
    assert outcomes == {"booked": CAPACITY, "SlotFull": CLIENTS * 5 - CAPACITY}
    assert slot.booked_staff == CAPACITY
    assert occupying(slot) == CAPACITY
    assert slot.booked_online == 0


def test_online_holds_under_rush_never_exceed_online_capacity() -> None:
    slot = factories.slot(online=CAPACITY, staff=30)

    outcomes = rush(lambda n: services.hold_slot(slot_id=slot.pk))

    slot.refresh_from_db()
    assert outcomes["booked"] == CAPACITY
    assert set(outcomes) == {"booked", "SlotFull"}
    assert slot.booked_online == CAPACITY == occupying(slot)
    assert slot.booked_staff == 0  # the phone quota is untouched by the online rush


def test_one_person_booking_twice_at_the_same_time_gets_one_booking() -> None:
    calendar = factories.calendar()
    slots = [factories.slot(calendar_=calendar, online=0, staff=50, hour=h) for h in (9, 10, 11)]
    person = caller(1)

    outcomes = rush(lambda n: services.book_for_caller(
        slot_id=slots[n % 3].pk, person=person, agent=None), clients=16, attempts=2)

    assert outcomes == {"booked": 1, "AlreadyBooked": 31}
    assert Booking.objects.filter(calendar=calendar, status=BookingStatus.CONFIRMED).count() == 1
    # The refused attempts gave their places back in the same transaction.
    assert sum(Slot.objects.get(pk=s.pk).booked_staff for s in slots) == 1


def test_one_person_confirming_two_holds_at_once_keeps_one() -> None:
    calendar = factories.calendar()
    slot = factories.slot(calendar_=calendar, online=20)
    holds = [services.hold_slot(slot_id=slot.pk) for _ in range(12)]
    person = caller(2)

    outcomes = rush(lambda n: services.submit_details(booking=holds[n], person=person),
                    clients=12, attempts=1)

    assert outcomes == {"booked": 1, "AlreadyBooked": 11}
    pending = Booking.objects.filter(calendar=calendar, status=BookingStatus.PENDING)
    assert pending.count() == 1


def test_an_expired_hold_is_released_and_rebookable() -> None:
    slot = factories.slot(online=1)
    first = services.hold_slot(slot_id=slot.pk)
    with pytest.raises(services.SlotFull):
        services.hold_slot(slot_id=slot.pk)
    Booking.objects.filter(pk=first.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))

    second = services.hold_slot(slot_id=slot.pk)

    first.refresh_from_db()
    slot.refresh_from_db()
    assert first.status == BookingStatus.EXPIRED
    assert second.status == BookingStatus.HELD
    assert slot.booked_online == 1
    with pytest.raises(services.Lapsed):
        services.submit_details(booking=first, person=caller(3))


def test_many_clients_racing_for_places_of_expired_holds_get_exactly_those() -> None:
    slot = factories.slot(online=10)
    holds = [services.hold_slot(slot_id=slot.pk) for _ in range(10)]
    Booking.objects.filter(pk__in=[h.pk for h in holds]).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))

    outcomes = rush(lambda n: services.hold_slot(slot_id=slot.pk), attempts=1)

    slot.refresh_from_db()
    assert outcomes == {"booked": 10, "SlotFull": CLIENTS - 10}
    assert slot.booked_online == 10 == occupying(slot)
    assert Booking.objects.filter(pk__in=[h.pk for h in holds],
                                  status=BookingStatus.EXPIRED).count() == 10


def test_cancellations_during_a_rush_are_rebooked_without_overbooking() -> None:
    slot = factories.slot(online=0, staff=CAPACITY)
    early = [services.book_for_caller(slot_id=slot.pk, person=caller(10_000 + n), agent=None)
             for n in range(50)]

    def book_or_cancel(n: int) -> object:
        if n < len(early):
            return services.cancel_booking(booking=early[n])
        return services.book_for_caller(slot_id=slot.pk, person=caller(n), agent=None)

    outcomes = rush(book_or_cancel)

    slot.refresh_from_db()
    new = outcomes["booked"] - len(early)  # cancellations also end as "booked" in the tally
    assert Booking.objects.filter(pk__in=[b.pk for b in early],
                                  status=BookingStatus.CANCELLED).count() == len(early)
    # Whether a freed place is taken depends on timing; the counter never drifts from the rows.
    assert CAPACITY - len(early) <= new <= CAPACITY
    assert slot.booked_staff == new == occupying(slot)


def test_the_database_refuses_more_bookings_than_places() -> None:
    slot = factories.slot(online=2, staff=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked_online=F("capacity_online") + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked_staff=F("booked_staff") - 1)


def test_postgresql_mixed_rush_of_128_clients_on_the_vaccination_monday(postgres: None) -> None:
    """200 doses, 15 % for the phone: online holds and agents' bookings at the same time."""
    assert connection.vendor == "postgresql"
    slot = factories.slot(online=170, staff=30)

    def online_or_phone(n: int) -> object:
        if n % 4 == 0:
            return services.book_for_caller(slot_id=slot.pk, person=caller(n), agent=None)
        return services.hold_slot(slot_id=slot.pk)

    outcomes = rush(online_or_phone, clients=128, attempts=4)

    slot.refresh_from_db()
    assert outcomes["booked"] == 200
    assert (slot.booked_online, slot.booked_staff) == (170, 30)
    assert occupying(slot) == 200


# --- moves: a booking keeps its reference and changes its slot --------------------------------


def test_moves_racing_with_bookings_for_the_same_slot_never_overbook_it() -> None:
    """Agents move 40 appointments to a slot with 10 places while callers book it too."""
    old = factories.slot(online=0, staff=40, hour=9)
    target = factories.slot(calendar_=old.calendar, online=0, staff=10, hour=11)
    moving = [services.book_for_caller(slot_id=old.pk, person=caller(20_000 + n), agent=None)
              for n in range(40)]

    def move_or_book(n: int) -> object:
        if n < len(moving):
            return services.move_booking(booking=moving[n], slot_id=target.pk, agent=None)
        return services.book_for_caller(slot_id=target.pk, person=caller(n), agent=None)

    outcomes = rush(move_or_book, clients=64, attempts=1)

    old.refresh_from_db()
    target.refresh_from_db()
    assert outcomes == {"booked": 10, "SlotFull": 54}
    assert target.booked_staff == 10 == occupying(target)
    assert old.booked_staff == occupying(old)
    moved = Booking.objects.filter(pk__in=[b.pk for b in moving], slot=target).count()
    assert old.booked_staff == 40 - moved
    # Every appointment still exists under its reference, on one of the two slots.
    assert sorted(Booking.objects.filter(status=BookingStatus.CONFIRMED, pk__in=[
        b.pk for b in moving]).values_list("reference", flat=True)) == sorted(
        b.reference for b in moving)


def test_moves_crossing_between_two_slots_wait_for_each_other() -> None:
    """Moves from A to B and from B to A at once: all done, no deadlock, counts exact."""
    a = factories.slot(online=0, staff=40, hour=9)
    b = factories.slot(calendar_=a.calendar, online=0, staff=40, hour=11)
    on_a = [services.book_for_caller(slot_id=a.pk, person=caller(30_000 + n), agent=None)
            for n in range(20)]
    on_b = [services.book_for_caller(slot_id=b.pk, person=caller(40_000 + n), agent=None)
            for n in range(20)]

    def cross(n: int) -> object:
        if n % 2:
            return services.move_booking(booking=on_a[n // 2], slot_id=b.pk, agent=None)
        return services.move_booking(booking=on_b[n // 2], slot_id=a.pk, agent=None)

    outcomes = rush(cross, clients=40, attempts=1)

    a.refresh_from_db()
    b.refresh_from_db()
    assert outcomes == {"booked": 40}
    assert (a.booked_staff, b.booked_staff) == (20, 20)
    assert occupying(a) == occupying(b) == 20
    assert set(Booking.objects.filter(slot=a).values_list("pk", flat=True)) == {
        booking.pk for booking in on_b}


def test_one_address_holding_from_many_connections_at_once_gets_at_most_its_limit() -> None:
    """32 requests of one client address at the same moment: never more than five holds."""
    from rathaus.appointments import holds

    slot = factories.slot(online=100)
    script = holds.Holder(client_key=holds.client_key("203.0.113.7"))

    outcomes = rush(lambda n: services.hold_slot(slot_id=slot.pk, holder=script),
                    clients=32, attempts=1)

    slot.refresh_from_db()
    # A burst may end below the limit (each request counts the others' holds), never above.
    assert outcomes["booked"] <= 5, outcomes
    assert outcomes["booked"] + outcomes["TooManyHolds"] == 32
    assert slot.booked_online == outcomes["booked"] == occupying(slot)


def test_variants_of_one_mailbox_registering_at_once_get_one_registration() -> None:
    """The unique index on the mailbox key holds when 16 sub-addresses register together."""
    from rathaus.appointments.models import Mode, Registration

    calendar = factories.calendar(mode=Mode.DRAW)

    outcomes = rush(lambda n: services.register_for_draw(
        calendar=calendar, group=None,
        person=services.Person(name=f"Erika {n}", email=f"erika+{n}@example.org")),
        clients=16, attempts=1)

    assert outcomes == {"booked": 1, "AlreadyRegistered": 15}
    assert Registration.objects.filter(calendar=calendar).count() == 1
