"""The waiting room: when places open, visitors queue and are let in at a rate the server can serve.

When it is on
    A calendar with ``waiting_room`` switched on has an *opening*: for a draw calendar the
    ``opens_at`` of its latest release (when registration opens), for a first-come calendar its
    ``rush_opens_at`` (when the places everyone waits for become bookable). The room is on from
    ``LEAD`` before the opening until ``waiting_room_minutes`` after it, and longer while visitors
    who took a number are still waiting: it ends when the last of them is due, so a long queue is
    never let in all at once.

How a visitor gets in
    An expensive page decorated with ``@admission_required`` first checks the visitor's admission
    cookie, a signed value (HMAC) naming the calendar, at most ``ADMISSION_SECONDS`` old, and the
    visitor: a random id kept in the visitor's session. A cookie copied into another browser
    (another session) admits nobody; the check reads the session, which the page reads anyway
    for its header, and nothing else. Without an admission, while the room is on, it redirects
    to ``waiting_room`` (the room's state comes from the shared cache). The waiting room gives
    the visitor a number from one atomic increment (Redis ``INCR`` when the cache is Redis,
    else an ``UPDATE`` of a counter row in a short transaction), keeps it in a signed cookie
    bound to the same visitor id (a copied number is worth nothing either), and admits number n at
    ``opening + n / rate``. Until then it shows the visitor's place in the queue and refreshes
    itself (``<meta http-equiv="refresh">``, no JavaScript), saying so and offering a link to check
    by hand and one to stop the refreshing (WCAG 2.2.1). When the time has come it sets the
    admission cookie and sends the visitor on to the page they wanted.

    A number is never handed out below what the schedule has already reached: after a quiet
    spell the next visitor is due at once, but a burst that follows is let in at the rate again
    instead of all at once with the credit of the quiet time (a token bucket holding one).

Choosing the rate (``Calendar.admissions_per_minute``)
    rate = (the expensive requests per second the site serves with headroom, from ``bench/``)
           / (the expensive requests one admitted visitor makes in a minute)
    Expensive requests are those behind ``@admission_required`` and the writes that follow them
    (hold, details, confirmation, registration). Example: the bench measures the calendar page
    at about 150 requests per second on two cores with PostgreSQL; keep half of that for
    everything else and the waiting pages, and a visitor makes about 4 such requests in their
    first minute: 75 / 4 = about 19 visitors per second, 1,100 per minute. Admitting many more
    people per minute than there are places only moves the disappointment from the waiting room
    to the full slot list; for a draw calendar (where nothing is first-come) the rate only
    protects the server. docs/performance.md has the figures.

Limits: a client that drops its cookies takes a new number on each visit and so only queues
itself further back, but it still moves later numbers back; rate limiting by address belongs in
front of the application (the reverse proxy).
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final, TypeVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from rathaus.core.shared_cache import redis_client as _redis
from rathaus.core.tokens import make_token, read_token

from .models import Calendar, Channel, Metric, Mode, Release, WaitingRoomCounter, _pick

LEAD: Final = dt.timedelta(minutes=15)
ADMISSION_SECONDS: Final = 15 * 60
TICKET_SECONDS: Final = 24 * 60 * 60
# How long a process trusts what it read about a calendar's room (one to three queries).
STATE_SECONDS: Final = 5
# The waiting page reloads itself after this long at most (sooner when the visitor is due).
REFRESH_MAX_SECONDS: Final = 30
REFRESH_MIN_SECONDS: Final = 2

_TICKET = "appointments.waiting_room.ticket"
_ADMISSION = "appointments.waiting_room.admission"
# The session key of the visitor's random id, which tickets and admissions are bound to. It
# survives signing in (the session key changes, its content stays) and ends with the session.
VISITOR_KEY = "appointments.waiting_room.visitor"
_OFF = "off"

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


@dataclass(frozen=True)
class Room:
    """A calendar's waiting room around one opening."""

    slug: str
    calendar_id: int
    name_de: str
    name_en: str
    opens_at: dt.datetime
    per_minute: int
    until: dt.datetime

    @property
    def name(self) -> str:
        return _pick(self.name_de, self.name_en)

    @property
    def numbers_from(self) -> dt.datetime:
        return self.opens_at - LEAD

    def is_on(self, now: dt.datetime) -> bool:
        return self.numbers_from <= now < self.until

    def due(self, now: dt.datetime) -> int:
        """Return how many numbers the schedule has reached (all of them are let in)."""
        if now < self.opens_at:
            return 0
        return math.floor((now - self.opens_at).total_seconds() * self.per_minute / 60)

    def admission_at(self, number: int) -> dt.datetime:
        return self.opens_at + dt.timedelta(seconds=number * 60 / self.per_minute)

    @property
    def opening_key(self) -> str:
        return f"{self.opens_at.timestamp():.0f}"


@dataclass(frozen=True)
class Ticket:
    slug: str
    opening_key: str
    number: int
    visitor: str = ""


# -- where the room stands ---------------------------------------------------------------------


def _state_key(slug: str) -> str:
    return f"appointments:waiting-room:{slug}"


def current_room(slug: str, now: dt.datetime | None = None) -> Room | None:
    """Return the calendar's waiting room if it is on now; read from the cache when possible."""
    now = now or timezone.now()
    key = _state_key(slug)
    state = cache.get(key)
    if state is None:
        state = _load_room(slug, now) or _OFF
        cache.set(key, state, STATE_SECONDS)
    if isinstance(state, Room) and state.is_on(now):
        return state
    return None


def forget_room(slug: str) -> None:
    """Drop the cached state (after the calendar's opening changed, or in tests)."""
    cache.delete(_state_key(slug))


def _load_room(slug: str, now: dt.datetime) -> Room | None:
    calendar = (Calendar.objects.filter(slug=slug, is_active=True, waiting_room=True)
                .values("pk", "name_de", "name_en", "mode", "rush_opens_at",
                        "admissions_per_minute", "waiting_room_minutes").first())
    if calendar is None:
        return None
    # The room is looked up again within STATE_SECONDS, so an opening that starts numbering a
    # few seconds from now is taken already.
    horizon = now + LEAD + dt.timedelta(seconds=STATE_SECONDS)
    opens_at: dt.datetime | None
    if calendar["mode"] == Mode.DRAW:
        opens_at = (Release.objects.filter(calendar_id=calendar["pk"], opens_at__lte=horizon)
                    .order_by("-opens_at").values_list("opens_at", flat=True).first())
    else:
        opens_at = calendar["rush_opens_at"]
    if opens_at is None or opens_at > horizon:
        return None
    room = Room(slug=slug, calendar_id=calendar["pk"], name_de=calendar["name_de"],
                name_en=calendar["name_en"], opens_at=opens_at,
                per_minute=calendar["admissions_per_minute"], until=opens_at)
    last_due = room.admission_at(_issued(room))
    until = max(opens_at + dt.timedelta(minutes=calendar["waiting_room_minutes"]), last_due)
    if now >= until:
        return None
    return replace(room, until=until)


# -- numbers -------------------------------------------------------------------------------------

# INCR, but never below the number the schedule has reached now (ARGV[1]); atomic in Redis.
_NEXT_NUMBER_LUA = """
local n = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[1])
if n < floor then
  redis.call('SET', KEYS[1], floor)
  n = floor
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return n
"""
def _counter_key(room: Room) -> str:
    return f"rathaus:appointments:waiting-room:{room.calendar_id}:{room.opening_key}"


def next_number(room: Room, now: dt.datetime | None = None) -> int:
    """Give out the next number of the room's queue; never the same one twice."""
    now = now or timezone.now()
    floor = room.due(now)
    client = _redis()
    if client is not None:
        keep = int((room.until - now).total_seconds()) + TICKET_SECONDS
        return int(cast(Any, client.eval(_NEXT_NUMBER_LUA, 1, _counter_key(room), floor,
                                         max(keep, 60))))
    return _next_number_in_database(room, floor)


def _next_number_in_database(room: Room, floor: int) -> int:
    rows = WaitingRoomCounter.objects.filter(calendar_id=room.calendar_id, opens_at=room.opens_at)
    with transaction.atomic():
        # The UPDATE takes the row's lock until COMMIT (SQLite: the database's write lock from
        # BEGIN IMMEDIATE), so nobody else reads or bumps the counter in between.
        if not rows.update(issued=Greatest(F("issued") + 1, Value(floor))):
            try:
                with transaction.atomic():
                    WaitingRoomCounter.objects.create(calendar_id=room.calendar_id,
                                                      opens_at=room.opens_at,
                                                      issued=max(1, floor))
            except IntegrityError:  # created by a concurrent first visitor a moment ago
                rows.update(issued=Greatest(F("issued") + 1, Value(floor)))
        return rows.values_list("issued", flat=True).get()


def _issued(room: Room) -> int:
    client = _redis()
    if client is not None:
        value = cast(Any, client.get(_counter_key(room)))
        return int(value or 0)
    value = (WaitingRoomCounter.objects.filter(calendar_id=room.calendar_id,
                                               opens_at=room.opens_at)
             .values_list("issued", flat=True).first())
    return value or 0


# -- cookies ---------------------------------------------------------------------------------------


def _ticket_cookie(slug: str) -> str:
    return f"wr_ticket_{slug}"


def _admission_cookie(slug: str) -> str:
    return f"wr_admission_{slug}"


def visitor_id(request: HttpRequest, *, create: bool = False) -> str | None:
    """Return the visitor's random id from the session; make one when ``create`` is set.

    Without a session cookie nothing is read: a visitor who never had a session has no id.
    """
    session = getattr(request, "session", None)
    if session is None:
        return None
    if not create and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    visitor: str | None = session.get(VISITOR_KEY)
    if visitor is None and create:
        visitor = session[VISITOR_KEY] = secrets.token_urlsafe(16)
    return visitor


def _same(signed: str, visitor: str | None) -> bool:
    return visitor is not None and hmac.compare_digest(signed, visitor)


def ticket_value(ticket: Ticket) -> str:
    return make_token(purpose=_TICKET, value=(f"{ticket.slug}:{ticket.opening_key}:"
                                              f"{ticket.number}:{ticket.visitor}"))


def read_ticket(request: HttpRequest, slug: str) -> Ticket | None:
    """Return the visitor's ticket for the calendar, or None if missing, forged, old or copied."""
    raw = request.COOKIES.get(_ticket_cookie(slug))
    value = read_token(purpose=_TICKET, token=raw, max_age=TICKET_SECONDS) if raw else None
    if value is None:
        return None
    parts = value.split(":")
    if len(parts) != 4:
        return None
    signed_slug, opening_key, number, visitor = parts
    if signed_slug != slug or not number.isdigit() or not _same(visitor, visitor_id(request)):
        return None
    return Ticket(slug=slug, opening_key=opening_key, number=int(number), visitor=visitor)


def admission_value(slug: str, number: int, visitor: str) -> str:
    return make_token(purpose=_ADMISSION, value=f"{slug}:{number}:{visitor}")


def is_admitted(request: HttpRequest, slug: str) -> bool:
    """Check the admission cookie: signature, calendar, age, and this visitor's session."""
    raw = request.COOKIES.get(_admission_cookie(slug))
    if not raw:
        return False
    value = read_token(purpose=_ADMISSION, token=raw, max_age=ADMISSION_SECONDS)
    if value is None:
        return False
    parts = value.split(":")
    return len(parts) == 3 and parts[0] == slug and _same(parts[2], visitor_id(request))


def _set_cookie(request: HttpRequest, response: HttpResponse, name: str, value: str,
                max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=request.is_secure(),
                        httponly=True, samesite="Lax")


# -- the hook for expensive pages and the waiting page -------------------------------------------


def waiting_room_url(slug: str, next_url: str) -> str:
    path = reverse("waiting_room:wait", kwargs={"slug": slug})
    return f"{path}?{urlencode({'next': next_url})}"


def admission_required(view: V) -> V:
    """Send visitors without an admission to the waiting room while the calendar's room is on.

    For views with a ``slug`` keyword argument naming the calendar. The admission cookie is
    checked first (its signature, then the visitor id in the session); then the room's state
    comes from the cache.
    """

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        slug = kwargs["slug"]
        if is_admitted(request, slug) or current_room(slug) is None:
            return view(request, *args, **kwargs)
        response = HttpResponseRedirect(waiting_room_url(slug, request.get_full_path()))
        if request.method not in ("GET", "HEAD"):
            response.status_code = 303
        return response

    return cast(V, guarded)


def _next_url(request: HttpRequest, slug: str) -> str:
    target = request.GET.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("appointments:calendar", kwargs={"slug": slug})


@never_cache
def wait(request: HttpRequest, slug: str) -> HttpResponse:
    """Give the visitor a number, show their place until it is due, then let them in."""
    now = timezone.now()
    target = _next_url(request, slug)
    room = current_room(slug, now)
    if room is None or is_admitted(request, slug):
        return HttpResponseRedirect(target)
    ticket = read_ticket(request, slug)
    new_ticket = ticket is None or ticket.opening_key != room.opening_key
    if ticket is None or new_ticket:
        visitor = visitor_id(request, create=True)
        assert visitor is not None  # the session middleware runs for every page
        ticket = Ticket(slug=slug, opening_key=room.opening_key,
                        number=next_number(room, now), visitor=visitor)
        from .stats import counter

        counter.record(room.calendar_id, Metric.WAITING_ROOM, Channel.ONLINE)
    due_at = room.admission_at(ticket.number)
    if due_at <= now:
        response: HttpResponse = HttpResponseRedirect(target)
        _set_cookie(request, response, _admission_cookie(slug),
                    admission_value(slug, ticket.number, ticket.visitor), ADMISSION_SECONDS)
        response.delete_cookie(_ticket_cookie(slug), path="/", samesite="Lax")
        return response
    seconds = (due_at - now).total_seconds()
    refresh = request.GET.get("refresh") != "off"
    here = f"{request.path}?{urlencode({'next': target})}"
    check_url = here if refresh else f"{here}&refresh=off"
    response = render(request, "appointments/waiting_room.html", {
        "room": room,
        "position": ticket.number - room.due(now),
        "minutes": max(1, math.ceil(seconds / 60)),
        "before_opening": now < room.opens_at,
        "refresh_seconds": (min(REFRESH_MAX_SECONDS, max(REFRESH_MIN_SECONDS, math.ceil(seconds)))
                            if refresh else None),
        "check_url": check_url,
        "refresh_off_url": f"{here}&refresh=off",
    })
    if new_ticket:
        _set_cookie(request, response, _ticket_cookie(slug), ticket_value(ticket),
                    TICKET_SECONDS)
    return response
