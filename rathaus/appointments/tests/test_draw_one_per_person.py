"""One registration per person in a draw, and the page never tells who is registered (issue 10)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from rathaus.account.tests.factories import signed_in
from rathaus.appointments import services
from rathaus.appointments.models import Booking, BookingStatus, Registration, RegistrationStatus
from rathaus.appointments.people import mailbox, mailbox_key

from .pages import de, h1, link_in, mails_to, text
from .test_pages_draw import draw_calendar, later

pytestmark = pytest.mark.django_db(transaction=True)

KNOWN = ("Diese E-Mail-Adresse steht schon auf der Liste",
         "This e-mail address is already on the list")


def register(calendar: Any, email: str, name: str = "Erika Musterfrau",
             client: Client | None = None) -> Any:
    client = client or Client()
    response = client.post(f"/de/appointments/{calendar.slug}/register/", {
        "name": name, "email": email, "phone": "", "group": "alle", "eligible": "yes"})
    assert response.status_code == 302, text(response)
    return client.get(response["Location"])


@pytest.mark.parametrize(("address", "box"), [
    ("Erika+Impfung@Example.ORG", "erika@example.org"),
    ("erika+2@example.org", "erika@example.org"),
    ("erika+a+b@example.org", "erika@example.org"),
    ("+tag@example.org", "+tag@example.org"),       # nothing left without the tag: kept
    ("e.rika@gmail.com", "e.rika@gmail.com"),       # dots are not folded (see people.py)
    ("anna-lena@example.org", "anna-lena@example.org"),
    ("erika@googlemail.com", "erika@googlemail.com"),
])
def test_the_mailbox_behind_an_address(address: str, box: str) -> None:
    assert mailbox(address) == box
    assert mailbox_key(address) == mailbox_key(box)


def test_a_sub_address_of_a_registered_mailbox_is_not_registered_again() -> None:
    calendar, _release = draw_calendar()
    first = register(calendar, "erika@example.org")
    again = register(calendar, "erika+2@example.org", name="Erika Zwei")

    assert Registration.objects.count() == 1
    # Both pages say the same; neither says whether the address was known.
    assert h1(first) == h1(again) == [de("Please check your e-mail")]
    assert text(first).replace("erika@example.org", "X") == \
        text(again).replace("erika+2@example.org", "X")
    for known in KNOWN:
        assert known not in text(again)
    # The mailbox is told the truth; a variant of the address gets no link.
    [receipt] = mails_to("erika@example.org")
    [notice] = mails_to("erika+2@example.org")
    assert notice.subject == de("You are already registered: %(calendar)s",
                                calendar="Impftermin")
    assert "/registration/" not in notice.body
    assert Registration.objects.get().reference not in notice.body
    assert "/registration/" in receipt.body


def test_the_same_address_again_is_told_its_registration_with_the_link() -> None:
    calendar, _release = draw_calendar()
    register(calendar, "erika@example.org")
    register(calendar, "Erika@Example.org")

    registration = Registration.objects.get()
    receipt, notice = mails_to("erika@example.org") + mails_to("Erika@Example.org")
    assert registration.reference in notice.body
    # The same registration's link; the signature's timestamp may differ by a second.
    again, first = (link_in(mail, "/registration/") for mail in (notice, receipt))
    expected = f"/de/registration/{registration.reference}"
    assert again.split(":")[0] == first.split(":")[0] == expected
    assert Client().get(again).status_code == 200


def test_a_mailbox_with_an_appointment_from_the_draw_is_not_registered_again() -> None:
    calendar, release = draw_calendar(places=1)
    register(calendar, "erika@example.org")
    services.run_draw(release=release)
    offer = Booking.objects.get(status=BookingStatus.OFFERED)
    services.accept_offer(booking=offer)
    services.open_release(calendar=calendar, opens_at=later(-1), closes_at=later(24),
                          slots_from=release.slots_from, slots_until=release.slots_until,
                          method=release.method)

    register(calendar, "erika+nochmal@example.org")

    assert Registration.objects.filter(status=RegistrationStatus.WAITING).count() == 0
    [notice] = mails_to("erika+nochmal@example.org")
    assert "/appointment/" not in notice.body


def test_a_bundid_citizen_registers_once_whatever_address_they_type(client: Client) -> None:
    calendar, _release = draw_calendar()
    signed_in(client)
    register(calendar, "erika@example.org", client=client)
    register(calendar, "erika.privat@example.net", client=client)

    registration = Registration.objects.get()
    [notice] = mails_to("erika.privat@example.net")
    # The same person (BundID), so the link may go to the address they typed now.
    assert registration.reference in notice.body
    assert "/registration/" in notice.body


def test_notices_to_one_mailbox_are_limited() -> None:
    calendar, _release = draw_calendar()
    register(calendar, "erika@example.org")
    for n in range(6):
        register(calendar, f"erika+{n}@example.org")

    notices = [m for n in range(6) for m in mails_to(f"erika+{n}@example.org")]
    assert len(notices) == services.DUPLICATE_NOTICES_PER_HOUR


def test_the_database_refuses_a_second_registration_of_one_mailbox() -> None:
    calendar, _release = draw_calendar()
    Registration.objects.create(calendar=calendar, person_key="a", name="A",
                                mailbox_key=mailbox_key("erika@example.org"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(calendar=calendar, person_key="b", name="B",
                                    mailbox_key=mailbox_key("erika+2@example.org"))
    # Once withdrawn, the mailbox may register again.
    Registration.objects.update(status=RegistrationStatus.WITHDRAWN)
    Registration.objects.create(calendar=calendar, person_key="b", name="B",
                                mailbox_key=mailbox_key("erika+2@example.org"))
