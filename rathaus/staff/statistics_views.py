"""What the town sees: case statistics of the user's departments, and the OZG maturity report.

Counts only, never a person. Staff see the figures of their own departments; administrators
see every department. A department named in the address that is not the user's is refused as
wrong input (and the figures of the user's own departments are shown), so that changing the URL
shows nothing more. The tables are the figures; the charts (``appointments.charts``, the same
server-rendered SVG as the appointment statistics) repeat some of them.

The CSV is the one the appointment statistics write for German Excel: UTF-8 with byte-order
mark, ``;`` between fields, CRLF line ends, ISO months; every text cell is guarded against
formula injection as the workbasket export guards its cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rathaus.appointments.charts import Series, bar_chart
from rathaus.appointments.staff_views import form_errors
from rathaus.cases.models import CaseChannel, Outcome
from rathaus.cases.statistics import (
    MAX_MONTHS,
    Figures,
    Scope,
    Tally,
    case_figures,
    months_between,
)
from rathaus.catalog.models import Department, Service
from rathaus.core.access import verified_required

from . import maturity, selectors
from .statistics_forms import StatisticsFilterForm

DEFAULT_MONTHS = 12
statistics_required = verified_required(allowed=selectors.works_in_a_department)


def _may_see_maturity(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) or selectors.works_in_a_department(user)


maturity_required = verified_required(allowed=_may_see_maturity)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _language() -> str:
    return (get_language() or "de")[:2]


def _departments(user: User) -> list[Department]:
    """The departments whose figures ``user`` sees (one query)."""
    return list(selectors.departments_of(user).order_by("name_de"))


def _services(department_ids: list[int]) -> list[tuple[int, str, str]]:
    """(id, slug, title) of the departments' services (one query)."""
    english = _language() == "en"
    return [(pk, slug, title_en if english else title_de)
            for pk, slug, title_de, title_en in Service.objects.filter(
                department_id__in=department_ids).order_by("title_de")
            .values_list("pk", "slug", "title_de", "title_en")]


def _csv_cell(value: object) -> str:
    # A cell a spreadsheet would run as a formula is quoted (as the workbasket export does).
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass(frozen=True)
class Row:
    """One line of a table: what it is about (key for the CSV, name for people) and figures."""

    key: str
    name: str
    tally: Tally


@dataclass(frozen=True)
class Report:
    figures: Figures
    departments: list[Row]
    services: list[Row]
    months: list[Row]


def _scope(form: StatisticsFilterForm, department_ids: list[int]) -> Scope:
    today = timezone.localdate().replace(day=1)
    end: dt.date = form.value_of("end") or today
    start: dt.date = form.value_of("start") or _months_back(end, DEFAULT_MONTHS - 1)
    if start > end or len(months_between(start, end)) > MAX_MONTHS:
        start = _months_back(end, DEFAULT_MONTHS - 1)
    chosen = form.value_of("department")
    ids = (chosen,) if chosen in department_ids else tuple(department_ids)
    return Scope(department_ids=ids, first_month=start, last_month=end,
                 service_id=form.value_of("service"))


def _months_back(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def _report(figures: Figures, departments: list[Department],
            services: list[tuple[int, str, str]]) -> Report:
    names = {pk: (slug, title) for pk, slug, title in services}
    department_rows = [Row(department.slug, department.name, figures.by_department[department.pk])
                       for department in departments if department.pk in figures.by_department]
    service_rows = sorted(
        (Row(*names.get(pk, (str(pk), str(pk))), tally)
         for pk, tally in figures.by_service.items()), key=lambda row: row.name)
    month_rows = [Row(f"{month:%Y-%m}", formats.date_format(month, "YEAR_MONTH_FORMAT"),
                      figures.by_month[month]) for month in figures.months]
    return Report(figures=figures, departments=department_rows, services=service_rows,
                  months=month_rows)


def _form(request: HttpRequest, departments: list[Department],
          services: list[tuple[int, str, str]]) -> StatisticsFilterForm:
    query = request.GET.copy()
    query.pop("format", None)
    form = StatisticsFilterForm(
        query if query else None,
        departments=[(department.pk, department.name) for department in departments],
        services=[(pk, title) for pk, _slug, title in services])
    if form.is_bound:
        form.is_valid()
    return form


@statistics_required
def statistics(request: HttpRequest) -> HttpResponse:
    """Case figures of the user's departments per department, service and month; or the CSV."""
    departments = _departments(_user(request))
    department_ids = [department.pk for department in departments]
    services = _services(department_ids)
    form = _form(request, departments, services)
    scope = _scope(form, department_ids)
    report = _report(case_figures(scope), departments, services)
    if request.GET.get("format") == "csv":
        return _csv(report)
    errors = form_errors(form) if form.is_bound else []
    query = request.GET.copy()
    query["format"] = "csv"
    return render(request, "staff/statistics.html", {
        "form": form, "errors": errors, "report": report, "scope": scope,
        "total": report.figures.total, "departments": departments,
        "received_chart": _received_chart(report),
        "time_chart": _time_chart(report),
        "csv_query": query.urlencode(),
    }, status=400 if errors else 200)


def _received_chart(report: Report) -> str:
    months = report.months
    online = [row.tally.channels[CaseChannel.ONLINE] for row in months]
    staff = [row.tally.received - row.tally.channels[CaseChannel.ONLINE] for row in months]
    return bar_chart(
        chart_id="received",
        title=_("Applications received per month by channel"),
        description=_("%(online)s received online (solid bars) and %(staff)s at the counter "
                      "or by phone (hatched bars, stacked on top). The table below the chart "
                      "lists every month.") % {"online": sum(online), "staff": sum(staff)},
        categories=[_short_month(row.key) for row in months],
        series=[Series(_("online"), online),
                Series(_("counter or phone"), staff, "hatched")],
        stacked=True)


def _time_chart(report: Report) -> str:
    months = report.months
    return bar_chart(
        chart_id="processing",
        title=_("Processing time per month of receipt, in days"),
        description=_("For the cases received in each month and decided or ended since: the "
                      "median (solid bars) and the 90th percentile (hatched bars) of the days "
                      "from receipt to decision. Over the whole period: median %(median)s, "
                      "90th percentile %(p90)s. The table below the chart lists every month.")
        % {"median": _days(report.figures.total.median_days),
           "p90": _days(report.figures.total.p90_days)},
        categories=[_short_month(row.key) for row in months],
        series=[Series(_("median"), [row.tally.median_days for row in months]),
                Series(_("90th percentile"), [row.tally.p90_days for row in months], "hatched")])


def _short_month(key: str) -> str:
    year, month = key.split("-")
    return f"{month}/{year[2:]}"


def _days(value: int | None) -> str:
    return "–" if value is None else str(value)


# -- CSV ---------------------------------------------------------------------------------------

CSV_COLUMNS = ("received", "open", "overdue", *Outcome.values, "ended_otherwise",
               "median_days", "p90_days", "timed_cases", *CaseChannel.values)


def _csv_values(tally: Tally) -> list[object]:
    return [tally.received, tally.open, tally.overdue,
            *[tally.outcomes[outcome] for outcome in Outcome.values], tally.ended_otherwise,
            tally.median_days, tally.p90_days, tally.timed,
            *[tally.channels[channel] for channel in CaseChannel.values]]


def _csv(report: Report) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    rows = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    rows.writerow(["table", "key", "name", *CSV_COLUMNS])
    scope = report.figures.scope
    rows.writerow(["total", f"{scope.first_month:%Y-%m}..{scope.last_month:%Y-%m}",
                   _csv_cell(_("All counted cases")),
                   *[_csv_cell(value) for value in _csv_values(report.figures.total)]])
    for table, found in (("department", report.departments), ("service", report.services),
                         ("month", report.months)):
        for row in found:
            rows.writerow([table, _csv_cell(row.key), _csv_cell(row.name),
                           *[_csv_cell(value) for value in _csv_values(row.tally)]])
    response = HttpResponse(buffer.getvalue().encode("utf-8"),
                            content_type="text/csv; charset=utf-8")
    name = f"vorgaenge-{scope.first_month:%Y%m}-{scope.last_month:%Y%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# -- Maturity ----------------------------------------------------------------------------------


@maturity_required
def maturity_report(request: HttpRequest) -> HttpResponse:
    """The OZG maturity level of every active service, criterion by criterion."""
    found = maturity.assess_catalog()
    return render(request, "staff/maturity.html", {
        "assessments": found, "criteria": maturity.criteria(),
        "levels": maturity.level_counts(found),
    })
