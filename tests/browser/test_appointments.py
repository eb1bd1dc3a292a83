"""Booking an appointment, the waiting list and a draw in the browser, with and without JavaScript.

The pages are German. UI texts of the appointment pages are new msgids that the translation
catches up with later, so controls are found by structure (ids, names, link targets), and what
the person reads is compared with the message as gettext gives it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from rathaus.appointments import services
from rathaus.appointments.models import (
    Booking,
    BookingStatus,
    Calendar,
    DrawMethod,
    Mode,
    PriorityGroup,
    Registration,
    RegistrationStatus,
    Slot,
    WaitlistEntry,
    WaitlistStatus,
)
from rathaus.appointments.tests import factories
from rathaus.appointments.tests.pages import de, path_of

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSON = {"name": "Erika Musterfrau", "email": "erika@example.org", "phone": "05121 301-0"}


def settle(page: Page) -> None:
    """Wait until every font the page uses has loaded (bold text is invisible until then)."""
    page.evaluate("document.fonts.ready.then(() => Promise.all([...document.fonts]"
                  ".filter(font => font.status === 'loading').map(font => font.loaded)))"
                  ".then(() => true)")
    page.evaluate("new Promise(resolve => requestAnimationFrame(() => resolve(true)))")


def shoot(page: Page, path: Path) -> None:
    settle(page)
    page.screenshot(path=path, full_page=True)


def link_in(mailoutbox: list[Any], address: str, part: str) -> str:
    """The path of the newest link containing ``part`` in the mails to ``address``."""
    for message in reversed(mailoutbox):
        if address in message.to:
            for url in re.findall(r"https?://\S+", message.body):
                if part in url:
                    return path_of(url)
    raise AssertionError(f"no mail to {address} with a link containing {part!r}")


def first_come_calendar() -> tuple[Calendar, list[Slot]]:
    """A calendar with three free times on one day and two on the next, and one full time."""
    calendar = factories.calendar(slug="buergerbuero", name_de="Termin im Bürgerbüro",
                                  name_en="Appointment at the citizens' office")
    slots = [factories.slot(calendar_=calendar, online=online, days_ahead=days, hour=hour,
                            minute=minute)
             for days, hour, minute, online in ((2, 9, 0, 1), (2, 9, 30, 3), (2, 10, 0, 1),
                                                (3, 8, 0, 1), (3, 8, 30, 1))]
    Slot.objects.filter(pk=slots[0].pk).update(booked_online=1)
    return calendar, slots


class FirstCome:
    """Walk the first-come pages; call ``visited`` on every page (axe, screenshots)."""

    def __init__(self, page: Page, portal: Portal, mailoutbox: list[Any], *,
                 visited: Callable[[Page, str], None]) -> None:
        self.page = page
        self.portal = portal
        self.mailoutbox = mailoutbox
        self.visited = visited

    def seen(self, where: str) -> None:
        self.visited(self.page, where)

    def h1(self, text: str) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_have_text(text)

    def pick(self, calendar: Calendar, slot: Slot) -> None:
        page = self.page
        page.goto(self.portal.url("/de/appointments/"))
        self.h1(de("Book an appointment"))
        self.seen("calendar list")
        page.locator(f'main a[href="/de/appointments/{calendar.slug}/"]').click()
        self.h1(calendar.name_de)
        # It opens on the first day with a free time; the full 9:00 is not offered.
        expect(page.locator('input[name="slot"]')).to_have_count(2)
        expect(page.locator('[aria-current="date"]')).to_have_count(1)
        self.seen("slot picker")
        # Continue without a choice: the error summary links to the first time.
        page.locator(".slot-form button[type=submit]").click()
        summary = page.locator("#error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text(de("Choose a time."))
        expect(page).to_have_title(re.compile("^" + re.escape(de("Error:"))))
        self.seen("slot picker with an error")
        summary.locator('a[href="#slot"]').click()
        expect(page.locator("#slot")).to_be_focused()
        # The next day, through the day list.
        day = timezone.localdate(slot.starts_at).isoformat()
        page.locator(f'.day-list a[href$="?date={day}"]').click()
        expect(page.locator('[aria-current="date"]')).to_have_attribute(
            "href", re.compile(f"date={day}$"))
        page.locator(f'input[name="slot"][value="{slot.pk}"]').check()
        page.locator(".slot-form button[type=submit]").click()

    def details(self) -> None:
        page = self.page
        self.h1(de("Your details"))
        expect(page.locator(".hold-note")).to_be_visible()
        self.seen("details")
        page.locator("#name").fill(PERSON["name"])
        page.locator("#email").fill("erika@")
        page.locator(".form-actions button[type=submit]").click()
        expect(page.locator("#error-summary")).to_contain_text(
            de("Enter an e-mail address in the form name@example.de."))
        expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#name")).to_have_value(PERSON["name"])
        self.seen("details with an error")
        page.locator("#email").fill(PERSON["email"])
        page.locator("#phone").fill(PERSON["phone"])
        page.locator(".form-actions button[type=submit]").click()
        self.h1(de("Check your e-mail"))
        self.seen("check your e-mail")

    def confirm(self) -> str:
        page = self.page
        page.goto(self.portal.url(link_in(self.mailoutbox, PERSON["email"],
                                          "/appointment/confirm/")))
        self.h1(de("Confirm your appointment"))
        self.seen("confirm")
        page.locator("main form button[type=submit]").click()
        self.h1(de("Your appointment is booked"))
        reference = page.locator(".confirmation .reference").inner_text().strip()
        self.seen("confirmation")
        with page.expect_download() as info:
            page.locator('a[href$="/booking.ics"]').click()
        ics = Path(info.value.path()).read_text()
        assert "BEGIN:VEVENT" in ics
        assert reference in ics
        return reference

    def reschedule(self, to: Slot) -> None:
        page = self.page
        page.goto(self.portal.url(link_in(self.mailoutbox, PERSON["email"], "/appointment/")))
        self.h1(de("Your appointment"))
        self.seen("manage")
        page.locator('main a[href$="/reschedule/"]').click()
        self.h1(de("Choose another time"))
        self.seen("reschedule picker")
        day = timezone.localdate(to.starts_at).isoformat()
        page.locator(f'.day-list a[href$="?date={day}"]').click()
        page.locator(f'input[name="slot"][value="{to.pk}"]').check()
        page.locator(".slot-form button[type=submit]").click()
        self.h1(de("Your appointment"))
        expect(page.locator(".page-message")).to_contain_text(
            de("Your appointment has been moved. Its reference and this page stay the same; "
               "we have sent you the new time by e-mail."))
        self.seen("moved")

    def cancel(self) -> None:
        page = self.page
        page.locator('main a[href="?action=cancel"]').click()
        self.h1(de("Cancel your appointment?"))
        self.seen("cancel step")
        page.locator('main form button[type=submit]').click()
        expect(page.locator(".page-message")).to_contain_text(
            de("Your appointment has been cancelled."))
        self.seen("cancelled")


def book_move_cancel(page: Page, portal: Portal, mailoutbox: list[Any],
                     visited: Callable[[Page, str], None]) -> None:
    calendar, slots = first_come_calendar()
    journey = FirstCome(page, portal, mailoutbox, visited=visited)

    journey.pick(calendar, slots[3])
    journey.details()
    booking = Booking.objects.get(email=PERSON["email"])
    assert booking.status == BookingStatus.PENDING
    reference = journey.confirm()
    assert Booking.objects.get(reference=reference).status == BookingStatus.CONFIRMED
    journey.reschedule(slots[4])
    moved = Booking.objects.get(status=BookingStatus.CONFIRMED)
    assert moved.slot_id == slots[4].pk
    assert moved.reference == reference
    assert Slot.objects.get(pk=slots[3].pk).booked_online == 0
    journey.cancel()
    assert Booking.objects.get(pk=moved.pk).status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=slots[4].pk).booked_online == 0
    subjects = [str(message.subject) for message in mailoutbox]
    assert subjects == [
        de("Please confirm your appointment"),
        de("Your appointment is confirmed: %(reference)s", reference=reference),
        de("Your appointment has been moved: %(reference)s", reference=moved.reference),
        de("Your appointment has been cancelled: %(reference)s", reference=moved.reference),
    ]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_book_confirm_move_and_cancel(
    portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
    mailoutbox: list[Any], javascript: bool,
) -> None:
    page = new_page(javascript=javascript)
    book_move_cancel(page, portal, mailoutbox, visited=axe)


SCREENSHOTS = {"slot picker": "picker", "slot picker with an error": "picker-error",
               "details": "details", "details with an error": "details-error",
               "check your e-mail": "check-mail", "confirm": "confirm",
               "confirmation": "confirmation", "manage": "manage",
               "reschedule picker": "reschedule", "cancel step": "cancel",
               "cancelled": "cancelled"}


class Photographer:
    """Visits pages at one width: notes those that scroll sideways, photographs the named ones."""

    def __init__(self, artifacts: Path, width: int, names: dict[str, str]) -> None:
        self.artifacts, self.width, self.names = artifacts, width, names
        self.too_wide: list[str] = []

    def __call__(self, page: Page, where: str) -> None:
        settle(page)
        scroll, available = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if scroll > available:
            self.too_wide.append(f"{where}: {scroll}px of content in {available}px")
        if where in self.names:
            shoot(page, self.file(self.names[where]))

    def file(self, name: str) -> Path:
        return self.artifacts / f"appointments-{name}-{self.width}.png"

    def check(self) -> None:
        assert not self.too_wide, "pages scroll sideways:\n" + "\n".join(self.too_wide)
        for name in self.names.values():
            assert self.file(name).exists()


@pytest.mark.parametrize("width", [320, 1280], ids=["320px", "desktop"])
def test_pages_fit_the_screen_and_are_photographed(
    portal: Portal, new_page: Callable[..., Page], mailoutbox: list[Any], artifacts: Path,
    width: int,
) -> None:
    page = new_page(javascript=True, width=width, height=800)
    visited = Photographer(artifacts, width, SCREENSHOTS)

    book_move_cancel(page, portal, mailoutbox, visited)

    visited.check()


def full_calendar() -> Calendar:
    """A first-come calendar whose only place is booked, with Max first on the waiting list."""
    calendar = factories.calendar(slug="standesamt", name_de="Termin im Standesamt",
                                  name_en="Appointment at the registry office")
    slot = factories.slot(calendar_=calendar, online=1, days_ahead=2)
    services.book_for_caller(slot_id=slot.pk, agent=None, channel="online",
                             person=services.Person(name="Anna", email="anna@example.org"))
    services.join_waitlist(calendar=calendar,
                           person=services.Person(name="Max", email="max@example.org"))
    return calendar


def join_see_and_leave_the_waiting_list(page: Page, portal: Portal, mailoutbox: list[Any],
                                        visited: Callable[[Page, str], None]) -> None:
    calendar = full_calendar()
    heading = page.get_by_role("heading", level=1)

    page.goto(portal.url(f"/de/appointments/{calendar.slug}/"))
    expect(heading).to_have_text(calendar.name_de)
    page.locator(f'main a[href="/de/appointments/{calendar.slug}/waiting-list/"]').click()
    expect(heading).to_have_text(de("Join the waiting list"))
    visited(page, "waiting list form")
    page.locator("#name").fill(PERSON["name"])
    page.locator("#email").fill(PERSON["email"])
    page.locator(".form-actions button[type=submit]").click()
    expect(heading).to_have_text(de("You are on the waiting list"))
    entry = WaitlistEntry.objects.get(email=PERSON["email"])
    expect(page.locator(".reference")).to_have_text(entry.reference)
    visited(page, "on the waiting list")

    # The link in the receipt shows her place: second, after Max.
    page.goto(portal.url(link_in(mailoutbox, PERSON["email"], "/waiting-list/")))
    expect(heading).to_have_text(de("Your place on the waiting list"))
    main = page.locator("main")
    expect(main).to_contain_text(entry.reference)
    expect(main).to_contain_text(
        de("You are number %(position)s on the waiting list.", position=2))
    visited(page, "waiting list entry")

    # Leaving asks first; "no" changes nothing.
    page.locator('main a[href="?action=withdraw"]').click()
    expect(heading).to_have_text(de("Leave the waiting list?"))
    visited(page, "leave the waiting list")
    page.locator("main .form-actions a.kern-link").click()
    expect(heading).to_have_text(de("Your place on the waiting list"))
    assert WaitlistEntry.objects.get(pk=entry.pk).status == WaitlistStatus.WAITING
    page.locator('main a[href="?action=withdraw"]').click()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".page-message")).to_contain_text(de("You have left the waiting list."))
    expect(main).to_contain_text(de("This entry is no longer on the waiting list."))
    expect(page.locator('main a[href="?action=withdraw"]')).to_have_count(0)
    visited(page, "left the waiting list")
    assert WaitlistEntry.objects.get(pk=entry.pk).status == WaitlistStatus.WITHDRAWN
    assert WaitlistEntry.objects.get(email="max@example.org").status == WaitlistStatus.WAITING


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_join_see_and_leave_the_waiting_list(
    portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
    mailoutbox: list[Any], javascript: bool,
) -> None:
    page = new_page(javascript=javascript)
    join_see_and_leave_the_waiting_list(page, portal, mailoutbox, visited=axe)


WAITLIST_SCREENSHOTS = {"waiting list form": "waitlist-form",
                        "on the waiting list": "waitlist-done",
                        "waiting list entry": "waitlist-entry",
                        "leave the waiting list": "waitlist-leave",
                        "left the waiting list": "waitlist-left"}


@pytest.mark.parametrize("width", [320, 1280], ids=["320px", "desktop"])
def test_waiting_list_pages_fit_the_screen_and_are_photographed(
    portal: Portal, new_page: Callable[..., Page], mailoutbox: list[Any], artifacts: Path,
    width: int,
) -> None:
    page = new_page(javascript=True, width=width, height=800)
    visited = Photographer(artifacts, width, WAITLIST_SCREENSHOTS)

    join_see_and_leave_the_waiting_list(page, portal, mailoutbox, visited)

    visited.check()


def draw_calendar() -> Calendar:
    calendar = factories.calendar(slug="impfzentrum", name_de="Impftermin",
                                  name_en="Vaccination appointment", mode=Mode.DRAW)
    PriorityGroup.objects.create(calendar=calendar, code="ab-80",
                                 label_de="80 Jahre und älter", label_en="80 years and older",
                                 rank=1, weight=4)
    PriorityGroup.objects.create(calendar=calendar, code="alle", label_de="Alle anderen",
                                 label_en="Everyone else", rank=2, weight=1)
    factories.slot(calendar_=calendar, online=1, days_ahead=10)
    now = timezone.now()
    services.open_release(
        calendar=calendar, opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=2), slots_from=timezone.localdate(),
        slots_until=timezone.localdate() + dt.timedelta(days=20), method=DrawMethod.PRIORITY)
    return calendar


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_register_for_a_draw_and_accept_the_offer(
    portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
    mailoutbox: list[Any], javascript: bool, artifacts: Path,
) -> None:
    calendar = draw_calendar()
    services.register_for_draw(calendar=calendar, group=None,
                               person=services.Person(name="Max", email="max@example.org"))
    page = new_page(javascript=javascript)

    page.goto(portal.url(f"/de/appointments/{calendar.slug}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Impftermin")
    release = calendar.releases.get()
    expect(page.locator("main")).to_contain_text(release.seed_commitment)
    axe(page, "draw calendar")
    if javascript:
        shoot(page, artifacts / "appointments-draw-calendar-1280.png")
    # Sending the form empty shows every problem at once.
    page.locator(".draw-registration form button[type=submit]").click()
    summary = page.locator("#error-summary")
    expect(summary.locator("a")).to_have_count(4)
    expect(summary.locator('a[href="#group-ab-80"]')).to_have_count(1)
    axe(page, "draw calendar with errors")
    page.locator("#name").fill("Erika Musterfrau")
    page.locator("#email").fill("erika@example.org")
    page.locator("#group-ab-80").check()
    page.locator("#eligible").check()
    page.locator(".draw-registration form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(de("Please check your e-mail"))
    erika = Registration.objects.get(email="erika@example.org")
    expect(page.locator(".sent-to")).to_have_text("erika@example.org")
    expect(page.locator("main")).not_to_contain_text(erika.reference)
    axe(page, "registered")
    page.goto(portal.url(link_in(mailoutbox, "erika@example.org", "/registration/")))
    expect(page.locator("main")).to_contain_text(de("on the list"))
    axe(page, "registration status")

    services.run_draw(release=release)  # now, instead of when the window closes

    assert Registration.objects.get(pk=erika.pk).status == RegistrationStatus.OFFERED
    assert Registration.objects.get(email="max@example.org").status == \
        RegistrationStatus.WAITING
    page.goto(portal.url(link_in(mailoutbox, "erika@example.org", "/appointment/")))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        de("An appointment is free for you"))
    axe(page, "offer")
    page.locator('main form input[value="accept"] ~ button').click()
    expect(page.locator(".page-message")).to_contain_text(
        de("You have accepted the appointment. It is booked for you."))
    axe(page, "offer accepted")
    assert Booking.objects.get(registration=erika).status == BookingStatus.CONFIRMED

    page.goto(portal.url(f"/de/appointments/{calendar.slug}/draws/{release.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(de("Record of the draw"))
    expect(page.locator("main")).to_contain_text(erika.reference)
    expect(page.locator("main")).not_to_contain_text("Erika")
    axe(page, "draw record")
    if javascript:
        page.set_viewport_size({"width": 320, "height": 800})
        for path, name in ((page.url, "draw-record"),
                           (portal.url(f"/de/appointments/{calendar.slug}/"), "draw-calendar")):
            page.goto(path)
            shoot(page, artifacts / f"appointments-{name}-320.png")
            scroll, available = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert scroll <= available, f"{name} scrolls sideways at 320px"
