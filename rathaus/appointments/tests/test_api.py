"""The JSON API as an agent's tool or a kiosk sees it: status codes, JSON bodies, rows."""

from __future__ import annotations

import datetime as dt
import time
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rathaus.appointments import services, tokens
from rathaus.appointments.models import ApiToken, Booking, BookingStatus, Channel, Mode, Slot
from rathaus.appointments.roles import AGENT_GROUP
from rathaus.appointments.tokens import revoke_api_tokens
from rathaus.audit.models import AuditEvent
from rathaus.staff.tests.factories import sign_in_verified

from . import factories
from .agents import agent, bearer, token_for
from .pages import de

pytestmark = pytest.mark.django_db

API = "/api/v1/appointments"


@pytest.fixture
def key() -> str:
    return token_for(agent("telefon"))


def day_of(slot: Slot) -> str:
    return timezone.localtime(slot.starts_at).date().isoformat()


def book(client: Client, key: str, **body: Any) -> Any:
    return client.post(f"{API}/bookings", body, content_type="application/json",
                       headers=bearer(key))


# --- authentication --------------------------------------------------------------------------


def test_calendars_list_active_calendars_by_slug_and_name(client: Client, key: str) -> None:
    open_ = factories.calendar(name_de="Bürgerbüro-Schalter")
    factories.calendar(is_active=False)
    response = client.get(f"{API}/calendars", headers=bearer(key))
    assert response.status_code == 200
    assert response.json() == [{"slug": open_.slug, "name": "Bürgerbüro-Schalter"}]


@pytest.mark.parametrize("header", [None, "Bearer rth_not-a-token", "Token abc", "Bearer "])
def test_requests_without_a_valid_token_are_refused(client: Client, key: str,
                                                    header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.get(f"{API}/calendars", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_refused(client: Client, key: str) -> None:
    assert client.get(f"{API}/calendars", headers=bearer(key)).status_code == 200
    revoke_api_tokens(tokens=ApiToken.objects.all())
    response = client.get(f"{API}/calendars", headers=bearer(key))
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_other_processes_notice_a_revocation_within_seconds(
        client: Client, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert client.get(f"{API}/calendars", headers=bearer(key)).status_code == 200
    # Revoked by another process: this one still remembers the token for a few seconds.
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get(f"{API}/calendars", headers=bearer(key)).status_code == 200
    later = time.monotonic() + tokens.REMEMBER_SECONDS + 1
    monkeypatch.setattr("rathaus.appointments.tokens.time.monotonic", lambda: later)

    assert client.get(f"{API}/calendars", headers=bearer(key)).status_code == 401


def test_a_token_of_an_inactive_user_is_refused(client: Client, key: str) -> None:
    User.objects.filter(username="telefon").update(is_active=False)
    assert client.get(f"{API}/calendars", headers=bearer(key)).status_code == 401


def test_a_user_without_the_agent_permission_gets_403(client: Client) -> None:
    clerk = User.objects.create_user("sachbearbeiter", is_staff=True)
    slot = factories.slot(online=2, staff=2)
    response = book(client, token_for(clerk), slot_id=slot.pk, name="Eva", phone="0511 1")
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert not Booking.objects.exists()


def test_the_permission_may_also_be_given_to_the_user_directly(client: Client) -> None:
    clerk = User.objects.create_user("springer")
    clerk.user_permissions.add(Permission.objects.get(codename="book_for_callers"))
    slot = factories.slot(online=0, staff=1)
    response = book(client, token_for(clerk), slot_id=slot.pk, name="Eva", phone="0511 1")
    assert response.status_code == 201
    assert Booking.objects.get().agent == clerk


def test_a_superuser_token_may_book(client: Client) -> None:
    boss = User.objects.create_superuser("chefin", "c@example.org", "pw-0123456789")
    slot = factories.slot(online=0, staff=1)
    response = book(client, token_for(boss), slot_id=slot.pk, name="Eva", phone="0511 1")
    assert response.status_code == 201


def test_a_session_cookie_alone_does_not_authenticate() -> None:
    browser = Client(enforce_csrf_checks=True)
    sign_in_verified(browser, User.objects.create_superuser("admin", "a@example.org",
                                                            "pw-0123456789"))
    slot = factories.slot(online=2, staff=2)
    assert browser.get("/de/staff/appointments/").status_code == 200, "the session is valid"
    assert browser.get(f"{API}/calendars").status_code == 401
    response = browser.post(f"{API}/bookings", {"slot_id": slot.pk, "name": "Eva",
                                                 "phone": "0511 1"},
                            content_type="application/json")
    assert response.status_code == 401
    assert not Booking.objects.exists()


def test_token_requests_need_no_csrf_token(key: str) -> None:
    slot = factories.slot(online=0, staff=1)
    response = book(Client(enforce_csrf_checks=True), key, slot_id=slot.pk, name="Eva",
                    phone="0511 1")
    assert response.status_code == 201


def test_last_use_is_recorded_at_most_once_a_minute(
        client: Client, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    client.get(f"{API}/calendars", headers=bearer(key))
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{API}/calendars", headers=bearer(key))
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first_use
    two_minutes_later = timezone.now() + dt.timedelta(minutes=2)
    monkeypatch.setattr(tokens.timezone, "now", lambda: two_minutes_later)
    client.get(f"{API}/calendars", headers=bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == two_minutes_later


# --- slots -----------------------------------------------------------------------------------


def test_slots_of_a_day_with_places_left_for_the_tokens_channel(client: Client) -> None:
    user = agent("telefon")
    slot = factories.slot(online=5, staff=2, hour=9)
    later = factories.slot(calendar_=slot.calendar, online=5, staff=2, hour=11)
    factories.slot(calendar_=slot.calendar, online=5, staff=2, hour=9, days_ahead=4)
    Slot.objects.filter(pk=later.pk).update(booked_staff=2, booked_online=1)
    url = f"{API}/calendars/{slot.calendar.slug}/slots?date={day_of(slot)}"

    staff = client.get(url, headers=bearer(token_for(user))).json()
    local = timezone.localtime(slot.starts_at)
    assert staff[0] == {"id": slot.pk, "start": local.isoformat(),
                        "end": (local + dt.timedelta(minutes=30)).isoformat(), "remaining": 2}
    assert [(s["id"], s["remaining"]) for s in staff] == [(slot.pk, 2), (later.pk, 0)]

    online = client.get(url, headers=bearer(token_for(user, Channel.ONLINE))).json()
    assert [(s["id"], s["remaining"]) for s in online] == [(slot.pk, 5), (later.pk, 4)]


def test_slot_times_carry_the_berlin_offset_across_the_clock_change(client: Client,
                                                                    key: str) -> None:
    year = timezone.localdate().year + 1
    change = max(dt.date(year, 3, d) for d in range(25, 32) if dt.date(year, 3, d).weekday() == 6)
    calendar = factories.calendar(book_until_days=800)
    for day in (change - dt.timedelta(days=1), change + dt.timedelta(days=1)):
        starts = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        Slot.objects.create(calendar=calendar, starts_at=starts,
                            ends_at=starts + dt.timedelta(minutes=30), capacity_online=1,
                            capacity_staff=1)
    before, after = (
        client.get(f"{API}/calendars/{calendar.slug}/slots?date={day}", headers=bearer(key)).json()
        for day in (change - dt.timedelta(days=1), change + dt.timedelta(days=1)))
    assert before[0]["start"] == f"{change - dt.timedelta(days=1)}T10:00:00+01:00"
    assert after[0]["start"] == f"{change + dt.timedelta(days=1)}T10:00:00+02:00"


def test_past_slots_and_closed_windows_show_nothing_left(client: Client) -> None:
    user = agent("kiosk")
    draw = factories.slot(online=5, staff=2, mode=Mode.DRAW)
    url = f"{API}/calendars/{draw.calendar.slug}/slots?date={day_of(draw)}"
    assert client.get(url, headers=bearer(token_for(user))).json()[0]["remaining"] == 2
    online = client.get(url, headers=bearer(token_for(user, Channel.ONLINE))).json()
    assert online[0]["remaining"] == 0
    past = factories.slot(online=5, staff=2, days_ahead=-1)
    url = f"{API}/calendars/{past.calendar.slug}/slots?date={day_of(past)}"
    assert client.get(url, headers=bearer(token_for(user))).json()[0]["remaining"] == 0


@pytest.mark.parametrize("query", ["?date=2026-02-30", "?date=30.03.2026", "?date=tomorrow",
                                   "?date=9999-12-31", ""])
def test_a_bad_or_missing_date_is_explained(client: Client, key: str, query: str) -> None:
    calendar = factories.calendar()
    response = client.get(f"{API}/calendars/{calendar.slug}/slots{query}", headers=bearer(key))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid"
    assert list(body["fields"]) == ["date"]
    if query:
        assert body["fields"]["date"] == [de("Enter a date as YYYY-MM-DD, for example 2026-03-30.")]


def test_an_unknown_calendar_is_404(client: Client, key: str) -> None:
    response = client.get(f"{API}/calendars/gibt-es-nicht/slots?date=2030-01-07",
                          headers=bearer(key))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_the_slot_list_takes_one_query(client: Client, key: str,
                                           django_assert_num_queries: Any) -> None:
    slot = factories.slot(online=5, staff=2)
    for hour in range(11, 17):
        factories.slot(calendar_=slot.calendar, hour=hour)
    url = f"{API}/calendars/{slot.calendar.slug}/slots?date={day_of(slot)}"
    client.get(url, headers=bearer(key))  # records the token's first use, remembers the token
    # The slots joined with their calendar: one indexed range query.
    with django_assert_num_queries(1):
        response = client.get(url, headers=bearer(key))
    assert len(response.json()) == 7


def test_the_slot_list_is_served_from_the_shared_cache_for_a_few_seconds(
        client: Client, key: str, django_assert_num_queries: Any) -> None:
    slot = factories.slot(online=5, staff=2)
    url = f"{API}/calendars/{slot.calendar.slug}/slots?date={day_of(slot)}"
    with override_settings(RATHAUS_SLOT_LIST_CACHE_SECONDS=2):
        client.get(url, headers=bearer(key))  # remembers the token, caches the day's list
        book(Client(), key, slot_id=slot.pk, name="Erika Mustermann", phone="0511 123456")
        with django_assert_num_queries(0):
            cached = client.get(url, headers=bearer(key))
        cache.clear()  # what the two seconds do
        fresh = client.get(url, headers=bearer(key))
    # Staff token: 2 staff places, one booked in between; the copy still says 2 (a hint only).
    assert [item["remaining"] for item in cached.json()] == [2]
    assert [item["remaining"] for item in fresh.json()] == [1]
    unknown = client.get(f"{API}/calendars/nirgendwo/slots?date={day_of(slot)}",
                         headers=bearer(key))
    assert unknown.status_code == 404


# --- bookings --------------------------------------------------------------------------------


def test_booking_for_a_caller(client: Client, key: str) -> None:
    slot = factories.slot(online=5, staff=2)
    response = book(client, key, slot_id=slot.pk, name="Erika Mustermann",
                    email="erika@example.org", phone="0511 123456")
    assert response.status_code == 201
    body = response.json()
    booking = Booking.objects.get()
    assert body == {"id": booking.reference, "status": "confirmed", "slot_id": slot.pk}
    assert booking.channel == Channel.STAFF
    assert booking.agent == User.objects.get(username="telefon")
    assert (booking.name, booking.email, booking.phone) == (
        "Erika Mustermann", "erika@example.org", "0511 123456")
    slot.refresh_from_db()
    assert (slot.booked_staff, slot.booked_online) == (1, 0)


def test_an_online_token_books_from_the_online_places(client: Client) -> None:
    slot = factories.slot(online=1, staff=1)
    response = book(client, token_for(agent("kiosk"), Channel.ONLINE), slot_id=slot.pk,
                    name="Eva", phone="0511 1")
    assert response.status_code == 201
    assert Booking.objects.get().channel == Channel.ONLINE
    slot.refresh_from_db()
    assert (slot.booked_staff, slot.booked_online) == (0, 1)


def test_slot_full_when_the_staff_places_are_taken_though_online_places_remain(
        client: Client, key: str) -> None:
    slot = factories.slot(online=5, staff=1)
    assert book(client, key, slot_id=slot.pk, name="Eva", phone="0511 1").status_code == 201
    response = book(client, key, slot_id=slot.pk, name="Max", phone="0511 2")
    assert response.status_code == 409
    assert response.json() == {"error": "slot_full"}
    slot.refresh_from_db()
    assert (slot.booked_staff, slot.booked_online) == (1, 0)
    assert Booking.objects.count() == 1


def test_one_appointment_per_person_and_calendar(client: Client, key: str) -> None:
    slot = factories.slot(online=0, staff=3)
    book(client, key, slot_id=slot.pk, name="Eva", email="eva@example.org")
    response = book(client, key, slot_id=slot.pk, name="Eva", email="EVA@example.org")
    assert response.status_code == 409
    assert response.json() == {"error": "already_booked"}


@pytest.mark.parametrize("days_ahead", [-1, None])
def test_past_or_unknown_slots_are_not_bookable(client: Client, key: str,
                                                days_ahead: int | None) -> None:
    slot_id = factories.slot(staff=1, days_ahead=days_ahead).pk if days_ahead else 999_999
    response = book(client, key, slot_id=slot_id, name="Eva", phone="0511 1")
    assert response.status_code == 409
    assert response.json() == {"error": "not_bookable"}


@pytest.mark.parametrize(("body", "fields"), [
    ({"name": "Eva", "phone": "0511 1"}, ["slot_id"]),
    ({"slot_id": "eins", "name": "Eva", "phone": "0511 1"}, ["slot_id"]),
    ({"slot_id": 1, "name": "  ", "phone": "0511 1"}, ["name"]),
    ({"slot_id": 1, "name": "Eva", "email": "eva(at)example.org"}, ["email"]),
    ({"slot_id": 1, "name": "Eva", "phone": "ruf mich an"}, ["phone"]),
    ({"slot_id": 1, "name": "Eva"}, ["phone"]),
    ({"slot_id": 1, "name": "E" * 201, "phone": "0511 1"}, ["name"]),
    ({"slot_id": 10**20, "name": "Eva", "phone": "0511 1"}, ["slot_id"]),
    ({"slot_id": 0, "name": "Eva", "phone": "0511 1"}, ["slot_id"]),
])
def test_invalid_bodies_get_422_with_the_fields(client: Client, key: str,
                                                body: dict[str, Any], fields: list[str]) -> None:
    response = book(client, key, **body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid"
    assert list(response.json()["fields"]) == fields
    assert all(messages for messages in response.json()["fields"].values())
    assert not Booking.objects.exists()


def test_a_body_that_is_not_json_gets_400(client: Client, key: str) -> None:
    response = client.post(f"{API}/bookings", "{slot_id: 1", content_type="application/json",
                           headers=bearer(key))
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_booking_costs_no_query_more_than_the_service(client: Client, key: str) -> None:
    first, second = factories.slot(online=0, staff=2), factories.slot(online=0, staff=2)
    client.get(f"{API}/calendars", headers=bearer(key))  # records first use, remembers the token
    with CaptureQueriesContext(connection) as service:
        services.book_for_caller(slot_id=first.pk, person=services.Person(
            name="Eva", phone="0511 1"), agent=None, channel=Channel.STAFF)
    with CaptureQueriesContext(connection) as api:
        response = book(client, key, slot_id=second.pk, name="Max", phone="0511 2")
    assert response.status_code == 201
    assert len(api.captured_queries) == len(service.captured_queries)


def test_show_a_booking_by_its_reference(client: Client, key: str) -> None:
    slot = factories.slot(online=0, staff=1)
    reference = book(client, key, slot_id=slot.pk, name="Eva", phone="0511 1").json()["id"]
    typed = reference.replace("-", "").lower().replace("0", "o")
    response = client.get(f"{API}/bookings/{typed}", headers=bearer(key))
    assert response.status_code == 200
    local = timezone.localtime(slot.starts_at)
    assert response.json() == {
        "id": reference, "status": "confirmed", "slot_id": slot.pk,
        "calendar": slot.calendar.slug, "start": local.isoformat(),
        "end": (local + dt.timedelta(minutes=30)).isoformat(), "channel": "staff",
        "name": "Eva", "email": "", "phone": "0511 1"}
    assert client.get(f"{API}/bookings/ZZZZ-ZZZZ", headers=bearer(key)).status_code == 404


def test_cancel_a_booking(client: Client, key: str) -> None:
    slot = factories.slot(online=0, staff=1)
    reference = book(client, key, slot_id=slot.pk, name="Eva", phone="0511 1").json()["id"]
    response = client.delete(f"{API}/bookings/{reference}", headers=bearer(key))
    assert response.status_code == 204
    assert Booking.objects.get().status == BookingStatus.CANCELLED
    slot.refresh_from_db()
    assert slot.booked_staff == 0
    assert client.delete(f"{API}/bookings/{reference}", headers=bearer(key)).status_code == 204
    again = book(client, key, slot_id=slot.pk, name="Max", phone="0511 2")
    assert again.status_code == 201, "the place is free again"
    # Who cancelled, with which token, once (the second DELETE changed nothing).
    assert list(AuditEvent.objects.values_list("action", "actor_label", "object_id", "message")
                ) == [("appointments.cancelled", "telefon", reference, f"API token {key[:12]}")]


def test_cancel_an_unknown_or_past_booking(client: Client, key: str) -> None:
    missing = client.delete(f"{API}/bookings/ZZZZ-ZZZZ", headers=bearer(key))
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    slot = factories.slot(online=0, staff=1)
    reference = book(client, key, slot_id=slot.pk, name="Eva", phone="0511 1").json()["id"]
    Booking.objects.update(status=BookingStatus.ATTENDED)
    response = client.delete(f"{API}/bookings/{reference}", headers=bearer(key))
    assert response.status_code == 409
    assert response.json() == {"error": "not_cancellable"}


# --- schema, tokens --------------------------------------------------------------------------


def test_the_openapi_schema_describes_the_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert set(paths) >= {f"{API}/calendars", f"{API}/calendars/{{slug}}/slots",
                          f"{API}/bookings", f"{API}/bookings/{{id}}"}
    assert set(paths[f"{API}/bookings/{{id}}"]) == {"get", "delete"}
    assert "409" in paths[f"{API}/bookings"]["post"]["responses"]
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_no_docs_page_that_would_load_scripts_from_a_cdn(client: Client) -> None:
    assert client.get("/api/v1/docs").status_code == 404


def test_create_api_token_prints_a_working_token_last() -> None:
    out = StringIO()
    call_command("create_api_token", "--agent", "kiosk-rathaus", "--name", "Foyer",
                 stdout=out)
    key = out.getvalue().splitlines()[-1]
    user = User.objects.get(username="kiosk-rathaus")
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [AGENT_GROUP]
    token = ApiToken.objects.get()
    assert (token.name, token.channel, token.prefix) == ("Foyer", Channel.STAFF, key[:12])
    assert key not in (token.key_hash, token.prefix)
    slot = factories.slot(online=0, staff=1)
    response = book(Client(), key, slot_id=slot.pk, name="Eva", phone="0511 1")
    assert response.status_code == 201
    assert Booking.objects.get().agent == user


def test_create_api_token_for_an_existing_agent_and_the_online_channel() -> None:
    agent("kiosk")
    out = StringIO()
    call_command("create_api_token", "--agent", "kiosk", "--channel", "online", stdout=out)
    assert User.objects.filter(username="kiosk").count() == 1
    assert ApiToken.objects.get().channel == Channel.ONLINE
    slot = factories.slot(online=1, staff=1)
    key = out.getvalue().splitlines()[-1]
    assert book(Client(), key, slot_id=slot.pk, name="Eva", phone="1234").status_code == 201
    slot.refresh_from_db()
    assert slot.booked_online == 1


def test_revoke_a_token_by_its_prefix(client: Client) -> None:
    out = StringIO()
    call_command("create_api_token", "--agent", "kiosk", stdout=out)
    key = out.getvalue().splitlines()[-1]
    assert client.get(f"{API}/calendars", headers=bearer(key)).status_code == 200
    call_command("create_api_token", "--revoke", key[:12], stdout=StringIO())
    assert client.get(f"{API}/calendars", headers=bearer(key)).status_code == 401
    assert ApiToken.objects.get().revoked_at is not None
