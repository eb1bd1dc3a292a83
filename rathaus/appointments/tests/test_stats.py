"""Statistics for staff: figures after known bookings, the CSV, who may see them, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from rathaus.appointments import services, stats
from rathaus.appointments.models import (
    Booking,
    Calendar,
    Channel,
    DailyCount,
    Metric,
    Mode,
    Slot,
)
from rathaus.appointments.stats_figures import calendar_figures
from rathaus.staff.tests.factories import sign_in_verified

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counter() -> Iterator[None]:
    stats.counter.reset()
    # URLs are reversed in German, whatever language an earlier test's request left active.
    with translation.override("de"):
        yield
    stats.counter.reset()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], Any]], Any]:
    """Run a service and the work it leaves for after the commit (counts, tasks)."""

    def run(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def person(n: int) -> services.Person:
    return services.Person(name=f"Erika Beispiel {n}", email=f"erika{n}@example.org")


def statistician(**fields: Any) -> User:
    user = User.objects.create_user(username=fields.pop("username", "statistik"), **fields)
    group = Group.objects.create(name="Statistik")
    group.permissions.add(Permission.objects.get(content_type__app_label="appointments",
                                                 codename="view_statistics"))
    user.groups.add(group)
    return user


def signed_in(user: User) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


@pytest.fixture
def busy_calendar(run_on_commit: Callable[[Callable[[], Any]], Any]) -> Calendar:
    """A first-come calendar after a morning of bookings online and by phone.

    Online: 3 booked (double opt-in), 1 of them cancelled, its place offered to the person on
    the waiting list, who accepts (a 4th online booking). Phone: 2 booked, a 3rd request finds
    the staff places full; 1 of the 2 did not come.
    """
    calendar = factories.calendar()
    slot = factories.slot(calendar_=calendar, online=4, staff=2)
    online = []
    for n in range(3):
        hold = run_on_commit(partial(services.hold_slot, slot_id=slot.pk))
        run_on_commit(partial(services.submit_details, booking=hold, person=person(n)))
        online.append(run_on_commit(partial(services.confirm_booking, booking=hold)))
    phone = [run_on_commit(partial(services.book_for_caller, slot_id=slot.pk,
                                   person=person(10 + n), agent=None)) for n in range(2)]
    with pytest.raises(services.SlotFull):
        run_on_commit(lambda: services.book_for_caller(slot_id=slot.pk, person=person(12),
                                                       agent=None))
    run_on_commit(lambda: services.record_attendance(booking=phone[0], attended=False))
    # One more online hold fills the slot, so the next person joins the waiting list...
    hold = run_on_commit(lambda: services.hold_slot(slot_id=slot.pk))
    run_on_commit(lambda: services.join_waitlist(calendar=calendar, person=person(20)))
    # ...the hold is abandoned, a booking is cancelled, and the freed places are offered.
    run_on_commit(lambda: services.cancel_booking(booking=hold))
    run_on_commit(lambda: services.cancel_booking(booking=online[0]))
    offer = Booking.objects.get(waitlist_entry__isnull=False)
    run_on_commit(lambda: services.accept_offer(booking=offer))
    stats.counter.flush()
    return calendar


def test_figures_after_known_bookings_by_channel(busy_calendar: Calendar) -> None:
    today = timezone.localdate()

    figures = calendar_figures(slug=busy_calendar.slug, first=today - dt.timedelta(days=1),
                               last=today + dt.timedelta(days=5))

    assert figures.total(Metric.REQUEST, Channel.ONLINE) == 4
    assert figures.total(Metric.REQUEST, Channel.STAFF) == 3
    assert figures.total(Metric.SLOT_FULL, Channel.STAFF) == 1
    assert figures.total(Metric.BOOKED, Channel.ONLINE) == 4  # 3 confirmed + 1 accepted offer
    assert figures.total(Metric.BOOKED, Channel.STAFF) == 2
    assert figures.share(Metric.BOOKED, Channel.STAFF) == pytest.approx(2 / 6)
    assert figures.total(Metric.CANCELLED) == 1  # an abandoned hold is no cancellation
    assert figures.total(Metric.NO_SHOW, Channel.STAFF) == 1
    assert figures.total(Metric.WAITLISTED) == 1
    assert (figures.total(Metric.OFFERED), figures.total(Metric.OFFER_ACCEPTED),
            figures.total(Metric.OFFER_LAPSED)) == (1, 1, 0)
    assert figures.waiting_list == 0  # the one waiting got the place
    slot_day = [day for day in figures.days if day.capacity[Channel.ONLINE]]
    assert len(slot_day) == 1
    assert slot_day[0].day == today + dt.timedelta(days=3)
    assert slot_day[0].utilisation(Channel.ONLINE) == pytest.approx(3 / 4)
    assert slot_day[0].utilisation(Channel.STAFF) == 1  # a no-show keeps the place used


def test_the_page_shows_the_figures_charts_and_tables(busy_calendar: Calendar) -> None:
    client = signed_in(statistician())

    response = client.get(reverse("appointment_statistics:calendar",
                                  kwargs={"slug": busy_calendar.slug}).replace("/de/", "/en/"))

    assert response.status_code == 200
    html = response.content.decode()
    summary = {label: (online, staff) for label, online, staff, _ in response.context["summary"]}
    assert summary["bookings"] == (4, 2)
    assert summary["no-shows"] == (0, 1)
    assert summary["offers accepted"] == (1, "–")
    assert "66.7 % online, 33.3 % by phone or at the counter" in html
    # Two charts, each named for assistive technology and followed by its table.
    assert html.count('role="img"') == 2
    assert "<title id=\"bookings-title\">Bookings per day by channel</title>" in html
    assert "4 bookings online (solid bars) and 2 by phone or at the counter" in html
    assert 'fill="url(#bookings-hatched)"' in html  # phone bars are hatched, not only coloured
    assert "<td class=\"kern-table__cell kern-table__cell--numeric\">75.0 %</td>" in html
    assert "<td class=\"kern-table__cell kern-table__cell--numeric\">100.0 %</td>" in html
    assert "Beispiel" not in html
    assert "example.org" not in html


def test_the_page_reads_counts_still_buffered_in_the_process(
        run_on_commit: Callable[[Callable[[], Any]], Any]) -> None:
    slot = factories.slot(online=0, staff=5)
    run_on_commit(lambda: services.book_for_caller(slot_id=slot.pk, person=person(1),
                                                   agent=None))
    assert not DailyCount.objects.exists()  # still in memory

    response = signed_in(statistician()).get(
        reverse("appointment_statistics:calendar", kwargs={"slug": slot.calendar.slug}))

    assert response.context["figures"].total(Metric.BOOKED, Channel.STAFF) == 1


def test_draw_list_and_registrations_by_channel(
        run_on_commit: Callable[[Callable[[], Any]], Any]) -> None:
    calendar = factories.calendar(mode=Mode.DRAW)
    for n in range(3):
        run_on_commit(partial(services.register_for_draw, calendar=calendar, person=person(n),
                              group=None))
    run_on_commit(lambda: services.register_for_draw(calendar=calendar, person=person(9),
                                                     group=None, channel=Channel.STAFF))
    stats.counter.flush()

    figures = calendar_figures(slug=calendar.slug)

    assert figures.total(Metric.REGISTERED, Channel.ONLINE) == 3
    assert figures.total(Metric.REGISTERED, Channel.STAFF) == 1
    assert figures.draw_list == 4
    assert (figures.first, figures.last) == (
        timezone.localdate() - dt.timedelta(days=30),
        timezone.localdate() + dt.timedelta(days=calendar.book_until_days))


def test_csv_has_one_row_per_day_figure_and_channel_for_german_excel(
        busy_calendar: Calendar) -> None:
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=2), today + dt.timedelta(days=4)
    url = reverse("appointment_statistics:calendar", kwargs={"slug": busy_calendar.slug})

    response = signed_in(statistician()).get(
        url, {"start": start.isoformat(), "end": end.isoformat(), "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="termine-{busy_calendar.slug}-{start:%Y%m%d}-{end:%Y%m%d}.csv"')
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with a BOM
    text = response.content.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(header) == 5
    assert len(body) == 7 * (8 * 2 + 4 + 3 * 2) + 2  # days x figures, and two list lengths
    value = {(r[0], r[1], r[3]): r[4] for r in body}
    day = today.isoformat()
    assert value[(day, "booked", "online")] == "4"
    assert value[(day, "booked", "staff")] == "2"
    assert value[(day, "no_show", "staff")] == "1"
    assert value[(day, "waiting_room", "online")] == "0"
    assert value[((today - dt.timedelta(days=1)).isoformat(), "booked", "online")] == "0"
    slot_day = (today + dt.timedelta(days=3)).isoformat()
    assert value[(slot_day, "places", "online")] == "4"
    assert value[(slot_day, "places_taken", "online")] == "3"
    assert value[(slot_day, "utilisation_percent", "online")] == "75,0"
    assert value[(day, "utilisation_percent", "online")] == ""  # no slots that day
    assert value[(day, "waiting_list_length", "")] == "0"
    assert "example.org" not in text
    assert "Beispiel" not in text


def test_waiting_room_arrivals_are_counted() -> None:
    calendar = factories.calendar()
    stats.counter.record(calendar.pk, Metric.WAITING_ROOM, Channel.ONLINE, 5)

    response = signed_in(statistician()).get(
        reverse("appointment_statistics:calendar", kwargs={"slug": calendar.slug}))

    assert response.context["figures"].total(Metric.WAITING_ROOM) == 5


@pytest.mark.parametrize("name", ["calendars", "calendar"])
def test_only_staff_with_the_permission_see_statistics(name: str) -> None:
    calendar = factories.calendar()
    url = reverse(f"appointment_statistics:{name}",
                  kwargs={"slug": calendar.slug} if name == "calendar" else {})

    anonymous = Client().get(url)
    other_staff = signed_in(User.objects.create_user(username="agent", is_staff=True)).get(url)
    allowed = signed_in(statistician()).get(url)
    superuser = signed_in(User.objects.create_superuser(username="admin")).get(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"{reverse('staff:login')}?next={url}"
    assert other_staff.status_code == 403
    assert allowed.status_code == superuser.status_code == 200
    assert calendar.name in allowed.content.decode()
    assert allowed["Cache-Control"].startswith("max-age=0")


def test_unknown_calendar_is_404() -> None:
    response = signed_in(statistician()).get(
        reverse("appointment_statistics:calendar", kwargs={"slug": "gibt-es-nicht"}))

    assert response.status_code == 404


def test_a_reversed_period_is_refused_with_a_message_and_the_default_shown() -> None:
    calendar = factories.calendar()
    today = timezone.localdate()

    response = signed_in(statistician()).get(
        reverse("appointment_statistics:calendar", kwargs={"slug": calendar.slug}).replace(
            "/de/", "/en/"),
        {"start": today.isoformat(), "end": (today - dt.timedelta(days=3)).isoformat()})

    assert "The end of the period is before its start." in response.content.decode()
    assert response.context["figures"].first == today - dt.timedelta(days=30)


def test_calendar_page_queries_do_not_grow_with_days_or_bookings(
        busy_calendar: Calendar, django_assert_num_queries: Any) -> None:
    client = signed_in(statistician())
    today = timezone.localdate()
    url = reverse("appointment_statistics:calendar", kwargs={"slug": busy_calendar.slug})
    for days_ahead in range(1, 40):
        factories.slot(calendar_=busy_calendar, online=3, staff=1, days_ahead=days_ahead,
                       hour=14)

    # The user, the authenticator app that verified the session, their own and their groups'
    # permissions (the session comes from the cache); the calendar with both list lengths, the
    # daily counts, the slots summed per day.
    with django_assert_num_queries(7):
        response = client.get(url, {"start": (today - dt.timedelta(days=200)).isoformat(),
                                    "end": (today + dt.timedelta(days=60)).isoformat()})

    assert response.status_code == 200
    assert len(response.context["figures"].days) == 261
    assert Slot.objects.filter(calendar=busy_calendar).count() == 40


def test_calendar_list_queries_do_not_grow_with_calendars(
        django_assert_num_queries: Any) -> None:
    client = signed_in(statistician())
    for _ in range(5):
        factories.calendar()

    # The user, app and permissions as above; the calendars with both list lengths.
    with django_assert_num_queries(5):
        response = client.get(reverse("appointment_statistics:calendars"))

    assert response.status_code == 200
    assert len(response.context["calendars"]) == 5
