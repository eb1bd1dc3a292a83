"""The citizens' office pages: what an agent sees and what ends up in the database."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from rathaus.appointments import services
from rathaus.appointments.models import (
    Booking,
    BookingStatus,
    Channel,
    Mode,
    PriorityGroup,
    Registration,
    Slot,
)
from rathaus.audit.models import AuditEvent

from . import factories
from .agents import agent, sign_in

pytestmark = pytest.mark.django_db

STAFF = "/en/staff/appointments"


def audited() -> list[tuple[str, str, str, str]]:
    """What the audit log says agents did to appointments, oldest first."""
    return list(AuditEvent.objects.filter(action__startswith="appointments.").order_by("pk")
                .values_list("action", "actor_label", "object_id", "message"))


@pytest.fixture
def desk(client: Client) -> Client:
    """A browser signed in as an agent of the citizens' office."""
    return sign_in(client, agent("telefon"))


def text(response: Any) -> str:
    """The page's text without tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def day_of(slot: Slot) -> str:
    return timezone.localtime(slot.starts_at).date().isoformat()


def booked_by_phone(slot: Slot, name: str = "Erika Mustermann", phone: str = "0511 123456"
                    ) -> Booking:
    return services.book_for_caller(slot_id=slot.pk, person=services.Person(
        name=name, phone=phone), agent=None, channel=Channel.STAFF)


# --- access ----------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_the_login(client: Client) -> None:
    response = client.get(f"{STAFF}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/?next=/en/staff/appointments/")


def test_a_session_without_the_second_factor_is_sent_to_the_login(client: Client) -> None:
    client.force_login(agent("telefon"))
    response = client.get(f"{STAFF}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/?next=/en/staff/appointments/")


def test_staff_without_the_agent_role_get_403(client: Client) -> None:
    slot = factories.slot(online=1, staff=1)
    sign_in(client, User.objects.create_user("kasse", is_staff=True))
    for url in (f"{STAFF}/", f"{STAFF}/calendars/{slot.calendar.slug}/",
                f"{STAFF}/slots/{slot.pk}/book/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Access denied" in text(response)
    response = client.post(f"{STAFF}/slots/{slot.pk}/book/", {"name": "Eva", "phone": "0511 1"})
    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_pages_are_not_cached(desk: Client) -> None:
    assert "no-store" in desk.get(f"{STAFF}/")["Cache-Control"]


# --- day view and booking --------------------------------------------------------------------


def test_day_view_shows_free_places_per_channel(desk: Client) -> None:
    slot = factories.slot(online=5, staff=2, hour=9, name_en="Vaccination centre Olympiahalle")
    full = factories.slot(calendar_=slot.calendar, online=5, staff=1, hour=10)
    booked = booked_by_phone(full)
    response = desk.get(f"{STAFF}/calendars/{slot.calendar.slug}/?date={day_of(slot)}")
    page = text(response)
    assert "Vaccination centre Olympiahalle" in page
    assert "09:00–09:30 2 of 2 5 of 5" in page
    assert booked.reference in page
    assert "Erika Mustermann" in page
    html = response.content.decode()
    assert f"/slots/{slot.pk}/book/" in html
    assert f"/slots/{full.pk}/book/" not in html, "no phone places left at 10:00"


def test_day_view_takes_a_fixed_number_of_queries(desk: Client,
                                                  django_assert_num_queries: Any) -> None:
    slot = factories.slot(online=5, staff=5, hour=8)
    for hour in range(9, 16):
        other = factories.slot(calendar_=slot.calendar, online=5, staff=5, hour=hour)
        booked_by_phone(other, name=f"Anrufer {hour}", phone=f"0511 {hour}")
    url = f"{STAFF}/calendars/{slot.calendar.slug}/?date={day_of(slot)}"
    desk.get(url)
    # The user (the session is cached), the authenticator app that verified the session, the
    # user's and the groups' permissions, the calendar, the next day with free places, the
    # slots, the bookings: not one more per slot.
    with django_assert_num_queries(8):
        response = desk.get(url)
    assert text(response).count("Anrufer") == 7


@pytest.mark.parametrize("day", ["31.02.2026", "9999-12-31", "morgen"])
def test_a_bad_day_shows_an_error_not_a_crash(desk: Client, day: str) -> None:
    calendar = factories.calendar()
    response = desk.get(f"{STAFF}/calendars/{calendar.slug}/", {"date": day})
    assert response.status_code == 200
    assert 'href="#id_date"' in response.content.decode()
    assert timezone.localdate().strftime("%Y") in text(response), "today is shown instead"
    assert desk.get(f"{STAFF}/calendars/gibt-es-nicht/").status_code == 404


def test_book_for_a_caller(desk: Client) -> None:
    slot = factories.slot(online=5, staff=2)
    response = desk.post(f"{STAFF}/slots/{slot.pk}/book/", {
        "name": "Erika Mustermann", "phone": "0511 123456", "email": ""}, follow=True)
    booking = Booking.objects.get()
    assert booking.channel == Channel.STAFF
    assert booking.agent == User.objects.get(username="telefon")
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.name, booking.phone, booking.email) == ("Erika Mustermann", "0511 123456", "")
    page = text(response)
    assert booking.reference in page
    assert "Erika Mustermann" in page
    slot.refresh_from_db()
    assert (slot.booked_staff, slot.booked_online) == (1, 0)


def test_booking_form_errors_are_summarised(desk: Client) -> None:
    slot = factories.slot(online=5, staff=2)
    response = desk.post(f"{STAFF}/slots/{slot.pk}/book/", {
        "name": "", "phone": "ruf an", "email": "erika@"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    for field in ("id_name", "id_phone", "id_email"):
        assert f'href="#{field}"' in html
    assert "Enter the caller" in html or "Namen" in html
    assert not Booking.objects.exists()


def test_when_the_phone_places_are_gone_the_agent_is_told(desk: Client) -> None:
    slot = factories.slot(online=5, staff=1)
    page = desk.get(f"{STAFF}/slots/{slot.pk}/book/")
    booked_by_phone(slot)  # another agent was quicker
    assert 'name="name"' in page.content.decode()
    response = desk.post(f"{STAFF}/slots/{slot.pk}/book/", {"name": "Max", "phone": "0511 2"})
    assert response.status_code == 200
    assert 'href="#slot-summary"' in response.content.decode()
    assert Booking.objects.count() == 1
    assert 'name="name"' not in response.content.decode(), "no form for a full time"


def test_a_caller_with_an_appointment_is_not_booked_twice(desk: Client) -> None:
    slot = factories.slot(online=0, staff=3)
    booked_by_phone(slot, phone="0511 123456")
    response = desk.post(f"{STAFF}/slots/{slot.pk}/book/", {
        "name": "Erika M.", "phone": "+49 511 123456"})
    assert 'id="error-summary"' in response.content.decode()
    assert Booking.objects.count() == 1


def test_an_unknown_slot_is_404(desk: Client) -> None:
    assert desk.get(f"{STAFF}/slots/999999/book/").status_code == 404
    assert desk.get(f"{STAFF}/slots/{10**20}/book/").status_code == 404


# --- find, move, cancel, attendance ----------------------------------------------------------


@pytest.mark.parametrize("query", ["mustermann", "0511/123456", "+49 511 123456", "reference"])
def test_find_a_booking(desk: Client, query: str) -> None:
    slot = factories.slot(online=0, staff=2)
    booking = booked_by_phone(slot)
    other = booked_by_phone(slot, name="Max Beispiel", phone="05121 999")
    if query == "reference":
        query = booking.reference.replace("-", "").lower()
    page = text(desk.get(f"{STAFF}/find/", {"q": query}))
    assert booking.reference in page
    assert other.reference not in page


def test_find_needs_something_to_look_for(desk: Client) -> None:
    response = desk.get(f"{STAFF}/find/", {"q": "x"})
    assert 'href="#q"' in response.content.decode()


def test_move_a_booking(desk: Client) -> None:
    old_slot = factories.slot(online=0, staff=1, hour=9)
    new_slot = factories.slot(calendar_=old_slot.calendar, online=0, staff=1, hour=11)
    old = booked_by_phone(old_slot)
    page = desk.get(f"{STAFF}/bookings/{old.reference}/move/")
    assert f'value="{new_slot.pk}"' in page.content.decode()
    assert f'value="{old_slot.pk}"' not in page.content.decode()
    response = desk.post(f"{STAFF}/bookings/{old.reference}/move/",
                         {"slot": new_slot.pk, "date": day_of(new_slot)}, follow=True)
    # The same booking, with its reference and the caller's links, now at the new time.
    moved = Booking.objects.get()
    assert (moved.pk, moved.reference) == (old.pk, old.reference)
    assert moved.status == BookingStatus.CONFIRMED
    assert moved.slot == new_slot
    assert moved.agent == User.objects.get(username="telefon")
    assert moved.name == "Erika Mustermann"
    when = f"{timezone.localtime(new_slot.starts_at):%d.%m.%Y %H:%M}"
    assert (f"Moved to {when}. The reference stays {old.reference}, and the links in the "
            "caller&#x27;s e-mails stay valid.") in text(response)
    old_slot.refresh_from_db()
    new_slot.refresh_from_db()
    assert (old_slot.booked_staff, new_slot.booked_staff) == (0, 1)
    before = f"{timezone.localtime(old_slot.starts_at):%d.%m.%Y %H:%M}"
    assert audited() == [("appointments.moved", "telefon", old.reference,
                          f"{before} -> {when}")]


@pytest.mark.parametrize("slot_value", ["", "elf", "999999", str(10**20)])
def test_a_bad_move_is_explained(desk: Client, slot_value: str) -> None:
    slot = factories.slot(online=0, staff=1)
    booking = booked_by_phone(slot)
    response = desk.post(f"{STAFF}/bookings/{booking.reference}/move/",
                         {"slot": slot_value, "date": "kein Datum"})
    assert response.status_code == 200
    assert 'href="#slots"' in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_cancel_a_booking(desk: Client) -> None:
    slot = factories.slot(online=0, staff=1)
    booking = booked_by_phone(slot)
    confirm = desk.get(f"{STAFF}/bookings/{booking.reference}/cancel/")
    assert "Erika Mustermann" in text(confirm)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED, "asking changes nothing"
    response = desk.post(f"{STAFF}/bookings/{booking.reference}/cancel/", follow=True)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    slot.refresh_from_db()
    assert slot.booked_staff == 0
    assert booking.get_status_display() in text(response)
    desk.post(f"{STAFF}/bookings/{booking.reference}/cancel/")  # twice: nothing more to log
    assert audited() == [("appointments.cancelled", "telefon", booking.reference, "staff page")]


def test_record_attendance_of_a_past_appointment(desk: Client) -> None:
    slot = factories.slot(online=0, staff=2)
    came, missed = booked_by_phone(slot), booked_by_phone(slot, name="Max", phone="0511 2")
    page = desk.get(f"{STAFF}/bookings/{came.reference}/")
    assert "outcome" not in page.content.decode(), "not before the appointment"
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1),
                                           ends_at=timezone.now() - dt.timedelta(minutes=30))
    assert 'name="outcome"' in desk.get(f"{STAFF}/bookings/{came.reference}/").content.decode()
    desk.post(f"{STAFF}/bookings/{came.reference}/attendance/", {"outcome": "attended"})
    desk.post(f"{STAFF}/bookings/{missed.reference}/attendance/", {"outcome": "no_show"})
    came.refresh_from_db()
    missed.refresh_from_db()
    assert (came.status, missed.status) == (BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
    assert audited() == [("appointments.attendance", "telefon", came.reference, "attended"),
                         ("appointments.attendance", "telefon", missed.reference, "no_show")]


def test_attendance_of_a_future_appointment_is_refused(desk: Client) -> None:
    booking = booked_by_phone(factories.slot(online=0, staff=1))
    response = desk.post(f"{STAFF}/bookings/{booking.reference}/attendance/",
                         {"outcome": "attended"}, follow=True)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert 'role="alert"' in response.content.decode()
    assert desk.get(f"{STAFF}/bookings/{booking.reference}/attendance/").status_code == 405


def test_unknown_references_are_404(desk: Client) -> None:
    for url in ("bookings/ZZZZ-ZZZZ/", "bookings/nonsense/move/", "registrations/ZZZZ-ZZZZ/"):
        assert desk.get(f"{STAFF}/{url}").status_code == 404


# --- draw calendars --------------------------------------------------------------------------


def test_register_a_caller_for_a_draw(desk: Client) -> None:
    calendar = factories.calendar(mode=Mode.DRAW)
    senior = PriorityGroup.objects.create(calendar=calendar, code="ue80",
                                          label_de="80 Jahre und älter", label_en="aged 80+",
                                          rank=1, weight=3)
    form = desk.get(f"{STAFF}/calendars/{calendar.slug}/register/")
    assert "aged 80+" in text(form)
    response = desk.post(f"{STAFF}/calendars/{calendar.slug}/register/", {
        "name": "Erika Mustermann", "phone": "0511 123456", "group": str(senior.pk)},
        follow=True)
    registration = Registration.objects.get()
    assert registration.channel == Channel.STAFF
    assert registration.agent == User.objects.get(username="telefon")
    assert registration.priority_group == senior
    assert registration.reference in text(response)


def test_a_draw_registration_needs_the_priority_group_question_answered(desk: Client) -> None:
    calendar = factories.calendar(mode=Mode.DRAW)
    PriorityGroup.objects.create(calendar=calendar, code="ue80", label_de="80+")
    response = desk.post(f"{STAFF}/calendars/{calendar.slug}/register/", {
        "name": "Erika Mustermann", "phone": "0511 123456"})
    assert 'href="#id_group_0"' in response.content.decode()
    assert 'id="id_group_0"' in response.content.decode()
    response = desk.post(f"{STAFF}/calendars/{calendar.slug}/register/", {
        "name": "Erika Mustermann", "phone": "0511 123456", "group": "none"})
    assert Registration.objects.get().priority_group is None
    again = desk.post(f"{STAFF}/calendars/{calendar.slug}/register/", {
        "name": "Erika Mustermann", "phone": "0511 123456", "group": "none"})
    assert 'id="error-summary"' in again.content.decode()
    assert Registration.objects.count() == 1


def test_first_come_calendars_have_no_draw_registration(desk: Client) -> None:
    calendar = factories.calendar()
    assert desk.get(f"{STAFF}/calendars/{calendar.slug}/register/").status_code == 404
