"""Setting up calendars and releases in the admin: what gets refused, what gets made."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from rathaus.appointments import services
from rathaus.appointments.models import (
    ApiToken,
    Calendar,
    Channel,
    DrawMethod,
    Mode,
    OpeningRule,
    Release,
    Slot,
)
from rathaus.staff.tests.factories import sign_in_verified

from . import factories
from .agents import agent, token_for

pytestmark = pytest.mark.django_db

ADMIN = "/admin/appointments"


@pytest.fixture
def admin_browser() -> Client:
    """An administrator's browser, in English (the admin follows the browser's language)."""
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in_verified(browser, User.objects.create_superuser("admin", "a@example.org",
                                                            "pw-0123456789"))
    return browser


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


class _FormValues(HTMLParser):
    """The values a browser would send for a form page as it is shown (no inline rows)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        name = a.get("name", "")
        if tag == "input" and name and "__prefix__" not in name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.values[name] = a.get("value", "")
        elif tag == "select" and "__prefix__" not in name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def form_values(page: Any) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(page.content.decode())
    return parser.values


def rules(*rows: dict[str, Any]) -> dict[str, str]:
    data = {"rules-TOTAL_FORMS": str(len(rows))}
    for i, row in enumerate(rows):
        data.update({f"rules-{i}-{name}": str(value) for name, value in row.items()})
    return data


def calendar_form(admin_browser: Client, **extra: str) -> dict[str, str]:
    location = factories.location()
    return {
        **form_values(admin_browser.get(f"{ADMIN}/calendar/add/")),
        "slug": "impfzentrum", "name_de": "Impfzentrum", "location": str(location.pk),
        **extra,
    }


MONDAY_MORNING = {"weekday": 0, "opens": "08:00", "closes": "12:00", "capacity": 10,
                  "staff_capacity": 2}


def test_a_calendar_with_opening_rules_is_created(admin_browser: Client) -> None:
    response = admin_browser.post(f"{ADMIN}/calendar/add/", {
        **calendar_form(admin_browser), **rules(
            MONDAY_MORNING, {**MONDAY_MORNING, "opens": "12:00", "closes": "16:00"})})
    assert response.status_code == 302, text(response)
    calendar = Calendar.objects.get(slug="impfzentrum")
    assert calendar.rules.count() == 2


@pytest.mark.parametrize(("rows", "message"), [
    ([MONDAY_MORNING, {**MONDAY_MORNING, "opens": "11:00", "closes": "14:00"}],
     "Opening rules on Monday overlap: 08:00–12:00 and 11:00–14:00"),
    ([{**MONDAY_MORNING, "staff_capacity": 11}],
     "The places for phone and counter cannot be more than the places per slot."),
    ([{**MONDAY_MORNING, "opens": "12:00", "closes": "08:00"}],
     "The closing time must be after the opening time."),
    ([{**MONDAY_MORNING, "valid_from": "2030-02-01", "valid_until": "2030-01-01"}],
     "The end of validity must not be before its start."),
])
def test_bad_opening_rules_are_refused_with_a_clear_message(
        admin_browser: Client, rows: list[dict[str, Any]], message: str) -> None:
    response = admin_browser.post(f"{ADMIN}/calendar/add/", {
        **calendar_form(admin_browser), **rules(*rows)})
    assert response.status_code == 200
    assert message in text(response)
    assert not Calendar.objects.exists()
    assert not OpeningRule.objects.exists()


def test_rules_valid_in_different_periods_may_share_a_weekday(admin_browser: Client) -> None:
    winter = {**MONDAY_MORNING, "valid_until": "2030-03-31"}
    summer = {**MONDAY_MORNING, "opens": "07:00", "valid_from": "2030-04-01"}
    response = admin_browser.post(f"{ADMIN}/calendar/add/", {
        **calendar_form(admin_browser), **rules(winter, summer)})
    assert response.status_code == 302, text(response)


def test_the_booking_window_must_be_ordered(admin_browser: Client) -> None:
    response = admin_browser.post(f"{ADMIN}/calendar/add/", {
        **calendar_form(admin_browser, book_from_days="10", book_until_days="5")})
    assert "The last bookable day must not come before the first one." in text(response)
    assert not Calendar.objects.exists()


def test_create_slots_for_the_booking_window(admin_browser: Client) -> None:
    calendar = factories.calendar(slot_minutes=60, book_from_days=0, book_until_days=13,
                                  observe_public_holidays=False)
    for weekday in range(7):
        OpeningRule.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(8),
                                   closes=dt.time(10), capacity=4, staff_capacity=1)
    response = admin_browser.post(f"{ADMIN}/calendar/", {
        "action": "create_slots", "_selected_action": [calendar.pk]}, follow=True)
    assert Slot.objects.filter(calendar=calendar).count() == 14 * 2
    slot = Slot.objects.filter(calendar=calendar).first()
    assert slot is not None
    assert (slot.capacity_online, slot.capacity_staff) == (3, 1)
    assert "28 slots created or updated" in text(response)


# --- releases --------------------------------------------------------------------------------


def test_a_release_is_opened_with_a_committed_seed_that_stays_hidden(
        admin_browser: Client) -> None:
    calendar = factories.calendar(mode=Mode.DRAW)
    add = admin_browser.get(f"{ADMIN}/release/add/")
    assert 'name="seed"' not in add.content.decode()
    now = timezone.localtime()
    response = admin_browser.post(f"{ADMIN}/release/add/", {
        "calendar": calendar.pk,
        "opens_at_0": f"{now:%Y-%m-%d}", "opens_at_1": "08:00:00",
        "closes_at_0": f"{now + dt.timedelta(days=7):%Y-%m-%d}", "closes_at_1": "08:00:00",
        "slots_from": f"{now + dt.timedelta(days=14):%Y-%m-%d}",
        "slots_until": f"{now + dt.timedelta(days=14):%Y-%m-%d}",
        "method": DrawMethod.WEIGHTED})
    assert response.status_code == 302, text(response)
    release = Release.objects.get()
    assert len(release.seed) >= 32
    assert release.seed_commitment == hashlib.sha256(release.seed.encode()).hexdigest()
    page = admin_browser.get(f"{ADMIN}/release/{release.pk}/change/").content.decode()
    assert release.seed_commitment in page
    assert release.seed not in page
    assert 'name="method"' not in page, "the method is fixed once people may register"


def test_a_release_window_must_close_after_it_opens(admin_browser: Client) -> None:
    calendar = factories.calendar(mode=Mode.DRAW)
    response = admin_browser.post(f"{ADMIN}/release/add/", {
        "calendar": calendar.pk,
        "opens_at_0": "2030-01-10", "opens_at_1": "08:00:00",
        "closes_at_0": "2030-01-03", "closes_at_1": "08:00:00",
        "slots_from": "2030-01-20", "slots_until": "2030-01-20", "method": DrawMethod.LOTTERY})
    assert "Registration must close after it opens." in text(response)
    assert not Release.objects.exists()


def test_run_the_draw_once_the_window_has_closed(admin_browser: Client) -> None:
    calendar = factories.calendar(mode=Mode.DRAW)
    now = timezone.now()
    day = timezone.localdate() + dt.timedelta(days=3)
    closed = services.open_release(calendar=calendar, opens_at=now - dt.timedelta(days=2),
                                   closes_at=now - dt.timedelta(minutes=1), slots_from=day,
                                   slots_until=day, method=DrawMethod.LOTTERY)
    still_open = services.open_release(calendar=calendar, opens_at=now,
                                       closes_at=now + dt.timedelta(days=1), slots_from=day,
                                       slots_until=day, method=DrawMethod.LOTTERY)
    factories.slot(calendar_=calendar, online=1, staff=0)
    Release.objects.filter(pk=closed.pk).update(opens_at=now - dt.timedelta(days=3))
    services.register_for_draw(calendar=calendar, person=services.Person(
        name="Eva", email="eva@example.org"), group=None)
    from rathaus.appointments.models import Registration

    Registration.objects.update(created_at=now - dt.timedelta(days=1))
    response = admin_browser.post(f"{ADMIN}/release/", {
        "action": "run_draw_now", "_selected_action": [closed.pk, still_open.pk]}, follow=True)
    closed.refresh_from_db()
    still_open.refresh_from_db()
    assert closed.is_drawn
    assert closed.places_count == 1
    assert not still_open.is_drawn
    assert "registration is still open" in text(response)
    page = admin_browser.get(f"{ADMIN}/release/{closed.pk}/change/").content.decode()
    assert closed.seed in page, "after the draw anyone may check the seed"
    assert admin_browser.post(f"{ADMIN}/release/{closed.pk}/delete/", {"post": "yes"}
                              ).status_code == 403
    assert Release.objects.filter(pk=closed.pk).exists()


# --- bookings and tokens ---------------------------------------------------------------------


def test_bookings_are_listed_by_channel_and_found_by_reference(admin_browser: Client) -> None:
    slot = factories.slot(online=2, staff=2)
    by_phone = services.book_for_caller(slot_id=slot.pk, person=services.Person(
        name="Eva", phone="0511 1"), agent=agent("telefon"), channel=Channel.STAFF)
    online = services.book_for_caller(slot_id=slot.pk, person=services.Person(
        name="Max", phone="0511 2"), agent=None, channel=Channel.ONLINE)
    page = text(admin_browser.get(f"{ADMIN}/booking/?channel__exact=staff"))
    assert by_phone.reference in page
    assert online.reference not in page
    found = text(admin_browser.get(f"{ADMIN}/booking/", {"q": online.reference}))
    assert online.reference in found
    assert by_phone.reference not in found
    detail = admin_browser.get(f"{ADMIN}/booking/{by_phone.pk}/change/").content.decode()
    assert 'name="status"' not in detail, "bookings change through the staff pages only"
    assert admin_browser.get(f"{ADMIN}/booking/add/").status_code == 403


def test_tokens_are_listed_without_the_secret_and_can_be_revoked(admin_browser: Client) -> None:
    key = token_for(agent("kiosk"))
    token = ApiToken.objects.get()
    listing = admin_browser.get(f"{ADMIN}/apitoken/").content.decode()
    assert token.prefix in listing
    assert key not in listing
    detail = admin_browser.get(f"{ADMIN}/apitoken/{token.pk}/change/").content.decode()
    assert key not in detail
    assert token.key_hash not in detail
    assert admin_browser.get(f"{ADMIN}/apitoken/add/").status_code == 403
    admin_browser.post(f"{ADMIN}/apitoken/", {"action": "revoke",
                                              "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = Client().get("/api/v1/appointments/calendars",
                            headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401
