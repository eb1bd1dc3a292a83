"""The hot path of every booking: what a slot is, and taking one of its places.

A rush on one slot sends thousands of bookings within seconds; each must cost as little as
possible without weakening the rule that a slot never takes more than its capacity
(decision 0011):

* What a booking checks about its slot and calendar (start, calendar open, mode, booking
  window) is read from a short per-process memory (``slot_facts``) instead of a query per
  booking. Saving or deleting a slot or calendar clears it in the process that saved it; other
  processes see the change within ``FACTS_SECONDS``. The places themselves are never
  remembered: they are counted in the database, in the statement below.
* On PostgreSQL one statement takes the place (the conditional UPDATE of the slot row) and
  inserts the booking from that UPDATE's result, so that a full slot inserts nothing. Outside a
  transaction that is one round trip and one commit; the slot's row lock is held only while
  PostgreSQL runs the statement and commits, never while Python works.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models.signals import post_delete, post_save

from .models import Booking, BookingStatus, Calendar, Channel, Slot, booking_window

FACTS_SECONDS = 5.0
_FACTS_MAX = 10_000


@dataclass(frozen=True)
class SlotFacts:
    """What a booking checks about a slot; its places are not part of it (see above)."""

    pk: int
    calendar_id: int
    starts_at: dt.datetime
    calendar_active: bool
    mode: str
    book_from_days: int
    book_until_days: int
    hold_minutes: int

    def booking_window(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """The first and last day a citizen may book today (as ``Calendar.booking_window``)."""
        return booking_window(today, self.book_from_days, self.book_until_days)


_facts: dict[int, tuple[float, SlotFacts]] = {}
_facts_lock = threading.Lock()


def slot_facts(slot_id: int) -> SlotFacts | None:
    """Return the facts of a slot, remembered for ``FACTS_SECONDS``; None if there is none."""
    now = time.monotonic()
    remembered = _facts.get(slot_id)
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    row = Slot.objects.filter(pk=slot_id).values_list(
        "calendar_id", "starts_at", "calendar__is_active", "calendar__mode",
        "calendar__book_from_days", "calendar__book_until_days",
        "calendar__hold_minutes").first()
    if row is None:
        return None
    facts = SlotFacts(slot_id, *row)
    with _facts_lock:
        if len(_facts) >= _FACTS_MAX:
            _facts.clear()
        _facts[slot_id] = (now + FACTS_SECONDS, facts)
    return facts


def forget_slots(**_kwargs: Any) -> None:
    """Forget every remembered slot (a slot or calendar was saved or deleted here)."""
    with _facts_lock:
        _facts.clear()


for _model in (Slot, Calendar):
    post_save.connect(forget_slots, sender=_model, dispatch_uid=f"forget_slots_{_model.__name__}")
    post_delete.connect(forget_slots, sender=_model,
                        dispatch_uid=f"forget_slots_deleted_{_model.__name__}")


class Outcome(enum.Enum):
    PLACED = "placed"
    FULL = "full"
    # Full, but holds or unconfirmed bookings of this channel have lapsed: free them and retry.
    FULL_WITH_LAPSED = "full_with_lapsed"
    GONE = "gone"


def counter_column(channel: str) -> str:
    return "booked_staff" if channel == Channel.STAFF else "booked_online"


def capacity_column(channel: str) -> str:
    return "capacity_staff" if channel == Channel.STAFF else "capacity_online"


@functools.cache
def _statement(channel: str) -> tuple[str, tuple[Any, ...]]:
    """The statement that takes a place of ``channel`` and inserts the booking, and its fields.

    Written from the models' metadata, so that a new booking field needs no change here. The
    values are cast to their columns' types because ``INSERT ... SELECT`` gives parameters no
    type of their own. Only quoted table and column names go into the text.
    """
    q = connection.ops.quote_name
    slot, booking = q(Slot._meta.db_table), q(Booking._meta.db_table)
    taken, capacity = q(counter_column(channel)), q(capacity_column(channel))
    fields = tuple(f for f in Booking._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(q(str(f.column)) for f in fields)
    values = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields)
    return (
        f"WITH taken AS (UPDATE {slot} SET {taken} = {taken} + 1 "  # noqa: S608
        f"WHERE {q('id')} = %s AND {taken} < {capacity} RETURNING {q('id')}), "
        f"placed AS (INSERT INTO {booking} ({columns}) SELECT {values} FROM taken "
        f"RETURNING {q('id')}) "
        f"SELECT (SELECT {q('id')} FROM placed), "
        f"EXISTS(SELECT 1 FROM {slot} WHERE {q('id')} = %s), "
        f"EXISTS(SELECT 1 FROM {booking} WHERE {q('slot_id')} = %s AND {q('channel')} = %s "
        f"AND {q('status')} IN (%s, %s) AND {q('expires_at')} <= %s)"
    ), fields


def insert_taking_place(booking: Booking, now: dt.datetime) -> Outcome:
    """Take a place for ``booking`` on its slot and insert it, in one PostgreSQL statement.

    Raises IntegrityError when the database refuses the booking (a second active booking of
    the same person); the place is then not taken either, the statement being atomic. Callers
    inside a transaction must run this in a savepoint for that case.
    """
    sql, fields = _statement(str(booking.channel))
    values = [f.get_db_prep_save(f.pre_save(booking, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [booking.slot_id, *values, booking.slot_id, booking.slot_id,
                             booking.channel, BookingStatus.HELD, BookingStatus.PENDING, now])
        pk, exists, lapsed = cursor.fetchone()
    if pk is not None:
        booking.pk = pk
        booking._state.adding = False
        booking._state.db = connection.alias
        return Outcome.PLACED
    if not exists:
        return Outcome.GONE
    return Outcome.FULL_WITH_LAPSED if lapsed else Outcome.FULL
