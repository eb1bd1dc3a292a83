"""The cash office's figures: payments by method and state per month, as table, chart and CSV.

Counted by the month a payment was created (the month of the application), in the town's time
zone; amounts are what was asked, in euros. The CSV is written as the case statistics write
theirs: UTF-8 with byte-order mark, ``;``, CRLF, ISO months, text cells guarded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathaus.appointments.charts import Series, bar_chart
from rathaus.appointments.staff_views import form_errors
from rathaus.cases.statistics import MAX_MONTHS, months_between
from rathaus.payments import selectors
from rathaus.payments.models import PaymentState

from .cash_export import csv_cell
from .cash_views import cash_required, money
from .statistics_forms import MonthField

DEFAULT_MONTHS = 12


class MonthsForm(forms.Form):
    start = MonthField(label=gettext_lazy("From (month)"), required=False)
    end = MonthField(label=gettext_lazy("Until (month)"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The last month must not be before the first month."))
        elif start and end and len(months_between(start, end)) > MAX_MONTHS:
            self.add_error("end", _("Please choose at most %(months)s months.")
                           % {"months": MAX_MONTHS})
        return cleaned


@dataclass
class MonthRow:
    key: str
    name: str
    by_method: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)
    count: int = 0
    amount_cents: int = 0
    cells: list[int] = field(default_factory=list)  # by method, then by state, as the header

    @property
    def amount(self) -> str:
        return money(self.amount_cents)


def _months_back(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def _range(form: MonthsForm) -> tuple[dt.date, dt.date]:
    data = getattr(form, "cleaned_data", {}) if not form.errors else {}
    end: dt.date = data.get("end") or timezone.localdate().replace(day=1)
    start: dt.date = data.get("start") or _months_back(end, DEFAULT_MONTHS - 1)
    return start, end


@cash_required
def statistics(request: HttpRequest) -> HttpResponse:
    """Payments per month by method and state; ``?format=csv`` for the spreadsheet."""
    query = request.GET.copy()
    query.pop("format", None)
    form = MonthsForm(query if query else None)
    if form.is_bound:
        form.is_valid()
    start, end = _range(form)
    figures = selectors.monthly_figures(start, end)
    if request.GET.get("format") == "csv":
        return _csv(figures, start, end)
    methods = sorted({figure.method for figure in figures},
                     key=lambda method: selectors.method_label(method))
    rows = {month: MonthRow(f"{month:%Y-%m}", formats.date_format(month, "YEAR_MONTH_FORMAT"),
                            defaultdict(int), defaultdict(int))
            for month in months_between(start, end)}
    total = MonthRow("total", _("All months"), defaultdict(int), defaultdict(int))
    for figure in figures:
        for row in (rows[figure.month], total):
            row.by_method[figure.method] += figure.count
            row.by_state[figure.state] += figure.count
            row.count += figure.count
            row.amount_cents += figure.amount_cents
    for row in (*rows.values(), total):
        row.cells = ([row.by_method.get(method, 0) for method in methods]
                     + [row.by_state.get(state, 0) for state in PaymentState.values])
    errors = form_errors(form) if form.is_bound else []
    csv_query = request.GET.copy()
    csv_query["format"] = "csv"
    months = list(rows.values())
    return render(request, "staff/cash/statistics.html", {
        "form": form, "errors": errors, "start": start, "end": end, "months": months,
        "total": total, "methods": [(m, selectors.method_label(m)) for m in methods],
        "states": PaymentState.choices, "csv_query": csv_query.urlencode(),
        "chart": _chart(months, total),
    }, status=400 if errors else 200)


def _chart(months: list[MonthRow], total: MonthRow) -> str:
    paid = [row.by_state.get(PaymentState.PAID, 0) for row in months]
    other = [row.count - row.by_state.get(PaymentState.PAID, 0) for row in months]
    return bar_chart(
        chart_id="payments",
        title=_("Payments per month"),
        description=_("%(paid)s of %(count)s payments created in the period are paid (solid "
                      "bars); the others are not paid yet, failed, cancelled or refunded "
                      "(hatched bars, stacked on top). The table below the chart lists every "
                      "month by method and state.") % {"paid": sum(paid), "count": total.count},
        categories=[f"{row.key[5:]}/{row.key[2:4]}" for row in months],
        series=[Series(_("paid"), paid), Series(_("other states"), other, "hatched")],
        stacked=True)


def _csv(figures: list[selectors.MonthFigure], start: dt.date, end: dt.date) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    rows = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    rows.writerow(["month", "method", "state", "count", "amount_cents"])
    for figure in figures:
        rows.writerow([f"{figure.month:%Y-%m}", csv_cell(figure.method), figure.state,
                       figure.count, figure.amount_cents])
    response = HttpResponse(buffer.getvalue().encode("utf-8"),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="zahlungen-{start:%Y%m}-'
                                       f'{end:%Y%m}.csv"')
    response["Cache-Control"] = "private, no-store"
    return response
