"""The waiting room: numbered tickets, admission in their order at the rate, signed cookies."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from rathaus.appointments import stats, waiting_room
from rathaus.appointments.models import Calendar, Channel, DailyCount, Metric, Mode, Release
from rathaus.appointments.waiting_room import Room, Ticket
from rathaus.core.shared_cache import redis_client

from . import factories

pytestmark = pytest.mark.django_db

NEXT = "/de/appointments/impfzentrum/"


@pytest.fixture(autouse=True)
def _fresh_counter() -> Iterator[None]:
    stats.counter.reset()
    # URLs are reversed in German, whatever language an earlier test's request left active.
    with translation.override("de"):
        yield
    stats.counter.reset()


class Clock:
    """The time as the waiting room sees it, moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = timezone.now().replace(microsecond=0)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, when: dt.datetime) -> None:
        self.now = when
        # A new moment for the room: what a process cached a few seconds ago is re-read.
        for slug in Calendar.objects.values_list("slug", flat=True):
            waiting_room.forget_room(slug)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def rush_calendar(opens_at: dt.datetime, per_minute: int = 60, **fields: Any) -> Calendar:
    return factories.calendar(waiting_room=True, rush_opens_at=opens_at,
                              admissions_per_minute=per_minute, **fields)


def wait_url(calendar: Calendar, language: str = "de", **query: str) -> str:
    with translation.override(language):
        path = reverse("waiting_room:wait", kwargs={"slug": calendar.slug})
    params = "&".join(f"{k}={v}" for k, v in {"next": NEXT, **query}.items())
    return f"{path}?{params}"


def position(response: Any) -> int:
    found = re.search(r"(?:number|Nummer) (\d+)", response.content.decode())
    assert found, response.content.decode()
    return int(found.group(1))


def admitted(response: Any, calendar: Calendar) -> bool:
    """Tell whether the visitor was sent on (with an admission now or from before)."""
    return bool(response.status_code == 302 and response["Location"] == NEXT)


# -- order and rate --------------------------------------------------------------------------


def test_visitors_are_admitted_in_the_order_of_their_numbers_at_the_rate(clock: Clock) -> None:
    opens_at = clock.now + dt.timedelta(minutes=1)
    calendar = rush_calendar(opens_at, per_minute=60)  # one a second
    visitors = [Client() for _ in range(3)]

    first_pages = [visitor.get(wait_url(calendar)) for visitor in visitors]

    assert [position(page) for page in first_pages] == [1, 2, 3]
    for moment, expected in [(0.5, [False, False, False]), (1.5, [True, False, False]),
                             (2.5, [True, True, False]), (3.5, [True, True, True])]:
        clock.set(opens_at + dt.timedelta(seconds=moment))
        answers = [visitor.get(wait_url(calendar)) for visitor in visitors]
        assert [admitted(a, calendar) for a in answers] == expected, moment
        waiting = [position(a) for a, through in zip(answers, expected, strict=True)
                   if not through]
        assert waiting == list(range(1, len(waiting) + 1))


def test_the_place_shown_counts_down_as_earlier_numbers_are_let_in(clock: Clock) -> None:
    opens_at = clock.now + dt.timedelta(seconds=30)
    calendar = rush_calendar(opens_at, per_minute=60)
    visitor = Client()
    for _ in range(9):
        Client().get(wait_url(calendar))

    assert position(visitor.get(wait_url(calendar))) == 10
    clock.set(opens_at + dt.timedelta(seconds=4.2))
    page = visitor.get(wait_url(calendar, language="en"))

    assert position(page) == 6
    assert "It will be your turn in about 1 minute." in page.content.decode()


def test_after_a_quiet_spell_a_burst_is_let_in_at_the_rate_not_at_once(clock: Clock) -> None:
    opens_at = clock.now - dt.timedelta(minutes=10)
    calendar = rush_calendar(opens_at, per_minute=60)
    room = waiting_room.current_room(calendar.slug)
    assert room is not None

    numbers = [waiting_room.next_number(room, clock.now) for _ in range(5)]

    # 600 numbers were due during the quiet ten minutes; nobody took them. The first visitor
    # now goes in at once, the others one a second as configured.
    assert numbers == [600, 601, 602, 603, 604]
    assert [room.admission_at(n) - clock.now for n in numbers] == [
        dt.timedelta(seconds=s) for s in (0, 1, 2, 3, 4)]


def test_admitted_visitors_go_on_to_the_page_they_wanted_and_arrivals_are_counted(
        clock: Clock) -> None:
    calendar = rush_calendar(clock.now - dt.timedelta(seconds=30), per_minute=600)
    visitor = Client()

    answer = visitor.get(wait_url(calendar))  # nobody in the queue: due at once
    stats.counter.flush()

    assert admitted(answer, calendar)
    assert not visitor.cookies[f"wr_ticket_{calendar.slug}"].value  # the ticket is used up
    cookie = answer.cookies[f"wr_admission_{calendar.slug}"]
    assert cookie["max-age"] == 15 * 60
    assert cookie["httponly"]
    assert (cookie["samesite"], cookie["path"]) == ("Lax", "/")
    assert DailyCount.objects.get(calendar=calendar, metric=Metric.WAITING_ROOM,
                                  channel=Channel.ONLINE).value == 1


def test_no_room_no_waiting(clock: Clock) -> None:
    ordinary = factories.calendar()
    later = rush_calendar(clock.now + dt.timedelta(hours=2))
    over = rush_calendar(clock.now - dt.timedelta(hours=2))

    for calendar in (ordinary, later, over):
        answer = Client().get(wait_url(calendar))
        assert answer.status_code == 302
        assert answer["Location"] == NEXT
        assert not answer.cookies


def test_the_room_stays_on_while_numbers_are_waiting(clock: Clock) -> None:
    opens_at = clock.now - dt.timedelta(minutes=59, seconds=50)
    calendar = rush_calendar(opens_at, per_minute=60, waiting_room_minutes=60)
    last = Client()
    for _ in range(30):
        Client().get(wait_url(calendar))
    number = position(last.get(wait_url(calendar)))

    clock.set(opens_at + dt.timedelta(minutes=60, seconds=5))  # past the hour, queue left

    assert waiting_room.current_room(calendar.slug) is not None
    assert not admitted(last.get(wait_url(calendar)), calendar)
    assert number == 30


def test_a_draw_calendar_opens_with_its_release(clock: Clock) -> None:
    calendar = factories.calendar(mode=Mode.DRAW, waiting_room=True)
    opens_at = clock.now + dt.timedelta(minutes=5)
    Release.objects.create(calendar=calendar, opens_at=opens_at,
                           closes_at=opens_at + dt.timedelta(days=7),
                           slots_from=timezone.localdate(), slots_until=timezone.localdate())

    room = waiting_room.current_room(calendar.slug)

    assert room is not None
    assert room.opens_at == opens_at


def test_the_draw_registration_form_is_behind_the_room(clock: Clock) -> None:
    calendar = factories.calendar(mode=Mode.DRAW, waiting_room=True)
    Release.objects.create(calendar=calendar, opens_at=clock.now,
                           closes_at=clock.now + dt.timedelta(days=7),
                           slots_from=timezone.localdate(), slots_until=timezone.localdate())
    register = f"/de/appointments/{calendar.slug}/register/"

    form = Client().get(register)
    posted = Client().post(register, {"name": "Bot", "email": "bot@example.org"})

    assert form.status_code == 302
    assert form["Location"].startswith(wait_url(calendar).split("?")[0])
    assert posted.status_code == 303  # straight to the room, nothing registered
    assert not calendar.registrations.exists()


# -- cookies ---------------------------------------------------------------------------------


def guarded_view() -> Callable[..., Any]:
    @waiting_room.admission_required
    def expensive(request: HttpRequest, slug: str) -> HttpResponse:
        return HttpResponse(f"slots of {slug}")

    return expensive


def with_session(request: HttpRequest, browser: Client | None) -> HttpRequest:
    """Give the request the browser's session cookie and session, as the middleware would."""
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value if browser else None
    if key:
        request.COOKIES[settings.SESSION_COOKIE_NAME] = key
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(key)
    return request


def call(view: Callable[..., Any], calendar: Calendar, cookies: dict[str, str] | None = None,
         method: str = "get", browser: Client | None = None) -> Any:
    request = getattr(RequestFactory(), method)(f"/de/appointments/{calendar.slug}/")
    request.COOKIES.update(cookies or {})
    with_session(request, browser)
    with translation.override("de"):  # as LocaleMiddleware does for this path
        return view(request, slug=calendar.slug)


def admission_for(calendar: Calendar, clock: Clock, browser: Client | None = None) -> str:
    answer = (browser or Client()).get(wait_url(calendar))
    assert admitted(answer, calendar)
    return str(answer.cookies[f"wr_admission_{calendar.slug}"].value)


def test_the_expensive_page_redirects_without_any_query_until_admitted(
        clock: Clock, django_assert_num_queries: Any) -> None:
    calendar = rush_calendar(clock.now - dt.timedelta(seconds=1), per_minute=60)
    view = guarded_view()
    waiting_room.current_room(calendar.slug)  # a process has read the room's state before
    browser = Client()
    token = admission_for(calendar, clock, browser)
    call(view, calendar, browser=browser)  # the session in the cache, as with Redis

    with django_assert_num_queries(0):
        waiting = call(view, calendar)
        posted = call(view, calendar, method="post")
        through = call(view, calendar, {f"wr_admission_{calendar.slug}": token},
                       browser=browser)

    assert waiting.status_code == 302
    assert waiting["Location"] == (f"/de/appointments/{calendar.slug}/waiting-room/"
                                   f"?next=%2Fde%2Fappointments%2F{calendar.slug}%2F")
    assert posted.status_code == 303
    assert through.status_code == 200
    assert through.content == f"slots of {calendar.slug}".encode()


def test_the_admission_is_checked_before_the_room_is_looked_up(
        clock: Clock, django_assert_num_queries: Any) -> None:
    calendar = rush_calendar(clock.now - dt.timedelta(seconds=1), per_minute=600)
    browser = Client()
    token = admission_for(calendar, clock, browser)
    call(guarded_view(), calendar, browser=browser)  # the session in the cache
    waiting_room.forget_room(calendar.slug)  # nothing cached: a lookup would query

    with django_assert_num_queries(0):
        through = call(guarded_view(), calendar, {f"wr_admission_{calendar.slug}": token},
                       browser=browser)

    assert through.status_code == 200


def test_forged_altered_foreign_and_expired_admissions_are_refused(
        clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    calendar = rush_calendar(clock.now - dt.timedelta(seconds=1), per_minute=600)
    other = rush_calendar(clock.now - dt.timedelta(seconds=1), per_minute=600)
    view = guarded_view()
    browser = Client()
    genuine = admission_for(calendar, clock, browser)
    value, stamp, signature = genuine.rsplit(":", 2)
    visitor = value.rsplit(":", 1)[1]
    name = f"wr_admission_{calendar.slug}"
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: clock.now.timestamp() - 15 * 60 - 1)
        expired = waiting_room.admission_value(calendar.slug, 1, visitor)
    waiting_room.current_room(calendar.slug)

    refused = {
        "forged": f"{calendar.slug}:1:{visitor}:{stamp}:{'A' * len(signature)}",
        "altered": f"{value}9:{stamp}:{signature}",
        "unsigned": f"{calendar.slug}:1:{visitor}",
        "expired": expired,
        "for another calendar": admission_for(other, clock, browser),
    }
    for kind, cookie in refused.items():
        assert call(view, calendar, {name: cookie}, browser=browser).status_code == 302, kind
    assert call(view, calendar, {name: genuine}, browser=browser).status_code == 200
    assert call(view, calendar, {name: genuine}).status_code == 302, "without its session"


def test_an_admission_copied_into_another_browser_does_not_admit(clock: Clock) -> None:
    calendar = rush_calendar(clock.now + dt.timedelta(seconds=30), per_minute=6,
                             waiting_room_minutes=30)  # one visitor every 10 seconds
    page = f"/de/appointments/{calendar.slug}/"
    original = Client()
    assert original.get(page)["Location"].startswith(wait_url(calendar).split("?")[0])
    original.get(wait_url(calendar))
    assert calendar.rush_opens_at is not None
    clock.set(calendar.rush_opens_at + dt.timedelta(seconds=10))
    assert admitted(original.get(wait_url(calendar)), calendar)
    name = f"wr_admission_{calendar.slug}"
    copied = Client()
    copied.cookies[name] = original.cookies[name].value
    also_session_less = Client()
    also_session_less.cookies[name] = original.cookies[name].value
    copied.get(wait_url(calendar, language="en"))  # a session of its own, at the back

    shown = original.get(page)
    refused = copied.get(page)
    refused_without_session = also_session_less.get(page)

    assert shown.status_code == 200
    assert calendar.name_de in shown.content.decode()
    for answer in (refused, refused_without_session):
        assert answer.status_code == 302
        assert answer["Location"].startswith(wait_url(calendar).split("?")[0])
    in_queue = copied.get(wait_url(calendar))
    assert in_queue.status_code == 200
    assert position(in_queue) == 1, "the copy queues behind the original"


def test_a_ticket_copied_into_another_browser_is_worth_nothing(clock: Clock) -> None:
    calendar = rush_calendar(clock.now + dt.timedelta(minutes=1))
    original = Client()
    original.get(wait_url(calendar))
    Client().get(wait_url(calendar))
    name = f"wr_ticket_{calendar.slug}"
    copied = Client()
    copied.cookies[name] = original.cookies[name].value

    assert position(copied.get(wait_url(calendar))) == 3, "a new number at the back"
    assert position(original.get(wait_url(calendar))) == 1


def test_a_changed_ticket_number_only_gets_a_new_number_at_the_back(clock: Clock) -> None:
    calendar = rush_calendar(clock.now + dt.timedelta(minutes=1))
    for _ in range(4):
        Client().get(wait_url(calendar))
    cheat = Client()
    cheat.get(wait_url(calendar))
    ticket_cookie = f"wr_ticket_{calendar.slug}"
    genuine = cheat.cookies[ticket_cookie].value
    opens_at = calendar.rush_opens_at
    assert opens_at is not None
    ticket = waiting_room.read_ticket(with_session(_request({ticket_cookie: genuine}), cheat),
                                      calendar.slug)
    assert ticket is not None
    assert ticket == Ticket(slug=calendar.slug, opening_key=f"{opens_at.timestamp():.0f}",
                            number=5, visitor=ticket.visitor)
    assert ticket.visitor
    value, stamp, signature = genuine.rsplit(":", 2)
    slug, opening, _number, visitor = value.split(":")
    cheat.cookies[ticket_cookie] = f"{slug}:{opening}:1:{visitor}:{stamp}:{signature}"

    assert position(cheat.get(wait_url(calendar))) == 6


def _request(cookies: dict[str, str]) -> HttpRequest:
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies)
    return request


def test_only_paths_of_this_site_are_followed(clock: Clock) -> None:
    calendar = rush_calendar(clock.now - dt.timedelta(minutes=1), per_minute=6000)

    answer = Client().get(reverse("waiting_room:wait", kwargs={"slug": calendar.slug}),
                          {"next": "https://evil.example/"})

    assert answer["Location"] == reverse("appointments:calendar", kwargs={"slug": calendar.slug})


# -- the waiting page ------------------------------------------------------------------------


def test_the_waiting_page_refreshes_itself_without_javascript_and_says_so(
        clock: Clock, django_assert_max_num_queries: Any) -> None:
    calendar = rush_calendar(clock.now + dt.timedelta(minutes=2), per_minute=60,
                             name_de="Impfzentrum Olympiahalle",
                             name_en="Vaccination centre Olympiahalle")
    for _ in range(2):
        Client().get(wait_url(calendar))
    visitor = Client()
    visitor.get(wait_url(calendar))

    with django_assert_max_num_queries(0):
        german = visitor.get(wait_url(calendar)).content.decode()
    english = visitor.get(wait_url(calendar, language="en")).content.decode()
    still = visitor.get(wait_url(calendar, language="en", refresh="off")).content.decode()

    assert "Sie sind Nummer 3 in der Warteschlange." in german
    assert "Impfzentrum Olympiahalle" in german
    assert "Diese Seite lädt sich alle 30 Sekunden neu" in german
    assert "You are number 3 in the queue." in english
    assert "It will be your turn in about 3 minutes." in english
    assert "Vaccination centre Olympiahalle" in english
    assert '<meta http-equiv="refresh" content="30">' in english
    assert "This page reloads itself every 30 seconds" in english
    check = f'href="/en/appointments/{calendar.slug}/waiting-room/?next=%2Fde%2Fappointments'
    assert check in english  # a link to check by hand, without waiting for the reload
    assert "Stop reloading automatically" in english
    assert "http-equiv" not in still
    assert "This page does not reload itself now." in still
    assert "refresh=off" in still.split("Check now")[0]  # checking by hand keeps it off


def test_the_page_reloads_sooner_when_the_turn_is_near(clock: Clock) -> None:
    calendar = rush_calendar(clock.now - dt.timedelta(seconds=1), per_minute=10)
    for _ in range(2):
        Client().get(wait_url(calendar))
    page = Client().get(wait_url(calendar, language="en")).content.decode()

    # Number 3 at 10 a minute is due 18 s after the opening, 17 s from now.
    assert '<meta http-equiv="refresh" content="17">' in page


# -- unique numbers under concurrency --------------------------------------------------------


def take_numbers(room: Room, *, clients: int = 32, each: int = 10) -> list[int]:
    start = threading.Barrier(clients)

    def client(_: int) -> list[int]:
        try:
            start.wait()
            return [waiting_room.next_number(room) for _ in range(each)]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        numbers = [n for taken in pool.map(client, range(clients)) for n in taken]
    close_old_connections()
    return numbers


def opening_room(calendar: Calendar) -> Room:
    assert calendar.rush_opens_at is not None
    return Room(slug=calendar.slug, calendar_id=calendar.pk, name_de="", name_en="",
                opens_at=calendar.rush_opens_at, per_minute=600,
                until=calendar.rush_opens_at + dt.timedelta(hours=1))


@pytest.mark.django_db(transaction=True)
def test_concurrent_visitors_get_unique_numbers_from_the_database() -> None:
    calendar = rush_calendar(timezone.now() + dt.timedelta(minutes=10))

    numbers = take_numbers(opening_room(calendar))

    assert sorted(numbers) == list(range(1, 321))


@pytest.mark.django_db(transaction=True)
def test_postgresql_concurrent_visitors_get_unique_numbers(postgres: None) -> None:
    assert connection.vendor == "postgresql"
    calendar = rush_calendar(timezone.now() + dt.timedelta(minutes=10))

    numbers = take_numbers(opening_room(calendar), clients=64)

    assert sorted(numbers) == list(range(1, 641))


@pytest.fixture
def redis_cache() -> Iterator[None]:
    url = os.environ.get("RATHAUS_TEST_REDIS_URL")
    if not url:
        message = "NEEDS REDIS: set RATHAUS_TEST_REDIS_URL (CI does) to test Redis numbering"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": url}}
    with override_settings(CACHES=caches):
        from django.core.cache import cache

        cache.clear()
        yield
        cache.clear()


def test_concurrent_visitors_get_unique_numbers_from_redis(redis_cache: None) -> None:
    calendar = rush_calendar(timezone.now() + dt.timedelta(minutes=10))
    room = opening_room(calendar)

    numbers = take_numbers(room, clients=64)

    assert sorted(numbers) == list(range(1, 641))
    client = redis_client()
    assert client is not None
    client.delete(waiting_room._counter_key(room))
