"""The town's case figures: received, open, decided by outcome, processing time, channels.

Live cases (``Case``) and the anonymous rows the retention purge leaves (``PurgedCase``) are
counted together, so that the figures stay the same when old cases are deleted (decision 0023).
Everything is counted by the **month the case was received** (a cohort): "of the cases received
in March, so many are still open, so many were granted, and they took so long". A purged row
keeps only months, so no figure can be finer than that.

Processing time is whole days from receipt to the decision (the last step into ``decided`` of a
case that still has its outcome) or, for a case that ended without one (forwarded, withdrawn),
to its end; the purge stores the same number (``processing_days``). Median and 90th percentile
use the nearest-rank method (``percentile``): always a value that occurred, exact for small
samples; docs/statistics.md explains it.

Two queries, whatever the number of services and months: one over the live cases, one over the
purged rows grouped in the database; the rest is arithmetic in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from .models import Case, CaseChannel, CaseEvent, CaseState, EventKind, Outcome, PurgedCase
from .selectors import OPEN_STATES

# Most months one page shows and one export holds: ten years.
MAX_MONTHS = 120
CHANNELS: tuple[str, ...] = tuple(CaseChannel.values)
OUTCOMES: tuple[str, ...] = tuple(Outcome.values)


def percentile(values: Sequence[int], share: int) -> int | None:
    """Return the ``share``-th percentile (1–100) of ``values`` by the nearest-rank method.

    The smallest value that at least ``share`` per cent of the values do not exceed: of 1, 2,
    3, 4 the median (50) is 2 and the 90th percentile is 4. None for no values.
    """
    if not values:
        return None
    if not 1 <= share <= 100:
        raise ValueError("share is a whole per cent from 1 to 100")
    ordered = sorted(values)
    rank = -(-share * len(ordered) // 100)  # ceil(share / 100 * n) without floating point
    return ordered[rank - 1]


def processing_days(*, received_at: dt.datetime, outcome: str,
                    decided_at: dt.datetime | None, ended_at: dt.datetime | None) -> int | None:
    """Return whole days from receipt to the decision, or to the end without one; None if open.

    A decided case counts to its decision, not to its closing: the applicant waited until the
    decision, and filing it later is the department's housekeeping.
    """
    until = decided_at if outcome and decided_at is not None else ended_at
    if until is None:
        return None
    return max(0, (until - received_at).days)


def month_of(moment: dt.datetime) -> dt.date:
    """Return the first day of the local month of ``moment`` (as the purge stores months)."""
    return timezone.localtime(moment).date().replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Return the first days of the months from ``first`` to ``last``, both included."""
    months: list[dt.date] = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _month_start(month: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(month, dt.time.min))


def decision_time(case: Case) -> dt.datetime | None:
    """Return when ``case`` was last moved into ``decided`` (None if never)."""
    return (CaseEvent.objects.filter(case=case, kind=EventKind.STATE_CHANGED,
                                     to_state=CaseState.DECIDED)
            .order_by("-at", "-pk").values_list("at", flat=True).first())


@dataclass
class Tally:
    """The figures of one group of cases (a service, a department, a month, or all)."""

    received: int = 0
    open: int = 0
    overdue: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    # Forwarded, withdrawn, or closed without a decision.
    ended_otherwise: int = 0
    channels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    days: list[int] = field(default_factory=list)

    def add(self, *, channel: str, is_open: bool, overdue: bool, outcome: str,
            days: int | None, count: int = 1) -> None:
        self.received += count
        if channel in self.channels:
            self.channels[channel] += count
        if is_open:
            self.open += count
            self.overdue += count if overdue else 0
        elif outcome in self.outcomes:
            self.outcomes[outcome] += count
        else:
            self.ended_otherwise += count
        if days is not None:
            self.days.extend([days] * count)

    @property
    def decided(self) -> int:
        return sum(self.outcomes.values())

    @property
    def median_days(self) -> int | None:
        return percentile(self.days, 50)

    @property
    def p90_days(self) -> int | None:
        return percentile(self.days, 90)

    @property
    def timed(self) -> int:
        """How many cases the processing time is taken from (decided or ended)."""
        return len(self.days)


@dataclass(frozen=True)
class Scope:
    """Which cases are counted: departments (always given), one service or all, months."""

    department_ids: tuple[int, ...]
    first_month: dt.date
    last_month: dt.date
    service_id: int | None = None


@dataclass
class Figures:
    scope: Scope
    months: list[dt.date]
    total: Tally
    by_department: dict[int, Tally]
    by_service: dict[int, Tally]
    by_month: dict[dt.date, Tally]

    @property
    def empty(self) -> bool:
        return self.total.received == 0


def _live_rows(scope: Scope) -> Iterable[tuple[int, int, dt.datetime, str, str, str,
                                               dt.datetime | None, dt.datetime | None,
                                               dt.datetime | None]]:
    last_decision = (CaseEvent.objects.filter(case=OuterRef("pk"), kind=EventKind.STATE_CHANGED,
                                              to_state=CaseState.DECIDED)
                     .order_by("-at", "-pk").values("at")[:1])
    cases = Case.objects.filter(department_id__in=scope.department_ids,
                                received_at__gte=_month_start(scope.first_month),
                                received_at__lt=_month_start(next_month(scope.last_month)))
    if scope.service_id is not None:
        cases = cases.filter(service_id=scope.service_id)
    return (cases.order_by().annotate(decided_at=Subquery(last_decision))
            .values_list("department_id", "service_id", "received_at", "state", "outcome",
                         "channel", "due_at", "ended_at", "decided_at")
            .iterator(chunk_size=2000))


def _purged_rows(scope: Scope) -> Iterable[tuple[int, int, dt.date, str, str, int, int]]:
    rows = PurgedCase.objects.filter(department_id__in=scope.department_ids,
                                     received_month__gte=scope.first_month,
                                     received_month__lte=scope.last_month)
    if scope.service_id is not None:
        rows = rows.filter(service_id=scope.service_id)
    return (rows.order_by()
            .values_list("department_id", "service_id", "received_month", "outcome", "channel",
                         "processing_days")
            .annotate(n=Count("pk")))


def case_figures(scope: Scope, *, now: dt.datetime | None = None) -> Figures:
    """Count the cases received in ``scope``'s months, live and purged (two queries)."""
    now = now or timezone.now()
    months = months_between(scope.first_month, scope.last_month)
    figures = Figures(scope=scope, months=months, total=Tally(), by_department={},
                      by_service={}, by_month={month: Tally() for month in months})

    def tallies(department_id: int, service_id: int, month: dt.date) -> list[Tally]:
        found = [figures.total, figures.by_department.setdefault(department_id, Tally()),
                 figures.by_service.setdefault(service_id, Tally())]
        if month in figures.by_month:
            found.append(figures.by_month[month])
        return found

    for (department_id, service_id, received_at, state, outcome, channel, due_at, ended_at,
         decided_at) in _live_rows(scope):
        is_open = state in OPEN_STATES
        days = None if is_open else processing_days(
            received_at=received_at, outcome=outcome, decided_at=decided_at, ended_at=ended_at)
        for tally in tallies(department_id, service_id, month_of(received_at)):
            tally.add(channel=channel, is_open=is_open,
                      overdue=is_open and due_at is not None and due_at < now,
                      outcome=outcome, days=days)
    for department_id, service_id, month, outcome, channel, days, count in _purged_rows(scope):
        for tally in tallies(department_id, service_id, month):
            tally.add(channel=channel, is_open=False, overdue=False, outcome=outcome, days=days,
                      count=count)
    return figures
