"""An agent of the citizens' office books, moves and cancels for a caller, in the browser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from rathaus.appointments.models import Booking, BookingStatus, Channel, Slot
from rathaus.appointments.tests import factories
from rathaus.appointments.tests.agents import agent
from rathaus.staff.tests.factories import app_of, code_for

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Bürgerbüro-2026!"


def sign_in(page: Page, portal: Portal, user: User) -> None:
    """Sign in with password and app code, where the staff pages send a signed-out agent."""
    page.goto(portal.url("/de/staff/appointments/"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form.application-form button[type=submit]")
    page.fill("#id_code", code_for(app_of(user)))
    page.click("form.application-form button[type=submit]")
    expect(page).to_have_url(portal.url("/de/staff/appointments/"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_agent_books_moves_and_cancels_for_a_caller(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        artifacts: Path, javascript: bool) -> None:
    user = agent("telefon")
    user.set_password(PASSWORD)
    user.save()
    TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    first = factories.slot(online=20, staff=3, hour=9, name_de="Impfzentrum Olympiahalle")
    later = factories.slot(calendar_=first.calendar, online=20, staff=3, hour=11)
    page = new_page(javascript=javascript)
    sign_in(page, portal, user)
    axe(page, "staff index")

    page.click("text=Impfzentrum Olympiahalle")
    page.click("a.next-free")
    axe(page, "day view")
    page.click(f"a[href$='/slots/{first.pk}/book/']")
    page.click("button[type=submit].kern-btn--primary")
    expect(page.locator("#error-summary")).to_be_visible()
    axe(page, "booking form with errors")
    page.fill("#id_name", "Erika Mustermann")
    page.fill("#id_phone", "05121 301-0")
    page.click("button[type=submit].kern-btn--primary")

    booking = Booking.objects.get()
    assert (booking.channel, booking.agent_id) == (Channel.STAFF, user.pk)
    expect(page.locator("h1")).to_contain_text(booking.reference)
    axe(page, "booking")
    page.screenshot(path=artifacts / f"agent-booking-{'js' if javascript else 'nojs'}.png",
                    full_page=True)

    page.click(f"a[href$='/bookings/{booking.reference}/move/']")
    axe(page, "move")
    page.check(f"#slot-{later.pk}")
    page.click("form[method=post]:not(.staff-account) button[type=submit]")
    moved = Booking.objects.get(status=BookingStatus.CONFIRMED)
    assert moved.slot_id == later.pk
    expect(page.locator("h1")).to_contain_text(moved.reference)

    page.click(f"a[href$='/bookings/{moved.reference}/cancel/']")
    axe(page, "cancel")
    page.click("form[method=post]:not(.staff-account) button[type=submit]")
    moved.refresh_from_db()
    assert moved.status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=later.pk).booked_staff == 0

    page.goto(portal.url("/de/staff/appointments/find/?q=mustermann"))
    expect(page.locator("main")).to_contain_text(moved.reference)
    axe(page, "find")
