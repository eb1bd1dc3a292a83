"""Slot planning: properties over random opening hours, closures, holidays and the clock changes.

The oracle below reads a local opening or closing time the way a citizen reads the clock on the
town-hall door: the office opens (or closes) at the first moment the clock shows that time or a
later one on that day. That is the first of the two 02:30s in October and 03:00 CEST for a time
inside the hour skipped in March. It is written without ``fold`` so it does not share a mistake
with ``slots.py``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rathaus.appointments import services
from rathaus.appointments.models import Calendar, Closure, OpeningRule, Slot, SpecialOpening
from rathaus.appointments.slots import Hours, PlannedSlot, plan_slots, public_holidays
from rathaus.appointments.tests import factories

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
CET, CEST = dt.timedelta(hours=1), dt.timedelta(hours=2)

# 2026: clocks go forward on Sunday 29 March (02:00 CET -> 03:00 CEST) and back on Sunday
# 25 October (03:00 CEST -> 02:00 CET).
SPRING_FORWARD = dt.date(2026, 3, 29)
FALL_BACK = dt.date(2026, 10, 25)


def last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 31)
    return day - dt.timedelta(days=(day.weekday() - 6) % 7)


def opening_instant(day: dt.date, at: dt.time) -> dt.datetime:
    """Return the first instant at which Berlin's clocks show ``at`` (or later) on ``day``."""
    wall = dt.datetime.combine(day, at)

    def shows(instant: dt.datetime) -> dt.datetime:
        return instant.astimezone(BERLIN).replace(tzinfo=None)

    # Berlin is at UTC+1 or UTC+2: the clocks show ``wall`` at one of these, or at neither.
    summer, winter = wall.replace(tzinfo=UTC) - CEST, wall.replace(tzinfo=UTC) - CET
    if shows(summer) == wall:
        return summer  # also the earlier of the two when the hour repeats
    if shows(winter) == wall:
        return winter
    # Inside the skipped hour: the first minute at which the clocks have passed ``wall``.
    minute = summer
    while shows(minute) < wall:
        minute += dt.timedelta(minutes=1)
    return minute


def real(instant: dt.datetime) -> dt.datetime:
    # Subtracting two datetimes that share a tzinfo compares wall clocks; compare in UTC instead.
    return instant.astimezone(UTC)


def whole_slots(opens: dt.datetime, closes: dt.datetime, length: dt.timedelta) -> int:
    return max(0, (real(closes) - real(opens)) // length)


# --- strategies -------------------------------------------------------------------------------

DST_CHANGES = [last_sunday(year, month) for year in range(2024, 2032) for month in (3, 10)]


@st.composite
def wall_times(draw: st.DrawFn) -> dt.time:
    """Any minute of the day, often one around the changes at 02:00-03:00."""
    minute = draw(st.one_of(st.integers(2 * 60, 3 * 60 - 1),  # the hour skipped or repeated
                            st.integers(60, 4 * 60),
                            st.integers(0, 24 * 60 - 1)))
    return dt.time(minute // 60, minute % 60)


@st.composite
def hours(draw: st.DrawFn, *, on: dt.date | None = None, near: dt.date | None = None) -> Hours:
    opens, closes = sorted(draw(st.lists(wall_times(), min_size=2, max_size=2, unique=True)))
    capacity = draw(st.integers(1, 250))
    staff = draw(st.integers(0, capacity))
    if on is not None:
        return Hours(opens=opens, closes=closes, capacity=capacity, staff_capacity=staff, date=on)
    assert near is not None
    valid_from = draw(st.none() | st.integers(-7, 14).map(lambda d: near + dt.timedelta(days=d)))
    valid_until = draw(st.none() | st.integers(-7, 14).map(lambda d: near + dt.timedelta(days=d)))
    return Hours(opens=opens, closes=closes, capacity=capacity, staff_capacity=staff,
                 # The clocks change on Sundays.
                 weekday=draw(st.just(6) | st.integers(0, 5)), valid_from=valid_from,
                 valid_until=valid_until)


@dataclass(frozen=True)
class Scenario:
    start: dt.date
    end: dt.date
    slot_minutes: int
    rules: tuple[Hours, ...]
    specials: tuple[Hours, ...]
    closed: frozenset[dt.date]
    observe_holidays: bool

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def holidays(self) -> frozenset[dt.date]:
        if not self.observe_holidays:
            return frozenset()
        return frozenset(public_holidays(range(self.start.year, self.end.year + 1)))

    def plan(self) -> list[PlannedSlot]:
        return plan_slots(start=self.start, end=self.end, slot_minutes=self.slot_minutes,
                          rules=self.rules, specials=self.specials, closed_days=self.closed,
                          holiday_days=self.holidays(), zone=BERLIN)

    def hours_on(self, day: dt.date) -> list[Hours]:
        """Return the hours that should apply on ``day``, independently of ``plan_slots``."""
        if day in self.closed:
            return []
        specials = [h for h in self.specials if h.date == day]
        if specials:
            return specials
        if day in self.holidays():
            return []
        return [h for h in self.rules if h.weekday == day.weekday()
                and (h.valid_from is None or h.valid_from <= day)
                and (h.valid_until is None or day <= h.valid_until)]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    # Most ranges contain a clock change (and with it Easter or Reformationstag now and then).
    if draw(st.integers(0, 3)):
        anchor = draw(st.sampled_from(DST_CHANGES))
    else:
        anchor = draw(st.dates(dt.date(2024, 1, 1), dt.date(2031, 12, 31)))
    start = anchor - dt.timedelta(days=draw(st.integers(0, 8)))
    end = anchor + dt.timedelta(days=draw(st.integers(0, 6)))
    span = (end - start).days
    some_day = st.integers(0, span).map(lambda d: start + dt.timedelta(days=d))
    special_days = draw(st.lists(some_day, max_size=3, unique=True))
    return Scenario(
        start=start, end=end,
        slot_minutes=draw(st.sampled_from([5, 15, 30, 45, 60, 90, 240]) | st.integers(5, 240)),
        rules=tuple(draw(st.lists(hours(near=start), max_size=6))),
        specials=tuple(draw(hours(on=day)) for day in special_days for _ in range(
            draw(st.integers(1, 2)))),
        closed=frozenset(draw(st.lists(some_day, max_size=3))),
        observe_holidays=draw(st.booleans()),
    )


def spring_forward_gap_scenario(opens: dt.time, closes: dt.time, minutes: int) -> Scenario:
    return Scenario(start=SPRING_FORWARD, end=SPRING_FORWARD, slot_minutes=minutes,
                    rules=(Hours(opens=opens, closes=closes, capacity=2, staff_capacity=1,
                                 weekday=6),),
                    specials=(), closed=frozenset(), observe_holidays=True)


pure = hypothesis_settings(database=None, max_examples=250, deadline=None, print_blob=True)


# --- properties -------------------------------------------------------------------------------


@pure
@given(scenarios())
@example(spring_forward_gap_scenario(dt.time(1, 0), dt.time(2, 30), 30))
@example(spring_forward_gap_scenario(dt.time(2, 30), dt.time(5, 0), 60))
@example(spring_forward_gap_scenario(dt.time(2, 15), dt.time(2, 45), 5))
def test_every_planned_slot_lies_in_the_opening_hours_of_its_day(scenario: Scenario) -> None:
    planned = scenario.plan()
    length = dt.timedelta(minutes=scenario.slot_minutes)

    for slot in planned:
        assert slot.starts_at.utcoffset() is not None
        assert slot.ends_at.utcoffset() is not None
        assert real(slot.ends_at) - real(slot.starts_at) == length
    for earlier, later in itertools.pairwise(planned):
        assert real(earlier.starts_at) < real(later.starts_at)
        assert real(earlier.ends_at) <= real(later.starts_at), "slots overlap"

    by_day: dict[dt.date, list[PlannedSlot]] = {}
    for slot in planned:
        by_day.setdefault(slot.starts_at.astimezone(BERLIN).date(), []).append(slot)
    assert set(by_day) <= set(scenario.days())

    for day in scenario.days():
        todays = scenario.hours_on(day)
        slots = by_day.get(day, [])
        if not todays:
            # Closed, a holiday without special opening, or a weekday without rules.
            assert slots == []
            continue
        windows = [(opening_instant(day, h.opens), opening_instant(day, h.closes), h)
                   for h in todays]
        for slot in slots:
            # Inside some hours of the day, on their grid, with their split of places.
            assert any(
                opens <= real(slot.starts_at) and real(slot.ends_at) <= closes
                and (real(slot.starts_at) - opens) % length == dt.timedelta(0)
                and slot.capacity_online == h.capacity - h.staff_capacity
                and slot.capacity_staff == h.staff_capacity
                for opens, closes, h in windows
            ), f"{slot} outside {todays}"
        disjoint = all(a_closes <= b_opens or b_closes <= a_opens
                       for i, (a_opens, a_closes, _) in enumerate(windows)
                       for b_opens, b_closes, _ in windows[i + 1:])
        if disjoint:
            expected = sorted(opens + k * length for opens, closes, _ in windows
                              for k in range(whole_slots(opens, closes, length)))
            assert [real(s.starts_at) for s in slots] == expected
        else:
            # Overlapping hours: the hours that open first keep all their slots.
            opens, closes, _ = min(windows, key=lambda w: w[2].opens)
            starts = {real(s.starts_at) for s in slots}
            assert {opens + k * length for k in range(whole_slots(opens, closes, length))} \
                <= starts


@hypothesis_settings(pure, max_examples=60)
@given(scenarios())
def test_planning_is_a_pure_function_of_its_inputs(scenario: Scenario) -> None:
    assert scenario.plan() == scenario.plan()
    # Planning a range day by day gives the same slots as planning it at once.
    by_day = [slot for day in scenario.days() for slot in plan_slots(
        start=day, end=day, slot_minutes=scenario.slot_minutes, rules=scenario.rules,
        specials=scenario.specials, closed_days=scenario.closed,
        holiday_days=scenario.holidays(), zone=BERLIN)]
    assert by_day == scenario.plan()


def test_the_strategy_reaches_both_clock_changes_and_the_skipped_hour() -> None:
    seen: set[str] = set()

    @hypothesis_settings(pure, max_examples=100)
    @given(scenarios())
    def collect(scenario: Scenario) -> None:
        for day in scenario.days():
            if day in DST_CHANGES:
                seen.add("march" if day.month == 3 else "october")
                if any(h.weekday == day.weekday() and dt.time(2) <= h.opens < dt.time(3)
                       for h in scenario.rules):
                    seen.add("opens in the changed hour")

    collect()
    assert seen == {"march", "october", "opens in the changed hour"}


# --- the nights the clocks change -------------------------------------------------------------


def sunday_plan(day: dt.date, opens: dt.time, closes: dt.time, minutes: int) -> list[PlannedSlot]:
    assert day.weekday() == 6
    return plan_slots(start=day, end=day, slot_minutes=minutes,
                      rules=[Hours(opens=opens, closes=closes, capacity=3, staff_capacity=1,
                                   weekday=6)], zone=BERLIN)


def local(slot: PlannedSlot) -> tuple[str, str]:
    def show(at: dt.datetime) -> str:
        return at.astimezone(BERLIN).strftime("%H:%M%z")

    return show(slot.starts_at), show(slot.ends_at)


def test_spring_forward_night_has_two_hours_between_one_and_four() -> None:
    planned = sunday_plan(SPRING_FORWARD, dt.time(1), dt.time(4), 60)

    assert [local(s) for s in planned] == [("01:00+0100", "03:00+0200"),
                                           ("03:00+0200", "04:00+0200")]
    assert [real(s.starts_at) for s in planned] == [
        dt.datetime(2026, 3, 29, 0, tzinfo=UTC), dt.datetime(2026, 3, 29, 1, tzinfo=UTC)]


def test_fall_back_night_has_four_hours_between_one_and_four() -> None:
    planned = sunday_plan(FALL_BACK, dt.time(1), dt.time(4), 60)

    assert [local(s) for s in planned] == [
        ("01:00+0200", "02:00+0200"), ("02:00+0200", "02:00+0100"),
        ("02:00+0100", "03:00+0100"), ("03:00+0100", "04:00+0100")]
    assert all(real(s.ends_at) - real(s.starts_at) == dt.timedelta(hours=1) for s in planned)


def test_hours_that_open_inside_the_skipped_hour_open_when_it_ends() -> None:
    # 02:30 does not exist on 29 March 2026: at 02:00 CET the clocks jump to 03:00 CEST.
    planned = sunday_plan(SPRING_FORWARD, dt.time(2, 30), dt.time(5), 60)

    assert [local(s) for s in planned] == [("03:00+0200", "04:00+0200"),
                                           ("04:00+0200", "05:00+0200")]


def test_hours_that_close_inside_the_skipped_hour_close_before_the_clocks_pass_it() -> None:
    planned = sunday_plan(SPRING_FORWARD, dt.time(1), dt.time(2, 30), 30)

    # Nothing may run until 03:30 CEST: from 03:00 on the clocks show a time after closing.
    assert [local(s) for s in planned] == [("01:00+0100", "01:30+0100"),
                                           ("01:30+0100", "03:00+0200")]


def test_a_repeated_half_hour_is_read_as_its_first_occurrence() -> None:
    planned = sunday_plan(FALL_BACK, dt.time(2, 30), dt.time(4), 30)

    assert local(planned[0]) == ("02:30+0200", "02:00+0100")
    assert len(planned) == 5  # 02:30 CEST to 04:00 CET is two and a half hours


def test_ordinary_monday_morning_has_sixteen_quarter_hours() -> None:
    monday = dt.date(2026, 6, 8)
    assert monday.weekday() == 0
    planned = plan_slots(start=monday - dt.timedelta(days=1), end=monday + dt.timedelta(days=1),
                         slot_minutes=15,
                         rules=[Hours(opens=dt.time(8), closes=dt.time(12), capacity=4,
                                      staff_capacity=1, weekday=0)],
                         holiday_days=public_holidays([2026]), zone=BERLIN)

    assert [s.starts_at.astimezone(BERLIN).strftime("%a %H:%M%z") for s in planned] == [
        f"Mon {8 + q // 4:02d}:{q % 4 * 15:02d}+0200" for q in range(16)]
    assert planned[-1].ends_at.astimezone(BERLIN).time() == dt.time(12)
    assert {(s.capacity_online, s.capacity_staff) for s in planned} == {(3, 1)}


# --- holidays, closures and special openings --------------------------------------------------

EVERY_DAY = [Hours(opens=dt.time(9), closes=dt.time(12), capacity=2, staff_capacity=0, weekday=d)
             for d in range(7)]


def days_with_slots(planned: list[PlannedSlot]) -> set[dt.date]:
    return {s.starts_at.astimezone(BERLIN).date() for s in planned}


def test_lower_saxony_holidays_have_no_slots() -> None:
    reformationstag, einheit = dt.date(2026, 10, 31), dt.date(2026, 10, 3)
    corpus_christi = dt.date(2026, 6, 4)  # a holiday in Bavaria or NRW, not in Lower Saxony
    holidays = public_holidays([2026])
    assert {reformationstag, einheit} <= set(holidays)
    assert corpus_christi not in holidays

    planned = plan_slots(start=dt.date(2026, 6, 1), end=dt.date(2026, 11, 1), slot_minutes=60,
                         rules=EVERY_DAY, holiday_days=holidays, zone=BERLIN)
    days = days_with_slots(planned)

    assert reformationstag not in days
    assert einheit not in days
    assert corpus_christi in days
    assert {dt.date(2026, 10, 2), dt.date(2026, 10, 30), dt.date(2026, 11, 1)} <= days


def test_special_opening_opens_a_holiday_with_its_own_hours_and_places() -> None:
    einheit = dt.date(2026, 10, 3)
    special = Hours(opens=dt.time(10), closes=dt.time(11), capacity=5, staff_capacity=2,
                    date=einheit)

    planned = plan_slots(start=einheit, end=einheit, slot_minutes=30, rules=EVERY_DAY,
                         specials=[special], holiday_days=public_holidays([2026]), zone=BERLIN)

    assert [(local(s)[0], s.capacity_online, s.capacity_staff) for s in planned] == [
        ("10:00+0200", 3, 2), ("10:30+0200", 3, 2)]


def test_closure_closes_even_a_special_opening() -> None:
    day = dt.date(2026, 10, 3)
    special = Hours(opens=dt.time(10), closes=dt.time(11), capacity=5, staff_capacity=2,
                    date=day)

    assert plan_slots(start=day, end=day, slot_minutes=30, rules=EVERY_DAY, specials=[special],
                      closed_days={day}, zone=BERLIN) == []


# --- writing the plan: services.sync_slots ----------------------------------------------------


def slot_rows(calendar: Calendar) -> list[tuple[str, int, int]]:
    return [(timezone_label(s.starts_at), s.capacity_online, s.capacity_staff)
            for s in Slot.objects.filter(calendar=calendar).order_by("starts_at")]


def timezone_label(at: dt.datetime) -> str:
    return at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")


@pytest.mark.django_db
def test_sync_slots_writes_the_plan_once_and_keeps_booked_places() -> None:
    calendar = factories.calendar(slot_minutes=30, observe_public_holidays=False)
    for weekday in range(7):
        OpeningRule.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(9),
                                   closes=dt.time(10), capacity=10, staff_capacity=2)
    start = timezone.localdate() + dt.timedelta(days=1)
    end = start + dt.timedelta(days=6)

    assert services.sync_slots(calendar=calendar, start=start, end=end) == 14
    rows = slot_rows(calendar)
    assert [label[11:] for label, _, _ in rows] == ["09:00", "09:30"] * 7
    assert {(online, staff) for _, online, staff in rows} == {(8, 2)}
    ids = set(Slot.objects.filter(calendar=calendar).values_list("pk", flat=True))

    # Idempotent: a second run changes nothing.
    assert services.sync_slots(calendar=calendar, start=start, end=end) == 0
    assert set(Slot.objects.filter(calendar=calendar).values_list("pk", flat=True)) == ids
    assert slot_rows(calendar) == rows

    first, second, third = Slot.objects.filter(calendar=calendar).order_by("starts_at")[:3]
    for n in range(5):
        services.book_for_caller(slot_id=first.pk, channel="online", agent=None,
                                 person=services.Person(name=f"P{n}", email=f"p{n}@example.org"))
    services.book_for_caller(slot_id=first.pk, agent=None,
                             person=services.Person(name="Anrufer", phone="0511 1234"))
    cancelled = services.book_for_caller(slot_id=third.pk, agent=None,
                                         person=services.Person(name="X", phone="0511 999"))
    services.cancel_booking(booking=cancelled)

    # Fewer places per slot: everywhere, except that booked places are never taken away.
    OpeningRule.objects.filter(calendar=calendar).update(capacity=3, staff_capacity=0)
    services.sync_slots(calendar=calendar, start=start, end=end)
    first.refresh_from_db()
    assert (first.capacity_online, first.booked_online) == (5, 5)
    assert (first.capacity_staff, first.booked_staff) == (1, 1)
    assert Slot.objects.filter(calendar=calendar).exclude(pk=first.pk).filter(
        capacity_online=3, capacity_staff=0).count() == 13

    # More places again: the booked slot grows with the others.
    OpeningRule.objects.filter(calendar=calendar).update(capacity=20, staff_capacity=4)
    services.sync_slots(calendar=calendar, start=start, end=end)
    first.refresh_from_db()
    assert (first.capacity_online, first.capacity_staff) == (16, 4)

    # The day closes: its unused slot goes, the booked slot and the once-booked slot close.
    day = timezone.localtime(first.starts_at).date()
    assert timezone.localtime(second.starts_at).date() == day
    Closure.objects.create(calendar=calendar, starts_on=day, ends_on=day)
    services.sync_slots(calendar=calendar, start=start, end=end)

    assert not Slot.objects.filter(pk=second.pk).exists()
    first.refresh_from_db()
    assert (first.capacity_online, first.capacity_staff) == (5, 1)
    assert first.bookings.count() == 6
    third.refresh_from_db()
    assert timezone.localtime(third.starts_at).date() != day
    assert (third.capacity_online, third.capacity_staff) == (16, 4)
    assert Slot.objects.filter(calendar=calendar).count() == 13
    assert services.sync_slots(calendar=calendar, start=start, end=end) == 0


@pytest.mark.django_db
def test_sync_slots_closes_a_once_booked_slot_instead_of_deleting_it() -> None:
    calendar = factories.calendar(slot_minutes=60, observe_public_holidays=False)
    day = timezone.localdate() + dt.timedelta(days=2)
    OpeningRule.objects.create(calendar=calendar, weekday=day.weekday(), opens=dt.time(9),
                               closes=dt.time(11), capacity=2, staff_capacity=1)
    services.sync_slots(calendar=calendar, start=day, end=day)
    booked, empty = Slot.objects.filter(calendar=calendar).order_by("starts_at")
    booking = services.book_for_caller(slot_id=booked.pk, agent=None,
                                       person=services.Person(name="X", phone="0511 999"))
    services.cancel_booking(booking=booking)

    OpeningRule.objects.filter(calendar=calendar).delete()
    services.sync_slots(calendar=calendar, start=day, end=day)

    booked.refresh_from_db()
    assert (booked.capacity_online, booked.capacity_staff, booked.booked) == (0, 0, 0)
    assert not Slot.objects.filter(pk=empty.pk).exists()


@pytest.mark.django_db
def test_sync_slots_skips_lower_saxony_holidays_unless_specially_opened() -> None:
    calendar = factories.calendar(slot_minutes=60)
    for weekday in range(7):
        OpeningRule.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(9),
                                   closes=dt.time(11), capacity=2, staff_capacity=1)
    SpecialOpening.objects.create(calendar=calendar, date=dt.date(2030, 10, 3),
                                  opens=dt.time(10), closes=dt.time(11), capacity=6,
                                  staff_capacity=3)

    services.sync_slots(calendar=calendar, start=dt.date(2030, 10, 1),
                        end=dt.date(2030, 11, 1))

    rows = slot_rows(calendar)
    days = {label[:10] for label, _, _ in rows}
    assert "2030-10-31" not in days  # Reformationstag
    assert {"2030-10-30", "2030-11-01"} <= days
    assert [row for row in rows if row[0].startswith("2030-10-03")] == [
        ("2030-10-03 10:00", 3, 3)]
    assert len(rows) == 2 * (32 - 1 - 1) + 1
    # The clocks went back on 27 October: still two one-hour slots at 09:00 and 10:00.
    assert [label for label, _, _ in rows if label.startswith("2030-10-27")] == [
        "2030-10-27 09:00", "2030-10-27 10:00"]
