"""Every write to calendars, slots, bookings, waiting lists and draws.

Capacity is taken with one conditional UPDATE on the slot row (``booked < capacity``) inside the
same short transaction that inserts or ends the booking; PostgreSQL re-checks the condition after
waiting for a concurrent writer's row lock, SQLite serialises writers (IMMEDIATE transactions), and
the check constraints on the slot stop anything that slips past both.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import draw as lottery
from . import holds, places
from .models import (
    EXPIRING,
    Booking,
    BookingStatus,
    Calendar,
    Channel,
    DrawEntry,
    DrawEvent,
    DrawEventKind,
    DrawOutcome,
    Metric,
    Mode,
    PriorityGroup,
    Registration,
    RegistrationStatus,
    Release,
    Slot,
    WaitlistEntry,
    WaitlistStatus,
)
from .people import mailbox_key, person_key
from .slots import Hours, PlannedSlot, plan_slots, public_holidays

log = logging.getLogger(__name__)

Agent = User | None
T = TypeVar("T")


class BookingError(Exception):
    """A booking step that cannot be done; ``message`` is shown to the person."""

    code = "booking_error"
    message: Any = _("This appointment cannot be booked.")

    def __init__(self, message: Any = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class SlotFull(BookingError):
    code = "slot_full"
    message = _("This time has just been taken. Please choose another one.")


class AlreadyBooked(BookingError):
    code = "already_booked"
    message = _("There is already an appointment for this e-mail address in this calendar. "
                "Use the link in its e-mail to change or cancel it.")


class AlreadyRegistered(BookingError):
    code = "already_registered"
    message = _("This e-mail address is already on the list for this calendar.")


class TooManyHolds(BookingError):
    code = "too_many_holds"
    message = holds.CLIENT_FULL


class NotBookable(BookingError):
    code = "not_bookable"
    message = _("This time cannot be booked (any more).")


class Lapsed(BookingError):
    code = "lapsed"
    message = _("The time to confirm has run out and the place was given back. "
                "Please choose a time again.")


@dataclass(frozen=True)
class Person:
    name: str
    email: str = ""
    phone: str = ""
    language: str = "de"
    # A signed-in citizen's person key (BundID or verified e-mail): it, not the address typed
    # in, says who the person is (one booking per person; "Mein Rathaus" finds it by it).
    citizen_key: str = ""

    @property
    def key(self) -> str:
        return self.citizen_key or person_key(email=self.email, phone=self.phone)


_counter = places.counter_column
_capacity = places.capacity_column


def _count(calendar_id: int, metric: str, channel: str = Channel.ONLINE, n: int = 1) -> None:
    from .stats import counter

    transaction.on_commit(lambda: counter.record(calendar_id, metric, channel, n))


def _count_refused(calendar_id: int, channel: str) -> None:
    """Count a request for a full slot at once: its transaction is rolled back by SlotFull."""
    from .stats import counter

    counter.record(calendar_id, Metric.REQUEST, channel)
    counter.record(calendar_id, Metric.SLOT_FULL, channel)


def _take_place(slot_id: int, channel: str) -> bool:
    """Take one place of ``channel`` on the slot if one is free; must run inside a transaction."""
    booked, capacity = _counter(channel), _capacity(channel)
    taken = Slot.objects.filter(pk=slot_id, **{f"{booked}__lt": F(capacity)}).update(
        **{booked: F(booked) + 1})
    if taken:
        return True
    # Places of lapsed holds are freed here, lazily. Retry whenever lapsed holds were seen,
    # even if a concurrent request freed them first: its commit is what made room.
    if _release_lapsed(slot_id=slot_id, now=timezone.now())[0]:
        taken = Slot.objects.filter(pk=slot_id, **{f"{booked}__lt": F(capacity)}).update(
            **{booked: F(booked) + 1})
    return bool(taken)


def _give_back(bookings: list[Booking] | Any, status: str, now: dt.datetime) -> list[Booking]:
    """End the given bookings if they still occupy a place, and free their places."""
    ended = []
    for booking in bookings:
        changed = Booking.objects.filter(pk=booking.pk, status=booking.status).update(
            status=status, ended_at=now, expires_at=None)
        if not changed:
            continue  # someone else ended or confirmed it first
        counter = _counter(booking.channel)
        Slot.objects.filter(pk=booking.slot_id).update(**{counter: F(counter) - 1})
        booking.status = status
        ended.append(booking)
    return ended


def release_lapsed(*, slot_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Free the places of holds and unconfirmed bookings whose time has run out.

    Offers lapse through ``expire_offers`` instead, which also passes the place on.
    """
    return _release_lapsed(slot_id=slot_id, now=now or timezone.now())[1]


def _release_lapsed(*, slot_id: int | None, now: dt.datetime,
                    channel: str | None = None) -> tuple[int, int]:
    """Return how many lapsed bookings were found and how many this call ended."""
    lapsed = Booking.objects.filter(
        status__in=[BookingStatus.HELD, BookingStatus.PENDING], expires_at__lte=now)
    if slot_id is not None:
        lapsed = lapsed.filter(slot_id=slot_id)
    if channel is not None:
        lapsed = lapsed.filter(channel=channel)
    found = list(lapsed.only("pk", "status", "channel", "slot_id"))
    if not found:
        return 0, 0
    with transaction.atomic():
        ended = _give_back(found, BookingStatus.EXPIRED, now)
    return len(found), len(ended)


def _check_bookable(slot: places.SlotFacts, channel: str, now: dt.datetime) -> None:
    if not slot.calendar_active or slot.starts_at <= now:
        raise NotBookable
    if channel == Channel.ONLINE:
        if slot.mode != Mode.FIRST_COME:
            raise NotBookable
        first, last = slot.booking_window(timezone.localdate(now))
        if not first <= timezone.localtime(slot.starts_at).date() <= last:
            raise NotBookable


def _slot(slot_id: int) -> places.SlotFacts:
    facts = places.slot_facts(slot_id)
    if facts is None:
        raise NotBookable
    return facts


def hold_slot(*, slot_id: int, holder: holds.Holder | None = None) -> Booking:
    """Keep a place on a slot for a citizen for a few minutes while they enter their details.

    With a ``holder`` (the citizen pages), the limits on holds per session and per client
    address apply (``holds.py``): refused before the place is taken, and a hold that a
    concurrent request of the same address pushed over the limit is given back at once.
    """
    now = timezone.now()
    slot = _slot(slot_id)
    _check_bookable(slot, Channel.ONLINE, now)
    if holder is not None and (refused := holds.refusal(holder, now)):
        raise TooManyHolds(refused)
    booking = _place(slot, Booking(
        calendar_id=slot.calendar_id, slot_id=slot.pk, channel=Channel.ONLINE,
        status=BookingStatus.HELD, expires_at=now + dt.timedelta(minutes=slot.hold_minutes),
        client_key=holder.client_key if holder is not None else ""), now)
    if holder is not None and holder.client_key \
            and (refused := holds.refusal(holder, now, placed=booking)):
        with transaction.atomic():
            _give_back([booking], BookingStatus.CANCELLED, now)
        raise TooManyHolds(refused)
    return booking


def _place(slot: places.SlotFacts, booking: Booking, now: dt.datetime) -> Booking:
    """Take a place on the slot for a new booking and insert it, or refuse with SlotFull.

    A full slot inserts nothing. When holds or unconfirmed bookings of the channel have lapsed,
    their places are freed and the booking tries once more. A second active booking of the same
    person is refused with AlreadyBooked, and takes no place either.
    """
    for attempt in (1, 2):
        if connection.vendor == "postgresql":
            outcome = _insert_taking_place(booking, now)
        else:
            outcome = _take_place_then_insert(booking)
        if outcome is places.Outcome.PLACED:
            _count(slot.calendar_id, Metric.REQUEST, booking.channel)
            return booking
        if outcome is places.Outcome.GONE:
            raise NotBookable
        if outcome is not places.Outcome.FULL_WITH_LAPSED or attempt == 2 \
                or not _release_lapsed(slot_id=slot.pk, now=now, channel=booking.channel)[0]:
            break
    _count_refused(slot.calendar_id, booking.channel)
    raise SlotFull


def _insert_taking_place(booking: Booking, now: dt.datetime) -> places.Outcome:
    """PostgreSQL: one statement; in a savepoint only when a transaction is already open."""
    try:
        if not connection.in_atomic_block:
            return places.insert_taking_place(booking, now)
        with transaction.atomic():
            return places.insert_taking_place(booking, now)
    except IntegrityError as error:
        if "reference" in str(error):
            raise
        raise AlreadyBooked from None


def _take_place_then_insert(booking: Booking) -> places.Outcome:
    """Other databases (SQLite): the same two writes in one transaction, writers serialised."""
    booked, capacity = _counter(booking.channel), _capacity(booking.channel)
    with transaction.atomic():
        taken = Slot.objects.filter(pk=booking.slot_id, **{f"{booked}__lt": F(capacity)}).update(
            **{booked: F(booked) + 1})
        if not taken:
            if not Slot.objects.filter(pk=booking.slot_id).exists():
                return places.Outcome.GONE
            lapsed = Booking.objects.filter(
                slot_id=booking.slot_id, channel=booking.channel, expires_at__lte=timezone.now(),
                status__in=[BookingStatus.HELD, BookingStatus.PENDING]).exists()
            return places.Outcome.FULL_WITH_LAPSED if lapsed else places.Outcome.FULL
        _save_claiming_person(booking)
    return places.Outcome.PLACED


def _save_claiming_person(booking: Booking) -> None:
    """Save a booking; a second active booking of the same person is refused by the database.

    No savepoint: every caller runs it in its own ``atomic`` block and lets AlreadyBooked roll
    that back whole.
    """
    try:
        booking.save()
    except IntegrityError as error:
        if "reference" in str(error):
            raise
        raise AlreadyBooked from None


@transaction.atomic
def submit_details(*, booking: Booking, person: Person) -> Booking:
    """Attach the citizen's details to a hold and ask them to confirm by e-mail."""
    now = timezone.now()
    booking = Booking.objects.select_for_update().select_related("calendar").get(pk=booking.pk)
    if booking.status != BookingStatus.HELD or booking.expires_at is None \
            or booking.expires_at <= now:
        raise Lapsed
    booking.name, booking.email, booking.phone = person.name, person.email, person.phone
    booking.language = person.language
    booking.person_key = person.key
    booking.status = BookingStatus.PENDING
    booking.expires_at = now + dt.timedelta(minutes=booking.calendar.confirm_minutes)
    _save_claiming_person(booking)
    from .tasks import send_confirmation_request

    transaction.on_commit(lambda: send_confirmation_request.enqueue(booking_id=booking.pk))
    return booking


def _confirm_in_time(booking: Booking, status: str, lapsed: BookingError
                     ) -> tuple[Booking, bool]:
    """Lock the booking and confirm it if it is still ``status`` before its deadline.

    Returns the booking and whether this call confirmed it (not when it already was, so that
    a second click changes nothing); raises ``lapsed`` when the deadline has passed.
    """
    now = timezone.now()
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status == BookingStatus.CONFIRMED:
        return booking, False
    if booking.status != status or booking.expires_at is None or booking.expires_at <= now:
        raise lapsed
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    booking.expires_at = None
    booking.save(update_fields=["status", "confirmed_at", "expires_at"])
    return booking, True


@transaction.atomic
def confirm_booking(*, booking: Booking) -> Booking:
    """Confirm a booking from the e-mail link (double opt-in); repeating it changes nothing."""
    booking, confirmed = _confirm_in_time(booking, BookingStatus.PENDING, Lapsed())
    if not confirmed:
        return booking
    _count(booking.calendar_id, Metric.BOOKED, booking.channel)
    from .tasks import send_booking_confirmation

    transaction.on_commit(lambda: send_booking_confirmation.enqueue(booking_id=booking.pk))
    return booking


def book_for_caller(*, slot_id: int, person: Person, agent: Agent,
                    channel: str = Channel.STAFF) -> Booking:
    """Book a confirmed appointment for a caller or visitor (or a kiosk), at once.

    The confirmation e-mail is marked due on the booking row itself (``confirmation_due``) and
    sent by ``send_due_confirmations``: nothing more is written per booking (decision 0011).
    """
    now = timezone.now()
    slot = _slot(slot_id)
    _check_bookable(slot, channel, now)
    booking = _place(slot, Booking(
        calendar_id=slot.calendar_id, slot_id=slot.pk, channel=channel,
        status=BookingStatus.CONFIRMED, confirmed_at=now, person_key=person.key,
        name=person.name, email=person.email, phone=person.phone, language=person.language,
        agent=agent, confirmation_due=bool(person.email)), now)
    _count(slot.calendar_id, Metric.BOOKED, channel)
    if booking.confirmation_due:
        from .outbox import confirmations_due

        transaction.on_commit(confirmations_due)
    return booking


@transaction.atomic
def move_booking(*, booking: Booking, slot_id: int, agent: Agent,
                 channel: str | None = None) -> Booking:
    """Move a confirmed booking to another slot of its calendar; it keeps its reference.

    The booking, its links and the e-mails sent about it stay valid: only its slot changes.
    The new place is taken by the same conditional update as any booking (``booked <
    capacity``) before the old one is given back, in one transaction, so a move can neither
    overbook the new slot nor lose the old time when the new one is full. Both slot rows are
    locked first, in id order, so that two moves crossing between the same slots wait for
    each other instead of deadlocking. ``channel`` is the quota the new place comes from: the
    booking's own when an agent moves it, online when the citizen does (``agent`` None). Who
    moved it for a caller is recorded in the audit log by the staff page.
    """
    now = timezone.now()
    old = Booking.objects.select_for_update().get(pk=booking.pk)
    if old.status != BookingStatus.CONFIRMED:
        raise NotBookable
    channel = channel or old.channel
    slot = _slot(slot_id)
    if slot.calendar_id != old.calendar_id or slot.pk == old.slot_id:
        raise NotBookable
    _check_bookable(slot, channel, now)
    list(Slot.objects.select_for_update(no_key=True).filter(pk__in=[old.slot_id, slot.pk])
         .order_by("pk").values_list("pk", flat=True))
    if not _take_place(slot.pk, channel):
        _count_refused(old.calendar_id, channel)
        raise SlotFull
    counter = _counter(old.channel)
    Slot.objects.filter(pk=old.slot_id).update(**{counter: F(counter) - 1})
    Booking.objects.filter(pk=old.pk).update(
        slot_id=slot.pk, channel=channel, times_moved=F("times_moved") + 1,
        reminder_sent_at=None, agent=agent or old.agent)
    _count(old.calendar_id, Metric.CANCELLED, old.channel)
    _count(old.calendar_id, Metric.BOOKED, channel)
    moved = Booking.objects.select_related("slot", "calendar__location").get(pk=old.pk)
    from .tasks import offer_freed_places, send_booking_confirmation

    if moved.email:
        transaction.on_commit(lambda: send_booking_confirmation.enqueue(
            booking_id=moved.pk, rescheduled=True))
    transaction.on_commit(lambda: offer_freed_places.enqueue(calendar_id=old.calendar_id))
    return moved


@transaction.atomic
def cancel_booking(*, booking: Booking) -> Booking:
    """Cancel a booking and pass its place on; cancelling twice changes nothing.

    Who cancelled for a caller is recorded in the audit log by the staff page or the API.
    """
    now = timezone.now()
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status not in (BookingStatus.CONFIRMED, *EXPIRING):
        return booking
    was_confirmed = booking.status == BookingStatus.CONFIRMED
    _give_back([booking], BookingStatus.CANCELLED, now)
    if was_confirmed:
        _count(booking.calendar_id, Metric.CANCELLED, booking.channel)
        from .tasks import send_cancellation

        if booking.email:
            transaction.on_commit(lambda: send_cancellation.enqueue(booking_id=booking.pk))
    if booking.registration_id is not None:
        Registration.objects.filter(pk=booking.registration_id).update(
            status=RegistrationStatus.WITHDRAWN)
    from .tasks import offer_freed_places

    transaction.on_commit(lambda: offer_freed_places.enqueue(calendar_id=booking.calendar_id))
    return booking


@transaction.atomic
def record_attendance(*, booking: Booking, attended: bool) -> bool:
    """Mark a past confirmed booking as attended or missed (the place stays used).

    Returns whether this call recorded it; the staff page writes who did to the audit log.
    """
    status = BookingStatus.ATTENDED if attended else BookingStatus.NO_SHOW
    updated = Booking.objects.filter(
        pk=booking.pk, status=BookingStatus.CONFIRMED).update(status=status)
    if updated:
        _count(booking.calendar_id, Metric.ATTENDED if attended else Metric.NO_SHOW,
               booking.channel)
        booking.status = status
    return bool(updated)


# --- waiting list (first-come calendars) ---------------------------------------------------


@transaction.atomic
def join_waitlist(*, calendar: Calendar, person: Person,
                  channel: str = Channel.ONLINE) -> WaitlistEntry:
    """Put a person on a full calendar's waiting list."""
    key = person.key
    if Booking.objects.filter(calendar=calendar, person_key=key,
                              status__in=[BookingStatus.PENDING, BookingStatus.OFFERED,
                                          BookingStatus.CONFIRMED]).exists():
        raise AlreadyBooked
    entry = WaitlistEntry(calendar=calendar, person_key=key, name=person.name,
                          email=person.email, phone=person.phone, language=person.language,
                          channel=channel)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise AlreadyRegistered from None
    _count(calendar.pk, Metric.WAITLISTED, channel)
    from .tasks import offer_freed_places, send_waitlist_receipt

    transaction.on_commit(lambda: send_waitlist_receipt.enqueue(entry_id=entry.pk))
    # A place may have come free between the full page and this form.
    transaction.on_commit(lambda: offer_freed_places.enqueue(calendar_id=calendar.pk))
    return entry


@transaction.atomic
def withdraw_waitlist_entry(*, entry: WaitlistEntry) -> WaitlistEntry:
    """Take a person off a waiting list; leaving twice changes nothing.

    Only an entry still waiting can be withdrawn: an offered place is declined instead
    (``decline_offer``), which also passes it on. The conditional update waits for an offer
    being made to the entry at the same moment (it locks the row) and then leaves it alone.
    """
    WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.WAITING).update(
        status=WaitlistStatus.WITHDRAWN)
    return WaitlistEntry.objects.get(pk=entry.pk)


def _offer(*, slot: Slot, name: str, email: str, phone: str, language: str, key: str,
           hours: int, now: dt.datetime, **links: Any) -> Booking | None:
    if not _take_place(slot.pk, Channel.ONLINE):
        return None
    booking = Booking(
        calendar_id=slot.calendar_id, slot=slot, channel=Channel.ONLINE,
        status=BookingStatus.OFFERED, expires_at=now + dt.timedelta(hours=hours),
        person_key=key, name=name, email=email, phone=phone, language=language, **links)
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError:
        counter = _counter(Channel.ONLINE)
        Slot.objects.filter(pk=slot.pk).update(**{counter: F(counter) - 1})
        return None
    _count(slot.calendar_id, Metric.OFFERED)
    from .tasks import send_offer

    transaction.on_commit(lambda: send_offer.enqueue(booking_id=booking.pk))
    return booking


def _free_slots(calendar: Calendar, now: dt.datetime, first: dt.date | None = None,
                last: dt.date | None = None) -> list[Slot]:
    slots = Slot.objects.filter(calendar=calendar, starts_at__gt=now,
                                booked_online__lt=F("capacity_online"))
    if first is not None:
        slots = slots.filter(starts_at__date__gte=first)
    if last is not None:
        slots = slots.filter(starts_at__date__lte=last)
    return list(slots.order_by("starts_at"))


@transaction.atomic
def offer_waitlist_places(*, calendar: Calendar) -> int:
    """Offer free online places of a first-come calendar to the people waiting, in order."""
    if calendar.mode != Mode.FIRST_COME:
        return 0
    now = timezone.now()
    first, last = calendar.booking_window(timezone.localdate(now))
    waiting = WaitlistEntry.objects.select_for_update(skip_locked=True).filter(
        calendar=calendar, status=WaitlistStatus.WAITING).order_by("created_at", "pk")

    def offer(slot: Slot, entry: WaitlistEntry) -> Booking | None:
        booking = _offer(slot=slot, name=entry.name, email=entry.email, phone=entry.phone,
                         language=entry.language, key=entry.person_key,
                         hours=calendar.offer_hours, now=now, waitlist_entry=entry)
        if booking is not None:
            entry.status = WaitlistStatus.OFFERED
            entry.save(update_fields=["status"])
        return booking

    return _fill(_free_slots(calendar, now, first, last), iter(waiting[:500]), offer)


def _fill(slots: list[Slot], candidates: Iterator[T], offer: Callable[[Slot, T], Any]) -> int:
    """Offer every free online place of ``slots`` to the candidates, in order."""
    offered = 0
    for slot in slots:
        free = slot.capacity_online - slot.booked_online
        while free > 0:
            candidate = next(candidates, None)
            if candidate is None:
                return offered
            if offer(slot, candidate) is not None:
                offered += 1
                free -= 1
            elif not Slot.objects.filter(pk=slot.pk,
                                         booked_online__lt=F("capacity_online")).exists():
                break
    return offered


@transaction.atomic
def accept_offer(*, booking: Booking) -> Booking:
    """Accept an offered place (from the waiting list or a draw) before its deadline."""
    booking, confirmed = _confirm_in_time(
        booking, BookingStatus.OFFERED, Lapsed(_("The time to accept this offer has run out.")))
    if not confirmed:
        return booking
    now = booking.confirmed_at or timezone.now()
    _count(booking.calendar_id, Metric.OFFER_ACCEPTED)
    _count(booking.calendar_id, Metric.BOOKED)
    _settle_offer(booking, WaitlistStatus.BOOKED, RegistrationStatus.BOOKED,
                  DrawEventKind.ACCEPTED, now)
    from .tasks import send_booking_confirmation

    transaction.on_commit(lambda: send_booking_confirmation.enqueue(booking_id=booking.pk))
    return booking


@transaction.atomic
def decline_offer(*, booking: Booking) -> Booking:
    """Decline an offered place; it goes to the next person at once."""
    now = timezone.now()
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != BookingStatus.OFFERED:
        return booking
    _give_back([booking], BookingStatus.DECLINED, now)
    _settle_offer(booking, WaitlistStatus.WITHDRAWN, RegistrationStatus.DECLINED,
                  DrawEventKind.DECLINED, now)
    from .tasks import offer_freed_places

    transaction.on_commit(lambda: offer_freed_places.enqueue(calendar_id=booking.calendar_id))
    return booking


def _settle_offer(booking: Booking, entry_status: str, registration_status: str,
                  event: str, now: dt.datetime) -> None:
    """Carry an offer's end over to the waiting-list entry or draw registration it came from."""
    if booking.waitlist_entry_id:
        WaitlistEntry.objects.filter(pk=booking.waitlist_entry_id).update(status=entry_status)
    if booking.registration_id:
        Registration.objects.filter(pk=booking.registration_id).update(
            status=registration_status)
        _event(booking, event, now)


def _event(booking: Booking, kind: str, now: dt.datetime) -> None:
    if booking.registration_id is None:
        return
    entry = DrawEntry.objects.filter(registration_id=booking.registration_id).order_by(
        "-release__closes_at").select_related("release").first()
    if entry is None:
        return
    DrawEvent.objects.create(release=entry.release, at=now, kind=kind,
                             reference=entry.registration.reference, position=entry.position,
                             slot_starts_at=booking.slot.starts_at)


def expire_offers(*, now: dt.datetime | None = None) -> int:
    """Let offers past their deadline lapse and pass each place to the next person."""
    now = now or timezone.now()
    calendars: set[int] = set()
    lapsed = 0
    due = Booking.objects.filter(status=BookingStatus.OFFERED, expires_at__lte=now)
    for booking in due.select_related("slot"):
        with transaction.atomic():
            ended = _give_back([booking], BookingStatus.EXPIRED, now)
            if not ended:
                continue
            lapsed += 1
            calendars.add(booking.calendar_id)
            _count(booking.calendar_id, Metric.OFFER_LAPSED)
            _settle_offer(booking, WaitlistStatus.LAPSED, RegistrationStatus.LAPSED,
                          DrawEventKind.LAPSED, now)
    for calendar in Calendar.objects.filter(pk__in=calendars):
        offer_freed_places(calendar=calendar)
    return lapsed


def offer_freed_places(*, calendar: Calendar) -> int:
    """Pass free places on: to the waiting list, or down the list of the latest draw."""
    if calendar.mode == Mode.DRAW:
        return offer_next_in_draw(calendar=calendar)
    return offer_waitlist_places(calendar=calendar)


# --- scarce mode: registration and draw ----------------------------------------------------


def open_release(*, calendar: Calendar, opens_at: dt.datetime, closes_at: dt.datetime,
                 slots_from: dt.date, slots_until: dt.date, method: str) -> Release:
    """Announce a release: the request window and the appointments it gives out."""
    seed, commitment = lottery.new_seed()
    return Release.objects.create(
        calendar=calendar, opens_at=opens_at, closes_at=closes_at, slots_from=slots_from,
        slots_until=slots_until, method=method, seed=seed, seed_commitment=commitment)


def current_release(calendar: Calendar, now: dt.datetime | None = None) -> Release | None:
    now = now or timezone.now()
    return (Release.objects.filter(calendar=calendar, opens_at__lte=now, closes_at__gt=now,
                                   drawn_at__isnull=True).order_by("closes_at").first())


@transaction.atomic
def register_for_draw(*, calendar: Calendar, person: Person, group: PriorityGroup | None,
                      agent: Agent = None, channel: str = Channel.ONLINE) -> Registration:
    """Put a person on a draw calendar's list (they stay on it until they get a place).

    One registration per person and per mailbox (``people.mailbox_key``: ``name+2@`` is
    ``name@``), both held by unique indexes; raises AlreadyRegistered, or AlreadyBooked when
    the person already has an appointment of the calendar. Citizens' pages go through
    ``request_draw_registration``, which answers both cases by e-mail instead.
    """
    if calendar.mode != Mode.DRAW or not calendar.is_active:
        raise NotBookable
    if group is not None and group.calendar_id != calendar.pk:
        raise NotBookable
    key, box = person.key, mailbox_key(person.email)
    if _booked_in(calendar, key, box) is not None:
        raise AlreadyBooked
    registration = Registration(
        calendar=calendar, person_key=key, mailbox_key=box, name=person.name,
        email=person.email, phone=person.phone, language=person.language, priority_group=group,
        channel=channel, agent=agent)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise AlreadyRegistered from None
    _count(calendar.pk, Metric.REGISTERED, channel)
    if registration.email:
        from .tasks import send_registration_receipt

        transaction.on_commit(lambda: send_registration_receipt.enqueue(
            registration_id=registration.pk))
    return registration


def _booked_in(calendar: Calendar, key: str, box: str) -> Booking | None:
    """The person's confirmed appointment of the calendar (by person key or drawn mailbox)."""
    if not key and not box:
        return None
    same = Q(person_key=key) if key else Q()
    if box:
        same = same | Q(registration__mailbox_key=box) if key else Q(
            registration__mailbox_key=box)
    return Booking.objects.filter(same, calendar=calendar,
                                  status=BookingStatus.CONFIRMED).first()


# How often one mailbox is told per hour that it is registered already (the rest is dropped).
DUPLICATE_NOTICES_PER_HOUR = 3


@transaction.atomic
def request_draw_registration(*, calendar: Calendar, person: Person,
                              group: PriorityGroup | None) -> None:
    """Register a citizen for a draw and tell them the outcome by e-mail only.

    The page says the same whatever happened, so that nobody learns from it whether an
    address is on the list. The mailbox learns it: a receipt with the registration's link
    when it is new, else a notice that it is registered already (with the link only when it is
    the same person: the same address or the same BundID sign-in) or has an appointment.
    """
    try:
        register_for_draw(calendar=calendar, person=person, group=group)
    except (AlreadyRegistered, AlreadyBooked):
        pass
    else:
        return
    from rathaus.core import limits

    key, box = person.key, mailbox_key(person.email)
    if not limits.hit(scope="draw-duplicate-notice", key=box or key,
                      limit=DUPLICATE_NOTICES_PER_HOUR, window=3600):
        log.info("draw registration: duplicate notice not sent, too many for one mailbox")
        return
    booking = _booked_in(calendar, key, box)
    registration = None
    if booking is None:
        same_person = Q(person_key=key) | Q(mailbox_key=box) if box else Q(person_key=key)
        registration = Registration.objects.filter(
            same_person, calendar=calendar,
            status__in=[RegistrationStatus.WAITING, RegistrationStatus.OFFERED]).first()
    found: Booking | Registration | None = booking or registration
    # Another address of the same mailbox gets no link: at a few providers it is another person.
    same = found is not None and found.person_key == key
    from .tasks import send_duplicate_registration_notice

    transaction.on_commit(lambda: send_duplicate_registration_notice.enqueue(
        calendar_id=calendar.pk, email=person.email, language=person.language,
        registration_id=registration.pk if registration and same else None,
        booking_id=booking.pk if booking and same else None))


@transaction.atomic
def run_draw(*, release: Release, now: dt.datetime | None = None) -> Release:
    """Draw the release's free online places among everyone on the list, and make offers."""
    now = now or timezone.now()
    release = Release.objects.select_for_update().select_related("calendar").get(pk=release.pk)
    if release.drawn_at is not None:
        return release
    calendar = release.calendar
    waiting = list(Registration.objects.filter(
        calendar=calendar, status=RegistrationStatus.WAITING,
        created_at__lt=release.closes_at).select_related("priority_group"))
    tickets = {
        r.reference: lottery.Ticket(
            reference=r.reference,
            weight=r.priority_group.weight if r.priority_group else 1,
            rank=r.priority_group.rank if r.priority_group else 32767)
        for r in waiting
    }
    by_reference = {r.reference: r for r in waiting}
    drawn = lottery.order(list(tickets.values()), seed=release.seed, method=release.method)
    entries = [
        DrawEntry(release=release, registration=by_reference[ticket.reference],
                  group_code=_group_code(by_reference[ticket.reference]),
                  weight=ticket.weight, rank=ticket.rank, draw_key=f"{number:064x}",
                  position=position, outcome=DrawOutcome.NOT_DRAWN)
        for position, (ticket, number) in enumerate(drawn, start=1)
    ]
    DrawEntry.objects.bulk_create(entries)
    DrawEvent.objects.create(release=release, at=now, kind=DrawEventKind.DRAWN)
    places = _offer_down_the_list(release, now, first_round=True)
    release.drawn_at = now
    release.registrations_count = len(drawn)
    release.places_count = places
    release.save(update_fields=["drawn_at", "registrations_count", "places_count"])
    from .tasks import send_not_drawn

    for entry in DrawEntry.objects.filter(release=release, outcome=DrawOutcome.NOT_DRAWN
                                          ).select_related("registration"):
        DrawEvent.objects.create(release=release, at=now, kind=DrawEventKind.NOT_DRAWN,
                                 reference=entry.registration.reference, position=entry.position)
        if entry.registration.email:
            registration_id = entry.registration.pk
            transaction.on_commit(
                lambda rid=registration_id: send_not_drawn.enqueue(  # type: ignore[misc]
                    registration_id=rid, release_id=release.pk))
    log.info("draw %s: %d registrations, %d places, seed %s", release.pk, len(drawn), places,
             release.seed)
    return release


@transaction.atomic
def withdraw_registration(*, registration: Registration) -> Registration:
    """Take a registration off a draw calendar's list; withdrawing twice changes nothing.

    Only a registration still waiting can be withdrawn: an offered place is declined instead
    (``decline_offer``), which also passes it on.
    """
    Registration.objects.filter(pk=registration.pk, status=RegistrationStatus.WAITING).update(
        status=RegistrationStatus.WITHDRAWN)
    return Registration.objects.get(pk=registration.pk)


def _group_code(registration: Registration) -> str:
    group = registration.priority_group
    return group.code if group is not None else ""


def _offer_down_the_list(release: Release, now: dt.datetime, *, first_round: bool = False
                         ) -> int:
    """Offer each free place of the release to the next person in drawn order still waiting.

    The first round marks the drawn entries; places passed on later are recorded as events.
    """
    calendar = release.calendar
    candidates = DrawEntry.objects.filter(
        release=release, registration__status=RegistrationStatus.WAITING,
    ).select_related("registration").order_by("position")

    def offer(slot: Slot, entry: DrawEntry) -> Booking | None:
        registration = entry.registration
        booking = _offer(slot=slot, name=registration.name, email=registration.email,
                         phone=registration.phone, language=registration.language,
                         key=registration.person_key, hours=calendar.offer_hours, now=now,
                         registration=registration)
        if booking is None:
            return None
        registration.status = RegistrationStatus.OFFERED
        registration.save(update_fields=["status"])
        if first_round:
            entry.outcome = DrawOutcome.OFFERED
            entry.save(update_fields=["outcome"])
        DrawEvent.objects.create(release=release, at=now, kind=DrawEventKind.OFFERED,
                                 reference=registration.reference, position=entry.position,
                                 slot_starts_at=slot.starts_at)
        return booking

    slots = _free_slots(calendar, now, release.slots_from, release.slots_until)
    return _fill(slots, iter(candidates), offer)


@transaction.atomic
def offer_next_in_draw(*, calendar: Calendar) -> int:
    """Offer places freed after a draw (lapsed, declined, cancelled) down its list."""
    now = timezone.now()
    release = (Release.objects.select_for_update().filter(
        calendar=calendar, drawn_at__isnull=False, slots_until__gte=timezone.localdate(now))
        .select_related("calendar").order_by("-drawn_at").first())
    if release is None:
        return 0
    return _offer_down_the_list(release, now)


def draw_due_releases(*, now: dt.datetime | None = None) -> int:
    """Run the draw of every release whose request window has closed."""
    now = now or timezone.now()
    done = 0
    for release in Release.objects.filter(closes_at__lte=now, drawn_at__isnull=True):
        run_draw(release=release, now=now)
        done += 1
    return done


# --- slots ----------------------------------------------------------------------------------


def sync_slots(*, calendar: Calendar, start: dt.date | None = None,
               end: dt.date | None = None) -> int:
    """Make the slot rows match the calendar's rules for the booking window (or a range).

    New slots are created, capacities follow the rules but never drop below what is booked, and
    slots no longer planned close (capacity = booked) or disappear when nobody ever booked them.
    """
    today = timezone.localdate()
    start = start or today
    end = end or today + dt.timedelta(days=calendar.book_until_days)
    zone = ZoneInfo(settings.TIME_ZONE)
    rules = [Hours(weekday=r.weekday, opens=r.opens, closes=r.closes, capacity=r.capacity,
                   staff_capacity=r.staff_capacity, valid_from=r.valid_from,
                   valid_until=r.valid_until) for r in calendar.rules.all()]
    specials = [Hours(date=s.date, opens=s.opens, closes=s.closes, capacity=s.capacity,
                      staff_capacity=s.staff_capacity) for s in calendar.special_openings.all()]
    closed: set[dt.date] = set()
    for closure in calendar.closures.filter(ends_on__gte=start, starts_on__lte=end):
        day = max(closure.starts_on, start)
        while day <= min(closure.ends_on, end):
            closed.add(day)
            day += dt.timedelta(days=1)
    holiday_days = (public_holidays(range(start.year, end.year + 1))
                    if calendar.observe_public_holidays else {})
    planned = plan_slots(start=start, end=end, slot_minutes=calendar.slot_minutes, rules=rules,
                         specials=specials, closed_days=closed, holiday_days=holiday_days,
                         zone=zone)
    window_start = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    window_end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    wanted = {p.starts_at: p for p in planned}
    in_window = Slot.objects.filter(calendar=calendar, starts_at__gte=window_start,
                                    starts_at__lt=window_end)
    # Runs every minute: look first without locking, write only when the plan changed.
    if not _differs(wanted, {s.starts_at: s for s in in_window}):
        return 0
    changed = 0
    with transaction.atomic():
        existing = {s.starts_at: s for s in in_window.select_for_update()}
        new = [Slot(calendar=calendar, starts_at=p.starts_at, ends_at=p.ends_at,
                    capacity_online=p.capacity_online, capacity_staff=p.capacity_staff)
               for at, p in wanted.items() if at not in existing]
        Slot.objects.bulk_create(new)
        changed += len(new)
        for at, slot in existing.items():
            plan = wanted.get(at)
            online = plan.capacity_online if plan else 0
            staff = plan.capacity_staff if plan else 0
            if plan is None and not slot.bookings.exists():
                slot.delete()
                changed += 1
                continue
            if (slot.capacity_online, slot.capacity_staff) != _capacities(slot, plan):
                Slot.objects.filter(pk=slot.pk).update(
                    capacity_online=Greatest(F("booked_online"), online),
                    capacity_staff=Greatest(F("booked_staff"), staff))
                changed += 1
    return changed


def _capacities(slot: Slot, plan: PlannedSlot | None) -> tuple[int, int]:
    """Return the capacities a slot should have: the plan's, never below what is booked."""
    online = plan.capacity_online if plan else 0
    staff = plan.capacity_staff if plan else 0
    return max(online, slot.booked_online), max(staff, slot.booked_staff)


def _differs(wanted: dict[dt.datetime, PlannedSlot], existing: dict[dt.datetime, Slot]) -> bool:
    return wanted.keys() != existing.keys() or any(
        (slot.capacity_online, slot.capacity_staff) != _capacities(slot, wanted.get(at))
        for at, slot in existing.items())


def sync_all_slots() -> int:
    return sum(sync_slots(calendar=c) for c in Calendar.objects.filter(is_active=True))


def due_reminders(now: dt.datetime | None = None) -> Any:
    """Confirmed bookings of tomorrow (local date) whose reminder has not gone out."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    return Booking.objects.filter(
        Q(status=BookingStatus.CONFIRMED), ~Q(email=""), reminder_sent_at__isnull=True,
        slot__starts_at__date=tomorrow)


# --- retention -----------------------------------------------------------------------------

_ANONYMOUS = {"name": "", "email": "", "phone": "", "person_key": ""}


def purge_personal_data(*, now: dt.datetime | None = None) -> int:
    """Remove names and contact details from appointments past the retention period.

    A booking keeps them until ``RATHAUS_APPOINTMENT_RETENTION_DAYS`` after its appointment
    (for questions and no-shows) or after it was cancelled or lapsed; registrations and
    waiting-list entries once they are closed and their bookings anonymised. Counts, slots and
    the draw records (references only) stay for the statistics.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.RATHAUS_APPOINTMENT_RETENTION_DAYS)
    named = ~Q(name="") | ~Q(email="") | ~Q(phone="") | ~Q(person_key="")
    with transaction.atomic():
        # The address hash of a hold is needed for an hour (holds.py), not for the appointment.
        Booking.objects.exclude(client_key="").filter(created_at__lt=now - holds.WINDOW).exclude(
            status__in=holds.HELD, expires_at__gt=now).update(client_key="")
        done = Booking.objects.filter(named).filter(
            Q(slot__ends_at__lt=cutoff) | Q(ended_at__lt=cutoff)).update(**_ANONYMOUS)
        still_named = Booking.objects.filter(named)
        done += Registration.objects.filter(named).filter(created_at__lt=cutoff).exclude(
            status__in=[RegistrationStatus.WAITING, RegistrationStatus.OFFERED]).exclude(
            pk__in=still_named.filter(registration__isnull=False).values("registration_id")
        ).update(**_ANONYMOUS, mailbox_key="")
        done += WaitlistEntry.objects.filter(named).filter(created_at__lt=cutoff).exclude(
            status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED]).exclude(
            pk__in=still_named.filter(waitlist_entry__isnull=False).values("waitlist_entry_id")
        ).update(**_ANONYMOUS)
    return done
