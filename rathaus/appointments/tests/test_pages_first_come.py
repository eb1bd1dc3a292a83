"""A citizen books, confirms, moves and cancels an appointment through the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from icalendar import Calendar as ICalendar

from rathaus.appointments.models import Booking, BookingStatus, Slot

from . import factories
from .pages import (
    PERSON,
    book,
    calendar_url,
    clock,
    day_parts,
    de,
    de_n,
    h1,
    hold,
    input_value,
    link_in,
    links_to,
    local_day,
    mails_to,
    radios,
    summary_links,
    text,
    times,
    title,
)

pytestmark = pytest.mark.django_db(transaction=True)

LAPSED = ("The time to confirm has run out and the place was given back. "
          "Please choose a time again.")
ALREADY_BOOKED = ("There is already an appointment for this e-mail address in this calendar. "
                  "Use the link in its e-mail to change or cancel it.")


def free_times_on(value: dt.datetime | dt.date) -> str:
    return de("Free times on %(weekday)s, %(day)s", **day_parts(value))


def places_left(count: int) -> str:
    return de_n("%(places)s place left", "%(places)s places left", count, places=count)


def booked(slot: Slot) -> int:
    return Slot.objects.get(pk=slot.pk).booked_online


def test_book_confirm_move_and_cancel_an_appointment(client: Client) -> None:
    first = factories.slot(online=3, days_ahead=3, hour=10)
    calendar = first.calendar
    second = factories.slot(calendar_=calendar, online=1, days_ahead=3, hour=11)
    later = factories.slot(calendar_=calendar, online=1, days_ahead=4, hour=9)

    # The calendar opens on the first day with a free time, listing each free time as a radio.
    page = client.get(calendar_url(calendar.slug))
    assert page.status_code == 200
    assert h1(page) == [calendar.name_de]
    shown = text(page)
    assert free_times_on(first.starts_at) in shown
    assert radios(page) == [str(first.pk), str(second.pk)]
    assert f"{times(first)} {places_left(3)}" in shown
    assert "Rathaus, Bürgerbüro, Rathausplatz 1, 31000 Musterstadt" in shown

    # Pick: the place is held for this browser while the details are entered.
    response = hold(client, first)
    assert response.status_code == 302
    held = Booking.objects.get()
    assert response["Location"] == f"/de/appointments/hold/{held.reference}/"
    assert (held.status, booked(first)) == (BookingStatus.HELD, 1)
    details = client.get(response["Location"])
    assert held.expires_at is not None
    until = timezone.localtime(held.expires_at).strftime("%H:%M")
    assert de("We keep this time for you until %(until)s.", until=until) in text(details)
    assert times(first) in text(details)
    assert 'autocomplete="name"' in details.content.decode()
    assert 'autocomplete="email"' in details.content.decode()
    assert 'autocomplete="tel"' in details.content.decode()

    # Details: then the confirmation link goes out by e-mail; nothing is booked yet.
    sent = client.post(response["Location"], PERSON)
    assert sent.status_code == 302
    assert sent["Location"] == f"/de/appointments/hold/{held.reference}/sent/"
    check_mail = client.get(sent["Location"])
    held.refresh_from_db()
    assert (held.status, held.name, held.phone) == (BookingStatus.PENDING, "Erika Musterfrau",
                                                    "05121 301-0")
    assert de("We have sent an e-mail to %(email)s.", email="erika@example.org") in text(
        check_mail)
    assert held.expires_at is not None
    deadline = timezone.localtime(held.expires_at).strftime("%H:%M")
    assert de_n("Open the link in it within %(minutes)s minute (by %(until)s) to confirm the "
                "appointment.", "Open the link in it within %(minutes)s minutes (by %(until)s) "
                "to confirm the appointment.", 60, minutes=60, until=deadline) in text(check_mail)
    [request_mail] = mails_to("erika@example.org")
    confirm_path = link_in(request_mail, "/appointment/confirm/")

    # Opening the link (as a mail scanner would) changes nothing; the button confirms.
    page = client.get(confirm_path)
    assert de("Confirm appointment") in text(page)
    assert Booking.objects.get().status == BookingStatus.PENDING
    response = client.post(confirm_path)
    assert response.status_code == 302
    page = client.get(response["Location"])
    shown = text(page)
    assert h1(page) == [de("Your appointment is booked")]
    assert f"{de('Your reference:')} {held.reference}" in shown
    assert local_day(first.starts_at) in shown
    assert de("Add to calendar (ICS file)") in shown
    assert Booking.objects.get().status == BookingStatus.CONFIRMED

    confirmation = mails_to("erika@example.org")[-1]
    assert confirmation.subject == de("Your appointment is confirmed: %(reference)s",
                                      reference=held.reference)
    [(_name, ics, mimetype)] = confirmation.attachments
    assert mimetype == "text/calendar"
    event = ICalendar.from_ical(ics).walk("VEVENT")[0]
    assert event.decoded("dtstart") == first.starts_at
    manage_path = link_in(confirmation, "/appointment/")
    assert links_to(page, manage_path)

    download = client.get(f"{manage_path}booking.ics")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/calendar; charset=utf-8"
    assert held.reference in download.content.decode()
    assert "attachment;" in download["Content-Disposition"]

    # Manage: move to another day. The new place is taken before the old one is given back.
    page = client.get(manage_path)
    assert de("Choose another time") in text(page)
    picker = client.get(f"{manage_path}reschedule/")
    assert str(first.pk) not in radios(picker), "the current time is not offered again"
    assert radios(picker) == [str(second.pk)]
    picker = client.get(f"{manage_path}reschedule/?date={timezone.localdate(later.starts_at)}")
    assert radios(picker) == [str(later.pk)]
    mail.outbox.clear()
    response = client.post(f"{manage_path}reschedule/", {"slot": str(later.pk)})
    assert response.status_code == 302
    # The booking moves: same reference, same links, one booking, places counted on both slots.
    moved = Booking.objects.get()
    assert moved.pk == held.pk
    assert moved.reference == held.reference
    assert moved.status == BookingStatus.CONFIRMED
    assert moved.slot_id == later.pk
    assert (booked(first), booked(later)) == (0, 1)
    [moved_mail] = mail.outbox
    assert moved_mail.subject == de("Your appointment has been moved: %(reference)s",
                                    reference=held.reference)
    new_manage = link_in(moved_mail, "/appointment/")
    # The new e-mail's link is for the same booking (signed anew); the first one still works.
    assert new_manage.split(":")[0] == manage_path.split(":")[0]
    assert response["Location"].split(":")[0] == manage_path.split(":")[0]
    [(_name, ics, _mimetype)] = moved_mail.attachments
    event = ICalendar.from_ical(ics).walk("VEVENT")[0]
    assert event.decoded("dtstart") == later.starts_at
    assert str(event["uid"]).startswith(held.reference)
    assert event["sequence"] == 1
    page = client.get(manage_path)
    assert de("Your appointment has been moved. Its reference and this page stay the same; "
              "we have sent you the new time by e-mail.") in text(page)
    assert local_day(later.starts_at) in text(page)
    assert de("cancelled") not in text(page)
    assert de("Choose another time") in text(page)

    # Cancel, with a confirmation step first.
    step = client.get(f"{new_manage}?action=cancel")
    assert h1(step) == [de("Cancel your appointment?")]
    assert Booking.objects.get(pk=moved.pk).status == BookingStatus.CONFIRMED
    response = client.post(new_manage, {"action": "cancel"})
    assert response.status_code == 302
    assert Booking.objects.get(pk=moved.pk).status == BookingStatus.CANCELLED
    assert booked(later) == 0
    page = client.get(new_manage)
    assert de("Your appointment has been cancelled.") in text(page)
    assert de("Book a new appointment") in text(page)
    assert mail.outbox[-1].subject == de("Your appointment has been cancelled: %(reference)s",
                                         reference=moved.reference)


def test_moving_to_a_full_time_keeps_the_appointment(client: Client) -> None:
    mine = factories.slot(online=1, days_ahead=3)
    full = factories.slot(calendar_=mine.calendar, online=1, days_ahead=3, hour=11)
    booking = book(client, mine)
    manage_path = link_in(mails_to(PERSON["email"])[-1], "/appointment/")
    Slot.objects.filter(pk=full.pk).update(booked_online=1)  # someone was faster

    response = client.post(f"{manage_path}reschedule/", {"slot": str(full.pk),
                                                         "date": str(timezone.localdate(
                                                             full.starts_at))})

    assert response.status_code == 200
    assert title(response).startswith(de("Error:"))
    assert de("This time has just been taken. Please choose another one.") in text(response)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert (booked(mine), booked(full)) == (1, 1)
    assert Booking.objects.count() == 1


def test_a_lapsed_hold_sends_the_person_back_to_pick_again(client: Client) -> None:
    slot = factories.slot(online=1)
    details_path = hold(client, slot)["Location"]
    Booking.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    page = client.get(details_path)
    posted = client.post(details_path, PERSON)

    for response in (page, posted):
        assert response.status_code == 410
        assert h1(response) == [de("The time has run out")]
        assert de(LAPSED) in text(response)
        assert f'href="{calendar_url(slot.calendar.slug)}"' in response.content.decode()
    assert Booking.objects.get().status == BookingStatus.HELD
    assert mail.outbox == []
    # The lapsed hold no longer blocks the time: picking it again works.
    assert hold(Client(), slot).status_code == 302
    assert booked(slot) == 1
    assert Booking.objects.filter(status=BookingStatus.EXPIRED).count() == 1


def test_a_confirmation_link_opened_too_late(client: Client) -> None:
    slot = factories.slot(online=1)
    details_path = hold(client, slot)["Location"]
    client.post(details_path, PERSON)
    confirm_path = link_in(mails_to(PERSON["email"])[-1], "/appointment/confirm/")
    Booking.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    for response in (client.get(confirm_path), client.post(confirm_path)):
        assert response.status_code == 410
        assert de(LAPSED) in text(response)
    assert Booking.objects.get().status != BookingStatus.CONFIRMED


def test_a_time_taken_meanwhile_shows_the_picker_again_with_an_error(client: Client) -> None:
    slot = factories.slot(online=1, days_ahead=5)
    other = factories.slot(calendar_=slot.calendar, online=1, days_ahead=5, hour=12)
    page = client.get(f"{calendar_url(slot.calendar.slug)}?date="
                      f"{timezone.localdate(slot.starts_at)}")
    assert radios(page) == [str(slot.pk), str(other.pk)]
    assert hold(Client(), slot).status_code == 302  # someone else was faster

    response = hold(client, slot)

    assert response.status_code == 200
    assert title(response).startswith(de("Error:"))
    assert de("This time has just been taken. Please choose another one.") in text(response)
    assert summary_links(response) == ["slot"]
    # The picker stays on the same day and offers what is left.
    assert input_value(response, "date") == timezone.localdate(slot.starts_at).isoformat()
    assert radios(response) == [str(other.pk)]
    assert 'id="slot"' in response.content.decode()
    assert Booking.objects.count() == 1


def test_one_appointment_per_e_mail_address_and_calendar(client: Client) -> None:
    slot = factories.slot(online=2)
    book(Client(), slot)

    details_path = hold(client, slot)["Location"]
    response = client.post(details_path, {**PERSON, "name": "Erika M."})

    assert response.status_code == 200
    assert title(response).startswith(de("Error:"))
    assert de(ALREADY_BOOKED) in text(response)
    assert summary_links(response) == ["email"]
    assert input_value(response, "name") == "Erika M."
    assert input_value(response, "email") == PERSON["email"]


def test_details_are_checked_and_kept(client: Client) -> None:
    slot = factories.slot(online=1)
    details_path = hold(client, slot)["Location"]

    response = client.post(details_path, {"name": " ", "email": "erika@", "phone": "call me"})

    assert response.status_code == 200
    assert title(response).startswith(de("Error:"))
    assert summary_links(response) == ["name", "email", "phone"]
    shown = text(response)
    assert de("Enter your name.") in shown
    assert de("Enter an e-mail address in the form name@example.de.") in shown
    assert de("Enter a phone number with digits only, for example 05121 301-0.") in shown
    assert input_value(response, "email") == "erika@"
    assert input_value(response, "phone") == "call me"
    assert 'aria-invalid="true"' in response.content.decode()
    assert Booking.objects.get().status == BookingStatus.HELD


def test_a_full_calendar_offers_its_waiting_list(client: Client) -> None:
    slot = factories.slot(online=1)
    Slot.objects.filter(pk=slot.pk).update(booked_online=1)

    page = client.get(calendar_url(slot.calendar.slug))

    assert de("All appointments are booked") in text(page)
    assert radios(page) == []
    waitlist = f"/de/appointments/{slot.calendar.slug}/waiting-list/"
    assert f'href="{waitlist}"' in page.content.decode()


def test_full_days_and_days_without_times_are_shown_as_such(client: Client) -> None:
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    calendar = factories.calendar()
    full = factories.slot(calendar_=calendar, online=1,
                          days_ahead=(monday - today).days)
    Slot.objects.filter(pk=full.pk).update(booked_online=1)
    free = factories.slot(calendar_=calendar, online=1, days_ahead=(monday - today).days + 1)

    page = client.get(f"{calendar_url(calendar.slug)}?date={monday.isoformat()}")

    shown = text(page)
    assert de("There are no free times on %(weekday)s, %(day)s.",
              **day_parts(monday)) in shown
    assert de("fully booked") in shown
    assert de_n("%(free)s free time", "%(free)s free times", 1, free=1) in shown
    assert de("no appointments") in shown
    assert f'href="{calendar_url(calendar.slug)}?date={(monday + dt.timedelta(days=1))}"' \
        in page.content.decode()
    assert radios(page) == []
    assert free.pk


def test_the_slot_list_costs_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries: Any,
) -> None:
    calendar = factories.calendar()
    for day in range(1, 8):
        for hour in range(8, 16):
            factories.slot(calendar_=calendar, online=2, days_ahead=day, hour=hour)

    # The waiting room reads its state once and then keeps it in the cache for a few seconds.
    client.get(calendar_url(calendar.slug))
    # The calendar, the first free time (to open on its day), the week's slots.
    with django_assert_num_queries(3):
        page = client.get(calendar_url(calendar.slug))
    assert len(radios(page)) == 8
    # With a date: the calendar and the week's slots.
    chosen = timezone.localdate() + dt.timedelta(days=2)
    with django_assert_num_queries(2):
        page = client.get(f"{calendar_url(calendar.slug)}?date={chosen.isoformat()}")
    assert len(radios(page)) == 8


def test_the_english_pages_use_english_dates(client: Client) -> None:
    slot = factories.slot(online=1)

    page = client.get(calendar_url(slot.calendar.slug, "en"))

    assert h1(page) == [slot.calendar.name_en]
    assert f"Free times on {local_day(slot.starts_at, 'en')}" in text(page)
    assert "Montag" not in text(page)
    assert "Dienstag" not in text(page)
    assert "Town hall, citizens' office" in text(page)


def next_clock_change(after: dt.date) -> dt.date:
    """The next last Sunday of March or October (Europe/Berlin changes its clocks then)."""
    year = after.year
    while True:
        for month in (3, 10):
            last = dt.date(year, month, 31)
            sunday = last - dt.timedelta(days=(last.weekday() - 6) % 7)
            if sunday > after:
                return sunday
        year += 1


def test_times_on_the_night_the_clocks_change(client: Client) -> None:
    today = timezone.localdate()
    change = next_clock_change(today)
    calendar = factories.calendar(book_until_days=(change - today).days + 7)
    days_ahead = (change - today).days
    early = factories.slot(calendar_=calendar, online=1, days_ahead=days_ahead, hour=1, minute=0)
    late = factories.slot(calendar_=calendar, online=1, days_ahead=days_ahead, hour=4, minute=0)

    page = client.get(f"{calendar_url(calendar.slug)}?date={change.isoformat()}")

    assert free_times_on(change) in text(page)
    assert radios(page) == [str(early.pk), str(late.pk)]
    assert times(early) in text(page)
    assert (clock(early.starts_at), clock(late.starts_at)) == ("01:00", "04:00")
    # 01:00 to 04:00 local is two or four real hours apart, as the clocks go.
    real = late.starts_at.astimezone(dt.UTC) - early.starts_at.astimezone(dt.UTC)
    assert real in (dt.timedelta(hours=2), dt.timedelta(hours=4))
