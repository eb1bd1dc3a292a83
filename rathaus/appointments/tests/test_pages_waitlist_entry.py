"""A person on a waiting list sees their place through the link in the receipt, and may leave."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import formats, timezone, translation

from rathaus.appointments import links, services
from rathaus.appointments.models import (
    Booking,
    BookingStatus,
    Slot,
    WaitlistEntry,
    WaitlistStatus,
)
from rathaus.core.tokens import make_token

from . import factories
from .pages import day_parts, de, de_n, h1, link_in, links_to, mails_to, text, title

pytestmark = pytest.mark.django_db(transaction=True)  # receipts and offers go out after commit

LEAVE = "Leave the waiting list"
LEFT = "You have left the waiting list."
GONE = "This entry is no longer on the waiting list."


def full_slot() -> tuple[Slot, Booking]:
    """A first-come calendar whose only place is booked."""
    slot = factories.slot(online=1)
    booked = services.book_for_caller(
        slot_id=slot.pk, person=services.Person(name="Erika", email="erika@example.org"),
        agent=None, channel="online")
    return slot, booked


def join(slot: Slot, n: int, language: str = "de") -> str:
    """Join the waiting list through the page; return the path of the link in the receipt."""
    response = Client().post(f"/{language}/appointments/{slot.calendar.slug}/waiting-list/",
                             {"name": f"Person {n}", "email": f"p{n}@example.org"})
    assert response.status_code == 302, text(response)
    return link_in(mails_to(f"p{n}@example.org")[0], "/waiting-list/")


def entry_of(n: int) -> WaitlistEntry:
    return WaitlistEntry.objects.get(email=f"p{n}@example.org")


def number(position: int) -> str:
    return de("You are number %(position)s on the waiting list.", position=position)


def csrf_token(response: Any) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert found, "the form has no CSRF token"
    return found.group(1)


def test_the_receipt_links_to_the_place_on_the_list(client: Client) -> None:
    slot, _ = full_slot()
    first = join(slot, 1)
    response = client.post(f"/de/appointments/{slot.calendar.slug}/waiting-list/",
                           {"name": "Person 2", "email": "p2@example.org"})
    second = link_in(mails_to("p2@example.org")[0], "/waiting-list/")
    entry = entry_of(2)

    receipt = mails_to("p2@example.org")[0]
    assert receipt.subject == de("You are on the waiting list")
    assert de("Here you can see your place on the waiting list and leave it if you no longer "
              "need an appointment:") in receipt.body
    assert second.startswith("/de/waiting-list/")
    # The page after joining carries the same link.
    assert links_to(client.get(response["Location"]), second)

    page = client.get(second)
    assert page.status_code == 200
    assert h1(page) == [de("Your place on the waiting list")]
    assert title(page).startswith(f"{de('Your place on the waiting list')} – "
                                  f"{slot.calendar.name_de} – ")
    body = text(page)
    assert f"{de('Reference')} {entry.reference}" in body
    assert f"{de('Status')} {de('waiting')}" in body
    with translation.override("de"):
        joined = formats.date_format(timezone.localtime(entry.created_at), "DATE_FORMAT")
    assert f"{de('Joined on')} {joined}" in body
    assert number(2) in body
    assert de_n("As soon as an appointment becomes free and it is your turn, we offer it to you "
                "by e-mail. You then have %(hours)s hour to accept it.",
                "As soon as an appointment becomes free and it is your turn, we offer it to you "
                "by e-mail. You then have %(hours)s hours to accept it.",
                slot.calendar.offer_hours, hours=slot.calendar.offer_hours) in body
    assert de(LEAVE) in body
    assert 'href="?action=withdraw"' in page.content.decode()
    assert number(1) in text(Client().get(first))


@pytest.mark.parametrize("path", [
    "/de/waiting-list/garbage/",
    "/de/waiting-list/ABCD-EFGH:1tt:forged/",
    # Signed, but for another purpose, or for an entry that does not exist.
    "/de/waiting-list/{registration}/",
    "/de/waiting-list/{unknown}/",
])
def test_a_forged_or_foreign_link_shows_the_invalid_link_page(client: Client, path: str) -> None:
    slot, _ = full_slot()
    join(slot, 1)
    entry = entry_of(1)
    path = path.format(registration=make_token(purpose=links.REGISTRATION, value=entry.reference),
                       unknown=make_token(purpose=links.WAITLIST, value="ZZZZ-ZZZZ"))

    for response in (client.get(path), client.get(f"{path}?action=withdraw"),
                     client.post(path, {"action": "withdraw"})):
        assert response.status_code == 404
        assert h1(response) == [de("This link is not valid")]
    assert entry_of(1).status == WaitlistStatus.WAITING


def test_leave_the_list_after_a_question_and_the_next_place_goes_to_the_next_person() -> None:
    slot, booked = full_slot()
    path = join(slot, 1)
    join(slot, 2)
    join(slot, 3)
    client = Client(enforce_csrf_checks=True)

    step = client.get(f"{path}?action=withdraw")
    assert h1(step) == [de("Leave the waiting list?")]
    assert de("Your entry %(reference)s is taken off the waiting list, and we no longer offer "
              "you an appointment that becomes free. You cannot undo this. If you join the "
              "waiting list again later, you are put at its end.",
              reference=entry_of(1).reference) in text(step)
    assert de("No, stay on the list") in text(step)
    assert entry_of(1).status == WaitlistStatus.WAITING
    # Without the form's CSRF token nothing happens.
    assert client.post(path, {"action": "withdraw"}).status_code == 403
    assert entry_of(1).status == WaitlistStatus.WAITING

    token = csrf_token(step)
    response = client.post(path, {"action": "withdraw", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == path
    page = client.get(path)
    assert de(LEFT) in text(page)
    assert f"{de('Status')} {de('withdrawn')}" in text(page)
    assert de(GONE) in text(page)
    assert f'href="/de/appointments/{slot.calendar.slug}/"' in page.content.decode()
    assert de(LEAVE) not in text(page)
    # Leaving twice is harmless: nothing changes and nothing is said twice.
    again = client.post(path, {"action": "withdraw", "csrfmiddlewaretoken": token})
    assert again.status_code == 302
    assert de(LEFT) not in text(client.get(path))
    assert h1(client.get(f"{path}?action=withdraw")) == [de("Your place on the waiting list")]
    assert entry_of(1).status == WaitlistStatus.WITHDRAWN

    # The people after them move up.
    assert number(1) in text(Client().get(link_in(mails_to("p2@example.org")[0],
                                                  "/waiting-list/")))
    assert number(2) in text(Client().get(link_in(mails_to("p3@example.org")[0],
                                                  "/waiting-list/")))

    # A place that comes free is offered to the next person waiting, not to the one who left.
    services.cancel_booking(booking=booked)
    offer = Booking.objects.get(status=BookingStatus.OFFERED)
    assert offer.email == "p2@example.org"
    assert offer.waitlist_entry == entry_of(2)
    assert mails_to("p2@example.org")[-1].subject == de(
        "An appointment is free for you: please accept it")
    assert len(mails_to("p1@example.org")) == 1  # the receipt only
    assert entry_of(1).status == WaitlistStatus.WITHDRAWN
    assert entry_of(3).status == WaitlistStatus.WAITING


def test_withdrawing_changes_only_an_entry_still_waiting() -> None:
    slot = factories.slot(online=1)
    for n in (1, 2):
        services.join_waitlist(calendar=slot.calendar,
                               person=services.Person(name=f"P{n}", email=f"p{n}@example.org"))
    offered, waiting = entry_of(1), entry_of(2)
    assert (offered.status, waiting.status) == (WaitlistStatus.OFFERED, WaitlistStatus.WAITING)

    assert services.withdraw_waitlist_entry(entry=waiting).status == WaitlistStatus.WITHDRAWN
    assert services.withdraw_waitlist_entry(entry=waiting).status == WaitlistStatus.WITHDRAWN
    assert services.withdraw_waitlist_entry(entry=offered).status == WaitlistStatus.OFFERED
    assert Booking.objects.get().status == BookingStatus.OFFERED


def test_an_offered_entry_is_not_withdrawn_but_links_to_its_offer(client: Client) -> None:
    slot = factories.slot(online=1)  # a free place: it is offered as soon as Person 1 joins
    path = join(slot, 1)
    offer = Booking.objects.get(status=BookingStatus.OFFERED)
    assert offer.expires_at is not None
    offer_path = link_in(mails_to("p1@example.org")[-1], "/appointment/")

    page = client.get(path)
    body = text(page)
    assert f"{de('Status')} {de('offered a place')}" in body
    assert de("You have been offered an appointment. Please accept or decline it by "
              "%(weekday)s, %(day)s, %(time)s.",
              **day_parts(timezone.localtime(offer.expires_at))) in body
    assert de("If you no longer need an appointment, please decline the offer so that it goes "
              "to the next person at once.") in body
    assert de("See the offered appointment") in body
    assert links_to(page, offer_path)
    assert de(LEAVE) not in body
    assert number(1) not in body

    assert h1(client.get(f"{path}?action=withdraw")) == [de("Your place on the waiting list")]
    client.post(path, {"action": "withdraw"})
    assert de(LEFT) not in text(client.get(path))
    assert entry_of(1).status == WaitlistStatus.OFFERED
    assert Booking.objects.get(pk=offer.pk).status == BookingStatus.OFFERED

    # Accepted, the page shows the appointment and links to it.
    client.post(offer_path, {"action": "accept"})
    page = client.get(path)
    assert f"{de('Status')} {de('booked')}" in text(page)
    assert de("You have an appointment on %(weekday)s, %(day)s, at %(time)s.",
              **day_parts(timezone.localtime(slot.starts_at))) in text(page)
    assert de("Show my appointment") in text(page)
    assert links_to(page, offer_path)


def test_a_lapsed_offer_says_the_entry_is_off_the_list(client: Client) -> None:
    slot = factories.slot(online=1)
    path = join(slot, 1)
    Booking.objects.update(expires_at=timezone.now())
    services.expire_offers()

    page = client.get(path)
    assert f"{de('Status')} {de('offer not accepted in time')}" in text(page)
    assert de(GONE) in text(page)
    assert f'href="/de/appointments/{slot.calendar.slug}/"' in page.content.decode()
    assert de(LEAVE) not in text(page)


def test_the_page_and_the_link_are_english_for_an_english_entry(client: Client) -> None:
    slot, _ = full_slot()
    join(slot, 1)
    path = join(slot, 2, language="en")
    receipt = mails_to("p2@example.org")[0]
    assert "Here you can see your place on the waiting list and leave it if you no longer need " \
           "an appointment:" in receipt.body
    assert path.startswith("/en/waiting-list/")

    page = client.get(path)
    assert '<html lang="en"' in page.content.decode()
    assert h1(page) == ["Your place on the waiting list"]
    assert "You are number 2 on the waiting list." in text(page)
    assert "Status waiting" in text(page)
    assert slot.calendar.name_en in text(page)

    step = client.get(f"{path}?action=withdraw")
    assert h1(step) == ["Leave the waiting list?"]
    client.post(path, {"action": "withdraw"})
    assert LEFT in text(client.get(path))
