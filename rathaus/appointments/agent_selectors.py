"""Reads of the phone channel: what agents look up, in the staff pages and through the API."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace

from rathaus.core.references import REFERENCE_ALPHABET

from .models import Booking, BookingStatus, Calendar, Registration, Slot
from .places import capacity_column, counter_column

# Read out on the phone, O is heard as 0 and I or L as 1 (Crockford's base32).
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_REFERENCE = re.compile(rf"^[{REFERENCE_ALPHABET}]{{4}}-?[{REFERENCE_ALPHABET}]{{4}}$")
_PHONE = re.compile(r"^\+?[0-9 ()/.\-]{3,40}$")
SEARCH_LIMIT = 50

M = TypeVar("M", Booking, Registration)


def normalize_reference(text: str) -> str | None:
    """Return ``text`` as a stored reference (``ABCD-EFGH``), or None if it cannot be one."""
    value = re.sub(r"\s+", "", text).upper().translate(_LOOK_ALIKES)
    if not _REFERENCE.match(value):
        return None
    return f"{value[:4]}-{value[-4:]}"


def phone_is_plausible(value: str) -> bool:
    return bool(_PHONE.match(value)) and sum(c.isdigit() for c in value) >= 3


def _phone_digits(value: str) -> str:
    digits = re.sub(r"[^0-9+]", "", value)
    return "0" + digits[3:] if digits.startswith("+49") else digits


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return the first instant of ``day`` and of the next day, in the town's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return (dt.datetime.combine(day, dt.time.min, tzinfo=zone),
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone))


@functools.cache
def _day_slots_sql(channel: str) -> str:
    """The slot list of a day, written out: as ORM query, building it cost more than running it.

    Start and end come as text (UTC) and are turned into local times by ``_local``, which
    remembers them: a day's times are asked for again and again. Only quoted table and column
    names go into the text; values are parameters.
    """
    q = connection.ops.quote_name
    slot, calendar = q(Slot._meta.db_table), q(Calendar._meta.db_table)
    columns = ", ".join([f"s.{q('id')}", f"CAST(s.{q('starts_at')} AS TEXT)",
                         f"CAST(s.{q('ends_at')} AS TEXT)",
                         f"s.{q(capacity_column(channel))}", f"s.{q(counter_column(channel))}",
                         *(f"c.{q(c)}" for c in ("mode", "book_from_days", "book_until_days"))])
    return (
        f"SELECT {columns} FROM {slot} s "  # noqa: S608
        f"JOIN {calendar} c ON c.{q('id')} = s.{q('calendar_id')} "
        f"WHERE c.{q('slug')} = %s AND c.{q('is_active')} "
        f"AND s.{q('starts_at')} >= %s AND s.{q('starts_at')} < %s ORDER BY s.{q('starts_at')}"
    )


@dataclass(frozen=True)
class LocalTime:
    moment: dt.datetime  # aware, in the town's time zone
    iso: str


@functools.lru_cache(maxsize=20_000)
def _local(stored: str) -> LocalTime:
    """A stored time (UTC text, as PostgreSQL or SQLite give it) in the town's time zone."""
    moment = dt.datetime.fromisoformat(stored)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)  # SQLite keeps UTC without the offset
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return LocalTime(local, local.isoformat())


def day_slots(slug: str, day: dt.date, channel: str) -> list[tuple[Any, ...]]:
    """The slots of an active calendar on a day (local time), one indexed range query.

    Each row: id, start and end (``LocalTime``), the channel's places and taken places, and the
    calendar's mode and booking window in days.
    """
    start, end = day_bounds(day)
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(_day_slots_sql(channel), [
            slug, ops.adapt_datetimefield_value(start), ops.adapt_datetimefield_value(end)])
        return [(pk, _local(starts), _local(ends), *rest)
                for pk, starts, ends, *rest in cursor.fetchall()]


def booking_by_reference(text: str) -> Booking | None:
    reference = normalize_reference(text)
    if reference is None:
        return None
    return (Booking.objects.select_related("slot", "calendar", "agent")
            .filter(reference=reference).first())


def registration_by_reference(text: str) -> Registration | None:
    reference = normalize_reference(text)
    if reference is None:
        return None
    return (Registration.objects.select_related("calendar", "priority_group", "agent")
            .filter(reference=reference).first())


def _person_filter(query: str) -> Q | None:
    reference = normalize_reference(query)
    if reference is not None:
        return Q(reference=reference)
    if phone_is_plausible(query) and not any(c.isalpha() for c in query):
        return Q(phone_digits__contains=_phone_digits(query))
    if len(query) >= 2:
        return Q(name__icontains=query)
    return None


def _with_phone_digits(queryset: QuerySet[M]) -> QuerySet[M]:
    digits = Replace("phone", Value("+49"), Value("0"))
    for sign in (" ", "-", "/", "(", ")", "."):
        digits = Replace(digits, Value(sign), Value(""))
    return queryset.alias(phone_digits=digits)


def find_bookings(query: str) -> list[Booking]:
    """Bookings matching a reference, a phone number or part of a name; latest first."""
    condition = _person_filter(query.strip())
    if condition is None:
        return []
    bookings = _with_phone_digits(Booking.objects.exclude(status=BookingStatus.HELD))
    return list(bookings.filter(condition).select_related("slot", "calendar")
                .order_by("-slot__starts_at")[:SEARCH_LIMIT])


def find_registrations(query: str) -> list[Registration]:
    """Draw registrations matching a reference, a phone number or part of a name."""
    condition = _person_filter(query.strip())
    if condition is None:
        return []
    registrations = _with_phone_digits(Registration.objects.all())
    return list(registrations.filter(condition).select_related("calendar")
                .order_by("-created_at")[:SEARCH_LIMIT])
