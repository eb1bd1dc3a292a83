"""A full calendar's waiting list: join it, get an offer when someone cancels, accept or decline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from rathaus.appointments.models import (
    Booking,
    BookingStatus,
    Slot,
    WaitlistEntry,
    WaitlistStatus,
)

from . import factories
from .pages import (
    PERSON,
    book,
    calendar_url,
    day_parts,
    de,
    h1,
    input_value,
    link_in,
    mails_to,
    summary_links,
    text,
    title,
)

pytestmark = pytest.mark.django_db(transaction=True)

WAITING = {"name": "Max Mustermann", "email": "max@example.org", "phone": ""}


def waitlist_url(slug: str) -> str:
    return f"/de/appointments/{slug}/waiting-list/"


def test_a_cancellation_is_offered_to_the_waiting_list_and_accepted(client: Client) -> None:
    slot = factories.slot(online=1, days_ahead=4)
    calendar = slot.calendar
    booking = book(Client(), slot)
    assert de("All appointments are booked") in text(client.get(calendar_url(calendar.slug)))

    # Join the waiting list.
    form = client.get(waitlist_url(calendar.slug))
    assert h1(form) == [de("Join the waiting list")]
    response = client.post(waitlist_url(calendar.slug), WAITING)
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.name, entry.email, entry.status) == ("Max Mustermann", "max@example.org",
                                                       WaitlistStatus.WAITING)
    receipt = client.get(response["Location"])
    assert h1(receipt) == [de("You are on the waiting list")]
    assert f"{de('Your reference:')} {entry.reference}" in text(receipt)
    assert mails_to("max@example.org")[0].subject == de("You are on the waiting list")
    # The receipt belongs to this browser.
    assert h1(Client().get(response["Location"])) == [de("Join the waiting list")]

    # The booked person cancels through their link: the place is offered to Max.
    manage = link_in(mails_to(PERSON["email"])[-1], "/appointment/")
    Client().post(manage, {"action": "cancel"})
    offer = Booking.objects.get(status=BookingStatus.OFFERED)
    assert offer.email == "max@example.org"
    assert offer.slot_id == slot.pk
    offer_mail = mails_to("max@example.org")[-1]
    assert offer_mail.subject == de("An appointment is free for you: please accept it")
    offer_path = link_in(offer_mail, "/appointment/")

    page = client.get(offer_path)
    assert h1(page) == [de("An appointment is free for you")]
    assert offer.expires_at is not None
    assert de("Please accept or decline it by %(weekday)s, %(day)s, %(time)s.",
              **day_parts(timezone.localtime(offer.expires_at))) in text(page)
    response = client.post(offer_path, {"action": "accept"})
    assert response.status_code == 302
    page = client.get(offer_path)
    assert de("You have accepted the appointment. It is booked for you.") in text(page)
    assert de("Add to calendar (ICS file)") in text(page)

    offer.refresh_from_db()
    assert offer.status == BookingStatus.CONFIRMED
    assert WaitlistEntry.objects.get().status == WaitlistStatus.BOOKED
    assert Slot.objects.get(pk=slot.pk).booked_online == 1
    assert mails_to("max@example.org")[-1].subject == de(
        "Your appointment is confirmed: %(reference)s", reference=offer.reference)
    assert booking.pk != offer.pk


def test_declining_an_offer_asks_first_and_passes_it_on(client: Client) -> None:
    slot = factories.slot(online=1)
    for n in (1, 2):
        Client().post(waitlist_url(slot.calendar.slug),
                      {"name": f"Person {n}", "email": f"p{n}@example.org"})
    offer = Booking.objects.get(status=BookingStatus.OFFERED)
    assert offer.email == "p1@example.org"
    offer_path = link_in(mails_to("p1@example.org")[-1], "/appointment/")

    step = client.get(f"{offer_path}?action=decline")
    assert h1(step) == [de("Decline this appointment?")]
    assert Booking.objects.get(pk=offer.pk).status == BookingStatus.OFFERED
    client.post(offer_path, {"action": "decline"})

    assert Booking.objects.get(pk=offer.pk).status == BookingStatus.DECLINED
    assert Booking.objects.get(status=BookingStatus.OFFERED).email == "p2@example.org"
    page = client.get(offer_path)
    assert de("You have declined the appointment. It is now offered to the next person.") \
        in text(page)
    # Accepting afterwards changes nothing.
    client.post(offer_path, {"action": "accept"})
    assert Booking.objects.get(pk=offer.pk).status == BookingStatus.DECLINED


def test_an_offer_accepted_too_late_says_so(client: Client) -> None:
    slot = factories.slot(online=1)
    client.post(waitlist_url(slot.calendar.slug), WAITING)
    offer_path = link_in(mails_to("max@example.org")[-1], "/appointment/")
    Booking.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    page = client.get(offer_path)
    assert de("The time to accept this offer has run out, and the appointment was offered to "
              "the next person.") in text(page)
    assert de("Accept appointment") not in text(page)
    client.post(offer_path, {"action": "accept"})
    assert de("The time to accept this offer has run out.") in text(client.get(offer_path))
    assert Booking.objects.get().status == BookingStatus.OFFERED  # lapses with the next run


def test_the_waiting_list_form_checks_its_input(client: Client) -> None:
    slot = factories.slot(online=1)
    book(Client(), slot)

    invalid = client.post(waitlist_url(slot.calendar.slug), {"name": "", "email": "max"})
    booked = client.post(waitlist_url(slot.calendar.slug), PERSON)
    client.post(waitlist_url(slot.calendar.slug), WAITING)
    twice = Client().post(waitlist_url(slot.calendar.slug), WAITING)

    assert title(invalid).startswith(de("Error:"))
    assert summary_links(invalid) == ["name", "email"]
    assert input_value(invalid, "email") == "max"
    assert de("There is already an appointment for this e-mail address in this calendar. "
              "Use the link in its e-mail to change or cancel it.") in text(booked)
    assert de("This e-mail address is already on the list for this calendar.") in text(twice)
    assert summary_links(twice) == ["email"]
    assert WaitlistEntry.objects.count() == 1
    assert len(mails_to("max@example.org")) == 1
    assert mail.outbox
