"""Freed places find the next person: waiting lists, draw lists, deadlines, reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from rathaus.appointments import services
from rathaus.appointments.models import (
    Booking,
    BookingStatus,
    Calendar,
    DrawEvent,
    DrawMethod,
    Mode,
    Registration,
    RegistrationStatus,
    Release,
    Slot,
    WaitlistEntry,
    WaitlistStatus,
)
from rathaus.appointments.tasks import send_reminders

from . import factories
from .pages import de, de_n

pytestmark = pytest.mark.django_db(transaction=True)


def person(n: int) -> services.Person:
    return services.Person(name=f"Person {n}", email=f"person{n}@example.org")


def mails_to(address: str) -> list[str]:
    return [str(m.subject) for m in mail.outbox if address in m.to]


def later(hours: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def test_a_cancelled_place_goes_down_the_waiting_list_until_someone_accepts() -> None:
    slot = factories.slot(online=1)
    booked = services.book_for_caller(slot_id=slot.pk, person=person(0), agent=None,
                                      channel="online")
    for n in (1, 2, 3):
        services.join_waitlist(calendar=slot.calendar, person=person(n))
    assert de("You are on the waiting list") in mails_to("person1@example.org")

    services.cancel_booking(booking=booked)

    first = Booking.objects.get(status=BookingStatus.OFFERED)
    assert first.email == "person1@example.org"
    offer_subject = de("An appointment is free for you: please accept it")
    assert offer_subject in mails_to(first.email)
    offer_mail = next(m for m in mail.outbox if m.subject == offer_subject)
    assert "Danach geht er an die nächste Person auf der Liste." in offer_mail.body

    assert services.expire_offers(now=later(slot.calendar.offer_hours + 1)) == 1

    first.refresh_from_db()
    second = Booking.objects.get(status=BookingStatus.OFFERED)
    assert first.status == BookingStatus.EXPIRED
    assert second.email == "person2@example.org"
    assert WaitlistEntry.objects.get(email="person1@example.org").status == WaitlistStatus.LAPSED

    services.accept_offer(booking=second)

    second.refresh_from_db()
    assert second.status == BookingStatus.CONFIRMED
    assert WaitlistEntry.objects.get(email="person2@example.org").status == WaitlistStatus.BOOKED
    assert WaitlistEntry.objects.get(email="person3@example.org").status == WaitlistStatus.WAITING
    assert Slot.objects.get(pk=slot.pk).booked_online == 1
    assert de("Your appointment is confirmed: %(reference)s", reference=second.reference) \
        == mails_to("person2@example.org")[-1]


def test_an_offer_cannot_be_accepted_after_its_deadline() -> None:
    slot = factories.slot(online=1)
    services.join_waitlist(calendar=slot.calendar, person=person(1))
    offer = Booking.objects.get(status=BookingStatus.OFFERED)
    Booking.objects.filter(pk=offer.pk).update(expires_at=timezone.now())

    with pytest.raises(services.Lapsed):
        services.accept_offer(booking=offer)


def test_declining_passes_the_place_on_at_once() -> None:
    slot = factories.slot(online=1)
    for n in (1, 2):
        services.join_waitlist(calendar=slot.calendar, person=person(n))
    offer = Booking.objects.get(status=BookingStatus.OFFERED)

    services.decline_offer(booking=offer)

    assert Booking.objects.get(status=BookingStatus.OFFERED).email == "person2@example.org"


def test_someone_with_an_appointment_cannot_join_the_waiting_list() -> None:
    slot = factories.slot(online=1)
    services.book_for_caller(slot_id=slot.pk, person=person(1), agent=None, channel="online")

    with pytest.raises(services.AlreadyBooked):
        services.join_waitlist(calendar=slot.calendar, person=person(1))


def draw_calendar_with_places(places: int) -> tuple[Calendar, Release]:
    calendar = factories.calendar(mode=Mode.DRAW)
    factories.slot(calendar_=calendar, online=places, staff=1, days_ahead=10)
    release = services.open_release(
        calendar=calendar, opens_at=later(-24), closes_at=later(1),
        slots_from=timezone.localdate(), slots_until=timezone.localdate() + dt.timedelta(days=20),
        method=DrawMethod.LOTTERY)
    return calendar, release


def test_a_draw_offers_the_places_and_tells_the_others_honestly() -> None:
    calendar, release = draw_calendar_with_places(3)
    registrations = [services.register_for_draw(calendar=calendar, person=person(n), group=None)
                     for n in range(5)]
    assert mails_to("person0@example.org")[0] == de(
        "Your registration %(reference)s", reference=registrations[0].reference)

    services.run_draw(release=release, now=later(2))

    release.refresh_from_db()
    offered = Registration.objects.filter(status=RegistrationStatus.OFFERED)
    waiting = Registration.objects.filter(status=RegistrationStatus.WAITING)
    assert (release.registrations_count, release.places_count) == (5, 3)
    assert offered.count() == 3
    assert waiting.count() == 2
    for registration in waiting:
        subjects = mails_to(registration.email)
        not_drawn = de("Not drawn this time: you stay on the list")
        assert not_drawn in subjects
        body = next(m.body for m in mail.outbox
                    if registration.email in m.to and m.subject == not_drawn)
        assert de_n('in this draw for "%(calendar)s", %(places)s appointment was given out '
                    "among %(registrations)s registrations, and your registration was not "
                    "drawn this time.",
                    'in this draw for "%(calendar)s", %(places)s appointments were given out '
                    "among %(registrations)s registrations, and your registration was not "
                    "drawn this time.", 3, places=3, calendar=calendar.name_de,
                    registrations=5) in body
        assert de("You do not need to do anything: your registration stays on the list and "
                  "takes part in the next draw. If an appointment is not accepted in time, it is "
                  "offered to the next people on the list, and that may be you.") in body
    for registration in offered:
        assert de("An appointment is free for you: please accept it") \
            in mails_to(registration.email)
    positions = dict(release.entries.values_list("registration__reference", "position"))
    assert sorted(positions.values()) == [1, 2, 3, 4, 5]
    assert {r.reference for r in offered} == {ref for ref, pos in positions.items() if pos <= 3}
    assert len(registrations) == 5


def test_an_unanswered_draw_offer_moves_down_the_list_in_drawn_order() -> None:
    calendar, release = draw_calendar_with_places(1)
    for n in range(4):
        services.register_for_draw(calendar=calendar, person=person(n), group=None)
    services.run_draw(release=release, now=later(2))
    order = list(release.entries.order_by("position").values_list(
        "registration__reference", flat=True))
    first = Booking.objects.get(status=BookingStatus.OFFERED)
    assert first.registration is not None
    assert first.registration.reference == order[0]

    services.expire_offers(now=later(calendar.offer_hours + 3))

    second = Booking.objects.get(status=BookingStatus.OFFERED)
    assert second.registration is not None
    assert second.registration.reference == order[1]
    assert Registration.objects.get(reference=order[0]).status == RegistrationStatus.LAPSED
    services.accept_offer(booking=second)
    kinds = list(DrawEvent.objects.filter(release=release).exclude(kind="not_drawn").order_by("pk")
                 .values_list("kind", "reference"))
    assert kinds == [("drawn", ""), ("offered", order[0]), ("lapsed", order[0]),
                     ("offered", order[1]), ("accepted", order[1])]
    assert Registration.objects.get(reference=order[1]).status == RegistrationStatus.BOOKED


def test_the_not_drawn_stay_on_the_list_for_the_next_release() -> None:
    calendar, release = draw_calendar_with_places(1)
    for n in range(3):
        services.register_for_draw(calendar=calendar, person=person(n), group=None)
    services.run_draw(release=release, now=later(2))
    factories.slot(calendar_=calendar, online=5, days_ahead=17)
    following = services.open_release(
        calendar=calendar, opens_at=later(-1), closes_at=later(3),
        slots_from=timezone.localdate() + dt.timedelta(days=15),
        slots_until=timezone.localdate() + dt.timedelta(days=20), method=DrawMethod.LOTTERY)

    services.run_draw(release=following, now=later(4))

    following.refresh_from_db()
    assert following.registrations_count == 2  # the two left waiting, no new registration
    assert Registration.objects.filter(status=RegistrationStatus.OFFERED).count() == 3


def test_one_registration_per_person_and_calendar() -> None:
    calendar, _ = draw_calendar_with_places(1)
    services.register_for_draw(calendar=calendar, person=person(1), group=None)

    with pytest.raises(services.AlreadyRegistered):
        services.register_for_draw(calendar=calendar, person=person(1), group=None)


def test_the_reminder_goes_out_once_the_day_before() -> None:
    tomorrow = factories.slot(online=2, days_ahead=1)
    next_week = factories.slot(calendar_=tomorrow.calendar, online=2, days_ahead=7)
    due = services.book_for_caller(slot_id=tomorrow.pk, person=person(1), agent=None,
                                   channel="online")
    services.book_for_caller(slot_id=next_week.pk, person=person(2), agent=None,
                             channel="online")
    mail.outbox.clear()

    assert send_reminders.call() == 1
    assert send_reminders.call() == 0

    assert [m.to for m in mail.outbox] == [["person1@example.org"]]
    assert mail.outbox[0].subject == de("Reminder: your appointment tomorrow")
    assert due.reference in mail.outbox[0].body
