"""Statistics of the appointment calendars for staff: figures, charts and a CSV download.

Counts only, never a person. Staff sign in with their second factor (rathaus.staff); the page
needs ``appointments.view_statistics``.

The CSV is for German Excel, which opens a double-clicked file with the system's list separator
(a semicolon in German locales) and reads it as UTF-8 only when it starts with a byte-order mark:
so UTF-8 with BOM, ``;`` between fields, CRLF line ends, dates as ISO 8601 (Excel reads them as
dates) and percentages with a decimal comma.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathaus.core.access import verified_required

from .charts import Series, bar_chart
from .models import Calendar, Channel, Metric
from .stats import counter
from .stats_figures import (
    CHANNELS,
    MAX_DAYS,
    METRICS_BY_CHANNEL,
    METRICS_ONLINE,
    Figures,
    calendar_figures,
    calendars_with_lists,
)

VIEW_STATISTICS = "appointments.view_statistics"
View = Callable[..., HttpResponse]


# Staff signed in with their second factor who may see statistics; others sign in or get 403.
statistics_permission_required = verified_required(permission=VIEW_STATISTICS)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "kern-form-input__input"},
                           format="%Y-%m-%d")


class RangeForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=_date_input())
    end = forms.DateField(label=gettext_lazy("Until"), required=False, widget=_date_input())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The end of the period is before its start."))
        if start and end and (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(
                _("Please choose at most %(days)s days.") % {"days": MAX_DAYS})
        return data


@statistics_permission_required
def calendars(request: HttpRequest) -> HttpResponse:
    """List the calendars with their current waiting-list and draw-list lengths."""
    counter.flush()
    return render(request, "appointments/stats_calendars.html",
                  {"calendars": calendars_with_lists()})


@statistics_permission_required
def calendar_statistics(request: HttpRequest, slug: str) -> HttpResponse:
    """Show one calendar's figures for a period (default: 30 days back and bookable ahead)."""
    counter.flush()  # this process's last seconds; other processes write theirs every 5 s
    form = RangeForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    try:
        figures = calendar_figures(slug=slug, first=start, last=end)
    except Calendar.DoesNotExist:
        raise Http404 from None
    start, end = figures.first, figures.last
    if request.GET.get("format") == "csv":
        return _csv(figures)
    return render(request, "appointments/stats_calendar.html", {
        "figures": figures,
        "form": form if form.is_bound else RangeForm(initial={"start": start, "end": end}),
        "start": start, "end": end,
        "summary": _summary(figures),
        "bookings_chart": _bookings_chart(figures),
        "utilisation_chart": _utilisation_chart(figures),
        "day_rows": _day_rows(figures),
        "utilisation_days": [(day, _percent(day.utilisation(Channel.ONLINE)),
                              _percent(day.utilisation(Channel.STAFF)))
                             for day in figures.days_with_slots],
        "csv_query": f"start={start.isoformat()}&end={end.isoformat()}&format=csv",
    })


def _day_rows(figures: Figures) -> list[dict[str, Any]]:
    """Return the events of each day up to today, newest first."""
    today = timezone.localdate()
    return [{
        "day": day.day,
        "requests": day.count(Metric.REQUEST),
        "booked_online": day.count(Metric.BOOKED, Channel.ONLINE),
        "booked_staff": day.count(Metric.BOOKED, Channel.STAFF),
        "cancelled": day.count(Metric.CANCELLED),
        "no_show": day.count(Metric.NO_SHOW),
        "registered": day.count(Metric.REGISTERED),
        "offered": day.count(Metric.OFFERED),
        "offer_accepted": day.count(Metric.OFFER_ACCEPTED),
        "offer_lapsed": day.count(Metric.OFFER_LAPSED),
        "waiting_room": day.count(Metric.WAITING_ROOM),
    } for day in reversed(figures.days) if day.day <= today]


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _summary(figures: Figures) -> list[tuple[str, int | str, int | str, str]]:
    """Rows of (what, online, phone or counter, note) for the totals table."""

    def share(metric: str) -> str:
        online = figures.share(metric, Channel.ONLINE)
        if online is None:
            return ""
        return _("%(online)s %% online, %(staff)s %% by phone or at the counter") % {
            "online": formats.number_format(round(online * 100, 1), 1),
            "staff": formats.number_format(round((1 - online) * 100, 1), 1)}

    rows: list[tuple[str, int | str, int | str, str]] = [
        (str(Metric(metric).label), figures.total(metric, Channel.ONLINE),
         figures.total(metric, Channel.STAFF), share(metric) if metric == Metric.BOOKED else "")
        for metric in METRICS_BY_CHANNEL
    ]
    rows += [(str(Metric(metric).label), figures.total(metric, Channel.ONLINE), "–", "")
             for metric in METRICS_ONLINE]
    return rows


def _day_label(day: dt.date) -> str:
    return f"{day:%d.%m.}"


def _bookings_chart(figures: Figures) -> str:
    online = figures.total(Metric.BOOKED, Channel.ONLINE)
    staff = figures.total(Metric.BOOKED, Channel.STAFF)
    past = [day for day in figures.days if day.day <= timezone.localdate()]
    return bar_chart(
        chart_id="bookings",
        title=_("Bookings per day by channel"),
        description=_("From %(start)s to %(end)s: %(online)s bookings online (solid bars) and "
                      "%(staff)s by phone or at the counter (hatched bars, stacked on top). "
                      "The table below the chart lists every day.") % {
            "start": formats.date_format(figures.first, "SHORT_DATE_FORMAT"),
            "end": formats.date_format(past[-1].day if past else figures.last,
                                       "SHORT_DATE_FORMAT"),
            "online": online, "staff": staff},
        categories=[_day_label(day.day) for day in past],
        series=[Series(_("online"), [day.count(Metric.BOOKED, Channel.ONLINE) for day in past]),
                Series(_("phone or counter"),
                       [day.count(Metric.BOOKED, Channel.STAFF) for day in past], "hatched")],
        stacked=True)


def _utilisation_chart(figures: Figures) -> str:
    days = figures.days_with_slots
    online, staff = figures.utilisation(Channel.ONLINE), figures.utilisation(Channel.STAFF)
    return bar_chart(
        chart_id="utilisation",
        title=_("Utilisation per day by channel"),
        description=_("Share of the places taken on each day with appointments, online (solid "
                      "bars) and for phone or counter (hatched bars). Over the period: "
                      "%(online)s online, %(staff)s phone or counter. The table below the chart "
                      "lists every day.") % {
            "online": _format_percent(online), "staff": _format_percent(staff)},
        categories=[_day_label(day.day) for day in days],
        series=[Series(_("online"), [_percent(day.utilisation(Channel.ONLINE)) for day in days]),
                Series(_("phone or counter"),
                       [_percent(day.utilisation(Channel.STAFF)) for day in days], "hatched")],
        maximum=100, unit=" %")


def _format_percent(share: float | None) -> str:
    if share is None:
        return _("no places")
    return f"{formats.number_format(round(share * 100, 1), 1)} %"


# -- CSV ---------------------------------------------------------------------------------------


def _csv(figures: Figures) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    rows = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    rows.writerow([_("date"), _("figure"), _("meaning"), _("channel"), _("value")])
    channel_names = {Channel.ONLINE: "online", Channel.STAFF: "staff"}
    for day in figures.days:
        date = day.day.isoformat()
        for metric in METRICS_BY_CHANNEL:
            for channel in CHANNELS:
                rows.writerow([date, metric, Metric(metric).label, channel_names[channel],
                               day.count(metric, channel)])
        for metric in METRICS_ONLINE:
            rows.writerow([date, metric, Metric(metric).label, "online",
                           day.count(metric, Channel.ONLINE)])
        for channel in CHANNELS:
            name = channel_names[channel]
            rows.writerow([date, "places", _("places in slots"), name, day.capacity[channel]])
            rows.writerow([date, "places_taken", _("places taken"), name, day.booked[channel]])
            share = day.utilisation(channel)
            rows.writerow([date, "utilisation_percent", _("utilisation in percent"), name,
                           "" if share is None else f"{share * 100:.1f}".replace(".", ",")])
    today = timezone.localdate().isoformat()
    rows.writerow([today, "waiting_list_length", _("people on the waiting list now"), "",
                   figures.waiting_list])
    rows.writerow([today, "draw_list_length", _("people on the draw list now"), "",
                   figures.draw_list])
    response = HttpResponse(buffer.getvalue().encode("utf-8"),
                            content_type="text/csv; charset=utf-8")
    name = f"termine-{figures.calendar.slug}-{figures.first:%Y%m%d}-{figures.last:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
