"""One client address or browser cannot hold a first-come calendar's places (issue 10)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from rathaus.appointments import holds, services
from rathaus.appointments.models import Booking, BookingStatus, Slot

from . import factories
from .pages import calendar_url, de, hold, radios, text

pytestmark = pytest.mark.django_db

SCRIPT = "203.0.113.7"
NEIGHBOUR = "198.51.100.23"


def browser(address: str) -> Client:
    """A fresh browser session from ``address``."""
    return Client(REMOTE_ADDR=address)


def held_online(*slots: Slot) -> int:
    return sum(Slot.objects.get(pk=slot.pk).booked_online for slot in slots)


def checked(response: object) -> list[str]:
    html = response.content.decode()  # type: ignore[attr-defined]
    return [part.split('value="')[1].split('"')[0]
            for part in html.split("<input")[1:] if 'name="slot"' in part and " checked" in part]


def test_fifteen_fresh_sessions_from_one_address_hold_at_most_five_places() -> None:
    calendar = factories.calendar()
    slots = [factories.slot(calendar_=calendar, online=5, hour=8 + n // 4, minute=15 * (n % 4))
             for n in range(15)]

    responses = [hold(browser(SCRIPT), slot) for slot in slots]

    assert [r.status_code for r in responses].count(302) == 5
    assert held_online(*slots) == 5
    refused = responses[5]
    assert refused.status_code == 200
    assert de("Too many times are being held from your internet connection at the moment. "
              "Please try again in a few minutes. If you share the connection (for example "
              "public Wi-Fi), someone else may be booking at the same time.") in text(refused)
    assert checked(refused) == [str(slots[5].pk)], "the chosen time stays chosen"
    # Someone behind another address is not affected.
    assert hold(browser(NEIGHBOUR), slots[5]).status_code == 302
    assert held_online(*slots) == 6
    # The address is kept only as a keyed hash.
    keys = set(Booking.objects.values_list("client_key", flat=True))
    assert keys == {holds.client_key(SCRIPT), holds.client_key(NEIGHBOUR)}
    assert all(SCRIPT not in key and len(key) == 32 for key in keys)


def test_a_browser_session_holds_at_most_two_times_but_may_choose_again() -> None:
    slots = [factories.slot(calendar_=factories.calendar(), online=3) for _ in range(3)]
    client = browser(SCRIPT)
    assert hold(client, slots[0]).status_code == 302
    assert hold(client, slots[1]).status_code == 302

    refused = hold(client, slots[2])

    assert de("You are already holding times in this browser. Finish booking one of them "
              "(or let it run out) before you choose another one.") in text(refused)
    assert held_online(*slots) == 2
    # Another time in a calendar where it holds one: the first goes back, nothing refused.
    later = factories.slot(calendar_=slots[0].calendar, online=1, hour=12)
    assert hold(client, later).status_code == 302
    assert (held_online(slots[0]), held_online(later)) == (0, 1)


@override_settings(RATHAUS_HOLDS_PER_CLIENT_PER_HOUR=7)
def test_lapsed_holds_free_the_limit_but_renewing_is_capped_per_hour() -> None:
    calendar = factories.calendar()
    slots = [factories.slot(calendar_=calendar, online=1, hour=8, minute=5 * n)
             for n in range(9)]
    for slot in slots[:5]:
        assert hold(browser(SCRIPT), slot).status_code == 302
    assert hold(browser(SCRIPT), slots[5]).status_code == 200

    Booking.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    # Lapsed holds do not count as held any more ...
    assert hold(browser(SCRIPT), slots[5]).status_code == 302
    assert hold(browser(SCRIPT), slots[6]).status_code == 302
    # ... but seven holds within the hour are all this address gets.
    refused = hold(browser(SCRIPT), slots[7])
    assert de("Too many times have been held from your internet connection in the last hour. "
              "Please try again later, or book by phone with the citizens' office.") \
        in text(refused)
    assert str(slots[7].pk) in radios(refused)
    assert hold(browser(NEIGHBOUR), slots[7]).status_code == 302


def test_holds_taken_by_another_web_process_count_too() -> None:
    """The limits count booking rows, not a memory of this process."""
    calendar = factories.calendar()
    slots = [factories.slot(calendar_=calendar, online=1, hour=9, minute=5 * n)
             for n in range(6)]
    elsewhere = holds.Holder(client_key=holds.client_key(SCRIPT))
    for slot in slots[:5]:  # as another worker would write them
        services.hold_slot(slot_id=slot.pk, holder=elsewhere)

    response = browser(SCRIPT).post(f"{calendar_url(calendar.slug)}hold/",
                                    {"slot": str(slots[5].pk)})

    assert response.status_code == 200
    assert held_online(slots[5]) == 0


def test_a_hold_waiting_for_its_e_mail_confirmation_still_counts() -> None:
    calendar = factories.calendar()
    slots = [factories.slot(calendar_=calendar, online=1, hour=9, minute=5 * n)
             for n in range(6)]
    holder = holds.Holder(client_key=holds.client_key(SCRIPT))
    for n, slot in enumerate(slots[:5]):
        booking = services.hold_slot(slot_id=slot.pk, holder=holder)
        services.submit_details(booking=booking, person=services.Person(
            name="Skript", email=f"skript{n}@example.org"))
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.PENDING}

    with pytest.raises(services.TooManyHolds):
        services.hold_slot(slot_id=slots[5].pk, holder=holder)


def test_the_address_hash_is_removed_once_the_hold_is_an_hour_old() -> None:
    slot = factories.slot(online=2)
    holder = holds.Holder(client_key=holds.client_key(SCRIPT))
    old = services.hold_slot(slot_id=slot.pk, holder=holder)
    fresh = services.hold_slot(slot_id=slot.pk, holder=holds.Holder(
        client_key=holds.client_key(NEIGHBOUR)))
    Booking.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=61),
        expires_at=timezone.now() - dt.timedelta(minutes=51))

    services.purge_personal_data()

    assert Booking.objects.get(pk=old.pk).client_key == ""
    assert Booking.objects.get(pk=fresh.pk).client_key == holds.client_key(NEIGHBOUR)
