"""Tampered ids, other people's references, double clicks and old links never end in an error 500.

Each case shows a page that says what happened, and the database stays as it was.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from rathaus.appointments import links, services
from rathaus.appointments.models import (
    Booking,
    BookingStatus,
    DrawMethod,
    Mode,
    Registration,
    Slot,
)

from . import factories
from .pages import PERSON, book, calendar_url, de, h1, hold, link_in, mails_to, radios, text, title

pytestmark = pytest.mark.django_db(transaction=True)

CANNOT = "This time cannot be booked (any more)."


@pytest.mark.parametrize("value", ["", "abc", "-1", "1.5", "١٢", "9" * 30, "0"])
def test_a_tampered_slot_id_shows_the_picker_with_an_error(client: Client, value: str) -> None:
    slot = factories.slot(online=1)

    response = client.post(f"/de/appointments/{slot.calendar.slug}/hold/", {"slot": value})

    assert response.status_code == 200
    assert title(response).startswith(de("Error:"))
    assert de("Choose a time.") in text(response) or de(CANNOT) in text(response)
    assert radios(response) == [str(slot.pk)]
    assert Booking.objects.count() == 0


def test_slots_of_other_calendars_past_or_outside_the_window_cannot_be_held(
    client: Client,
) -> None:
    calendar = factories.calendar(book_from_days=1, book_until_days=10)
    foreign = factories.slot(online=1)
    past = factories.slot(calendar_=calendar, online=1, days_ahead=-1)
    today = factories.slot(calendar_=calendar, online=1, days_ahead=0, hour=23, minute=30)
    too_far = factories.slot(calendar_=calendar, online=1, days_ahead=11)
    draw = factories.slot(online=1, mode=Mode.DRAW)

    for slot in (foreign, past, today, too_far):
        response = client.post(f"/de/appointments/{calendar.slug}/hold/",
                               {"slot": str(slot.pk)})
        assert response.status_code == 200
        assert de(CANNOT) in text(response)
    response = client.post(f"/de/appointments/{draw.calendar.slug}/hold/", {"slot": str(draw.pk)})
    assert response.status_code == 302
    assert response["Location"] == calendar_url(draw.calendar.slug)

    assert Booking.objects.count() == 0
    assert sum(Slot.objects.values_list("booked_online", flat=True)) == 0


@pytest.mark.parametrize("query", ["date=abc", "date=2025-13-45", "date=20250101",
                                   "date=1900-01-01", "date=9999-12-31", "week=x",
                                   "week=2999-01-01&date=", "date=%00"])
def test_odd_dates_in_the_address_show_a_page(client: Client, query: str) -> None:
    slot = factories.slot(online=1)

    response = client.get(f"{calendar_url(slot.calendar.slug)}?{query}")

    assert response.status_code == 200
    assert h1(response) == [slot.calendar.name_de]


def test_a_hold_opens_only_in_the_browser_that_took_it(client: Client) -> None:
    slot = factories.slot(online=1)
    details_path = hold(client, slot)["Location"]
    stranger = Client()

    for response in (stranger.get(details_path), stranger.post(details_path, PERSON),
                     stranger.get(f"{details_path}sent/"),
                     stranger.get("/de/appointments/hold/NOPE-NOPE/")):
        assert response.status_code == 404
        assert h1(response) == [de("Appointment not found")]
    assert Booking.objects.get().status == BookingStatus.HELD
    assert mail.outbox == []


def test_clicking_twice_holds_one_place_and_sends_one_e_mail(client: Client) -> None:
    slot = factories.slot(online=2)

    first = hold(client, slot)
    second = hold(client, slot)
    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1
    assert Slot.objects.get(pk=slot.pk).booked_online == 1

    assert client.post(first["Location"], PERSON).status_code == 302
    again = client.post(first["Location"], PERSON)
    assert again.status_code == 302
    assert again["Location"].endswith("/sent/")
    assert len(mail.outbox) == 1


def test_choosing_again_before_confirming_gives_the_first_time_back(client: Client) -> None:
    slot = factories.slot(online=1)
    other = factories.slot(calendar_=slot.calendar, online=1, hour=12)
    client.post(hold(client, slot)["Location"], PERSON)
    first_link = link_in(mails_to(PERSON["email"])[-1], "/appointment/confirm/")

    details = hold(client, other)["Location"]
    response = client.post(details, PERSON)

    assert response.status_code == 302, text(response)
    assert Slot.objects.get(pk=slot.pk).booked_online == 0
    assert list(Booking.objects.order_by("pk").values_list("status", flat=True)) == [
        BookingStatus.CANCELLED, BookingStatus.PENDING]
    # The first e-mail's link no longer books the first time; it says it was cancelled.
    response = client.post(first_link, follow=True)
    assert de("This appointment has been cancelled.") in text(response)
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 0


def test_choosing_another_time_gives_the_first_back(client: Client) -> None:
    slot = factories.slot(online=1)
    other = factories.slot(calendar_=slot.calendar, online=1, hour=12)

    hold(client, slot)
    hold(client, other)

    assert Slot.objects.get(pk=slot.pk).booked_online == 0
    assert Slot.objects.get(pk=other.pk).booked_online == 1
    assert list(Booking.objects.order_by("pk").values_list("status", flat=True)) == [
        BookingStatus.CANCELLED, BookingStatus.HELD]


@pytest.mark.parametrize("path", [
    "/de/appointment/confirm/garbage/", "/de/appointment/garbage/",
    "/de/appointment/garbage/booking.ics", "/de/appointment/garbage/reschedule/",
    "/de/registration/garbage/", "/de/appointment/confirm/ABCD-EFGH:1tt:forged/",
])
def test_a_forged_link_shows_a_friendly_page(client: Client, path: str) -> None:
    posted = [] if path.endswith(".ics") else [client.post(path, {"action": "cancel"})]
    for response in (client.get(path), *posted):
        assert response.status_code == 404
        assert h1(response) == [de("This link is not valid")]


def test_a_link_is_only_good_for_its_purpose(client: Client) -> None:
    slot = factories.slot(online=1)
    booking = book(client, slot)
    manage_token = links.manage_token(booking)

    response = client.post(f"/de/appointment/confirm/{manage_token}/")
    registration_link = client.get(f"/de/registration/{manage_token}/")

    assert response.status_code == 404
    assert registration_link.status_code == 404


def test_an_expired_confirmation_link(client: Client) -> None:
    slot = factories.slot(online=1)
    hold_path = hold(client, slot)["Location"]
    client.post(hold_path, PERSON)
    confirm_path = link_in(mails_to(PERSON["email"])[-1], "/appointment/confirm/")
    later = timezone.now() + dt.timedelta(days=2)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.core.signing.time.time", lambda: later.timestamp())
        response = client.post(confirm_path)

    assert response.status_code == 404
    assert h1(response) == [de("This link is not valid")]
    assert Booking.objects.get().status == BookingStatus.PENDING


def test_confirming_twice_books_once(client: Client) -> None:
    slot = factories.slot(online=1)
    client.post(hold(client, slot)["Location"], PERSON)
    confirm_path = link_in(mails_to(PERSON["email"])[-1], "/appointment/confirm/")

    first = client.post(confirm_path)
    second = Client().post(confirm_path)

    assert (first.status_code, second.status_code) == (302, 302)
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    assert Slot.objects.get(pk=slot.pk).booked_online == 1
    assert len(mails_to(PERSON["email"])) == 2  # the request and one confirmation


def test_cancelling_twice_cancels_once(client: Client) -> None:
    slot = factories.slot(online=1)
    booking = book(client, slot)
    manage = link_in(mails_to(PERSON["email"])[-1], "/appointment/")
    mail.outbox.clear()

    client.post(manage, {"action": "cancel"})
    client.post(manage, {"action": "cancel"})
    client.post(manage, {"action": "accept"})
    client.post(manage, {"action": "nonsense"})

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=slot.pk).booked_online == 0
    assert len(mail.outbox) == 1
    # The cancelled appointment's pages say so instead of offering actions.
    assert de("Cancel appointment") not in text(client.get(f"{manage}?action=cancel"))
    assert client.get(f"{manage}reschedule/").status_code == 302
    download = client.get(f"{manage}booking.ics")
    assert "STATUS:CANCELLED" in download.content.decode()


def test_rescheduling_refuses_foreign_and_own_slots(client: Client) -> None:
    slot = factories.slot(online=1)
    free = factories.slot(calendar_=slot.calendar, online=1, hour=12)
    foreign = factories.slot(online=1)
    book(client, slot)
    reschedule = link_in(mails_to(PERSON["email"])[-1], "/appointment/") + "reschedule/"

    for value in (str(foreign.pk), str(slot.pk), "x", ""):
        response = client.post(reschedule, {"slot": value})
        assert response.status_code == 200
        assert title(response).startswith(de("Error:"))
        assert radios(response) == [str(free.pk)]

    assert Booking.objects.get().slot_id == slot.pk
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    assert Slot.objects.get(pk=foreign.pk).booked_online == 0


def test_sending_a_move_twice_moves_once_and_a_second_move_keeps_the_reference(
        client: Client) -> None:
    slot = factories.slot(online=1)
    a = factories.slot(calendar_=slot.calendar, online=1, hour=12)
    b = factories.slot(calendar_=slot.calendar, online=1, hour=13)
    booking = book(client, slot)
    reschedule = link_in(mails_to(PERSON["email"])[-1], "/appointment/") + "reschedule/"

    assert client.post(reschedule, {"slot": str(a.pk)}).status_code == 302
    again = client.post(reschedule, {"slot": str(a.pk)})  # the same form sent once more

    assert again.status_code == 200
    assert de("This is the time you already have. Choose another one.") in text(again)
    assert [Slot.objects.get(pk=s.pk).booked_online for s in (slot, a, b)] == [0, 1, 0]
    assert client.post(reschedule, {"slot": str(b.pk)}).status_code == 302
    assert list(Booking.objects.values_list("reference", "slot_id", "status")) == [
        (booking.reference, b.pk, BookingStatus.CONFIRMED)]
    assert [Slot.objects.get(pk=s.pk).booked_online for s in (slot, a, b)] == [0, 0, 1]


def test_draw_pages_refuse_what_does_not_belong(client: Client) -> None:
    calendar = factories.calendar(mode=Mode.DRAW)
    other = factories.calendar(mode=Mode.DRAW)
    first_come = factories.calendar()
    now = timezone.now()
    release = services.open_release(
        calendar=other, opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=1),
        slots_from=timezone.localdate(), slots_until=timezone.localdate(),
        method=DrawMethod.LOTTERY)

    assert client.get(f"/de/appointments/{calendar.slug}/draws/{release.pk}/").status_code == 404
    assert client.get(f"/de/appointments/{other.slug}/draws/999999/").status_code == 404
    assert client.get(f"/de/appointments/{other.slug}/draws/{release.pk}/?format=csv"
                      ).status_code == 404
    assert client.get(f"/de/appointments/{other.slug}/draws/{release.pk}/?page=x"
                      ).status_code == 200
    assert client.get(f"/de/appointments/{first_come.slug}/register/").status_code == 302
    assert client.post(f"/de/appointments/{first_come.slug}/register/",
                       {"name": "x"}).status_code == 302
    assert client.get(f"/de/appointments/{calendar.slug}/waiting-list/").status_code == 302
    assert client.get(f"/de/appointments/{calendar.slug}/register/?registration=ABCD-EFGH"
                      ).status_code == 302
    assert client.get("/de/appointments/no-such-calendar/").status_code == 404
    assert Registration.objects.count() == 0


def test_an_inactive_calendar_is_not_listed_nor_bookable(client: Client) -> None:
    slot = factories.slot(online=1, is_active=False)
    active = factories.calendar(name_de="Bürgerbüro-Termin")

    listing = client.get("/de/appointments/")
    page = client.get(calendar_url(slot.calendar.slug))
    held = hold(client, slot)

    assert "Bürgerbüro-Termin" in text(listing)
    assert slot.calendar.name_de not in text(listing)
    assert f'href="{calendar_url(active.slug)}"' in listing.content.decode()
    assert page.status_code == 404
    assert held.status_code == 404
    assert Booking.objects.count() == 0


def test_wrong_methods_are_refused(client: Client) -> None:
    slot = factories.slot(online=1)

    assert client.get(f"/de/appointments/{slot.calendar.slug}/hold/").status_code == 405
    assert client.delete(calendar_url(slot.calendar.slug)).status_code == 405
