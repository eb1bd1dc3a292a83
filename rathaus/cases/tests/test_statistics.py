"""The case figures: a small known set of live and purged cases, counted by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rathaus.cases.models import Case, PurgedCase
from rathaus.cases.retention import purge_case
from rathaus.cases.statistics import (
    Figures,
    Scope,
    Tally,
    case_figures,
    months_between,
    percentile,
)
from rathaus.catalog.models import Department, Service

from .factories import BERLIN, make_case, purged

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 5, 1, 12, tzinfo=BERLIN)
MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


@pytest.fixture
def known(catalog: None) -> dict[str, Case]:
    """The tax office's dog registrations of March and April 2026, and a few others."""
    cases = {
        # 10 days to the decision; closed 39 days later, which does not count.
        "a": make_case("hund-anmelden", received="2026-03-02", state="closed",
                       outcome="granted", decided="2026-03-12", ended="2026-04-20"),
        "b": make_case("hund-anmelden", received="2026-03-05", state="decided",
                       outcome="refused", decided="2026-03-08"),
        "c": make_case("hund-anmelden", received="2026-03-10", state="in_progress",
                       due="2026-03-24"),
        "d": make_case("hund-anmelden", received="2026-04-01", channel="counter",
                       due="2026-06-01"),
        "e": make_case("hund-anmelden", received="2026-04-03", state="withdrawn",
                       channel="phone", ended="2026-04-04"),
        "january": make_case("hund-anmelden", received="2026-01-15"),
        "elsewhere": make_case("geburtsurkunde", received="2026-03-03"),
    }
    purged("hund-anmelden", month=MARCH, outcome="granted", days=20, count=2)
    purged("hund-anmelden", month=APRIL, outcome="partly_granted", days=7, channel="counter")
    purged("geburtsurkunde", month=MARCH, outcome="refused", days=99)
    return cases


def tax_office() -> Scope:
    steueramt = Department.objects.get(slug="steueramt")
    return Scope(department_ids=(steueramt.pk,), first_month=MARCH, last_month=APRIL)


def summary(tally: Tally) -> dict[str, Any]:
    return {"received": tally.received, "open": tally.open, "overdue": tally.overdue,
            **tally.outcomes, "ended_otherwise": tally.ended_otherwise,
            "median": tally.median_days, "p90": tally.p90_days, **tally.channels}


def test_percentiles_by_nearest_rank_are_right_for_small_samples() -> None:
    assert percentile([], 50) is None
    assert percentile([5], 50) == percentile([5], 90) == 5
    assert percentile([4, 1, 3, 2], 50) == 2
    assert percentile([4, 1, 3, 2], 90) == 4
    assert percentile(list(range(1, 11)), 50) == 5
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile(list(range(1, 12)), 90) == 10  # rank ceil(9.9) = 10
    with pytest.raises(ValueError, match="whole per cent"):
        percentile([1], 0)


def test_months_between_crosses_the_year() -> None:
    assert months_between(dt.date(2025, 11, 1), dt.date(2026, 2, 1)) == [
        dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]


def test_live_and_purged_cases_are_counted_together_by_month_of_receipt(
        known: dict[str, Case]) -> None:
    figures = case_figures(tax_office(), now=NOW)
    # March: a, b, c and two purged grants. Days: a 10 (to its decision), b 3, purged 20, 20.
    assert summary(figures.by_month[MARCH]) == {
        "received": 5, "open": 1, "overdue": 1, "granted": 3, "refused": 1,
        "partly_granted": 0, "ended_otherwise": 0, "median": 10, "p90": 20,
        "online": 5, "counter": 0, "phone": 0}
    # April: d (open, not yet due), e (withdrawn after 1 day), one purged partial grant (7).
    assert summary(figures.by_month[APRIL]) == {
        "received": 3, "open": 1, "overdue": 0, "granted": 0, "refused": 0,
        "partly_granted": 1, "ended_otherwise": 1, "median": 1, "p90": 7,
        "online": 0, "counter": 2, "phone": 1}
    # Both months: days 1, 3, 7, 10, 20, 20 → median rank 3 (7), 90th rank 6 (20).
    assert summary(figures.total) == {
        "received": 8, "open": 2, "overdue": 1, "granted": 3, "refused": 1,
        "partly_granted": 1, "ended_otherwise": 1, "median": 7, "p90": 20,
        "online": 5, "counter": 2, "phone": 1}
    dogs = Service.objects.get(slug="hund-anmelden").pk
    assert set(figures.by_service) == {dogs}
    assert figures.by_service[dogs].received == 8
    assert list(figures.by_department) == list(tax_office().department_ids)


def test_the_service_filter_and_other_departments(known: dict[str, Case]) -> None:
    births = Service.objects.get(slug="geburtsurkunde")
    scope = Scope(department_ids=(births.department_id,), first_month=MARCH,
                  last_month=APRIL, service_id=births.pk)
    figures = case_figures(scope, now=NOW)
    assert summary(figures.total)["received"] == 2
    assert summary(figures.total)["refused"] == 1
    none = case_figures(Scope(department_ids=tax_office().department_ids, first_month=MARCH,
                              last_month=APRIL, service_id=births.pk), now=NOW)
    assert none.empty


def test_the_figures_stay_the_same_when_the_purge_deletes_a_case(
        known: dict[str, Case], django_capture_on_commit_callbacks: Any) -> None:
    before: Figures = case_figures(tax_office(), now=NOW)
    ended = known["a"].ended_at
    assert ended is not None
    with django_capture_on_commit_callbacks(execute=True):
        report = purge_case(case_id=known["a"].pk, now=ended + dt.timedelta(days=3651))
    assert report is not None
    assert report.cases == 1
    row = PurgedCase.objects.get(received_month=MARCH, processing_days=10)
    assert (row.outcome, row.end_state) == ("granted", "closed")
    after = case_figures(tax_office(), now=NOW)
    assert summary(after.total) == summary(before.total)
    assert summary(after.by_month[MARCH]) == summary(before.by_month[MARCH])


def test_no_cases_in_the_period_is_empty_not_an_error(catalog: None) -> None:
    figures = case_figures(tax_office(), now=NOW)
    assert figures.empty
    assert figures.total.median_days is None
    assert [month for month in figures.by_month] == [MARCH, APRIL]
