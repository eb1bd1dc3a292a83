"""Bar charts as server-rendered SVG: no JavaScript, no third-party code.

Each chart names itself (``<title>``, ``<desc>``) for assistive technology and stands next to a
table with the same numbers. Series differ by fill *and* pattern (solid, hatched) and are named
in a legend, so nothing depends on telling colours apart; both colours have at least 4.5:1
contrast against white, the axis text more than 7:1. Only presentation attributes are used
(no ``style``), which the site's Content Security Policy allows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 52, 8, 36, 40
TEXT = "#1a1a1a"
GRID = "#767676"
COLOURS = {"solid": "#123b8c", "hatched": "#8a4b00"}
TICKS = 4  # at most this many steps on the value axis


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    look: Literal["solid", "hatched"] = "solid"


def _nice_step(value: float) -> float:
    """Return the smallest whole 1, 2 or 5 times a power of ten at or above ``value``."""
    if value <= 1:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 5.0):
        if value <= step * power:
            return step * power
    return 10.0 * power


def _number(value: float) -> str:
    return f"{value:g}"


def bar_chart(*, chart_id: str, title: str, description: str, categories: Sequence[str],
              series: Sequence[Series], stacked: bool = False, maximum: float | None = None,
              unit: str = "") -> SafeString:
    """Return an SVG bar chart: one group (or stack) of bars per category."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(categories), 1)
    if maximum is None:
        if stacked:
            peak = max((sum(s.values[i] or 0 for s in series) for i in range(len(categories))),
                       default=0)
        else:
            peak = max((v or 0 for s in series for v in s.values), default=0)
        step = _nice_step(peak / TICKS)
        maximum = step * max(1, math.ceil(peak / step))
    else:
        step = maximum / TICKS
    band = plot_w / count

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * min(value, maximum) / maximum

    parts: list[SafeString] = []
    for index in range(round(maximum / step) + 1):
        tick = step * index
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="{}"/>'
            '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="{}">{}{}</text>',
            LEFT, WIDTH - RIGHT, f"{y(tick):.1f}", f"{y(tick):.1f}", GRID,
            "1" if index == 0 else "0.5", LEFT - 6, f"{y(tick) + 4:.1f}", TEXT,
            _number(tick), unit))
    label_every = max(1, math.ceil(len(categories) / 12))
    for index, name in enumerate(categories):
        left = LEFT + index * band
        if index % label_every == 0:
            parts.append(format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{}">{}</text>',
                f"{left + band / 2:.1f}", HEIGHT - BOTTOM + 16, TEXT, name))
        base = 0.0
        for number, item in enumerate(series):
            value = item.values[index]
            if not value:
                continue
            if stacked:
                width, x = band * 0.7, left + band * 0.15
                top, bottom = y(base + value), y(base)
                base += value
            else:
                width = band * 0.8 / len(series)
                x = left + band * 0.1 + number * width
                top, bottom = y(value), y(0)
            parts.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" '
                'stroke-width="1"/>',
                f"{x:.1f}", f"{top:.1f}", f"{max(width, 0.5):.1f}",
                f"{max(bottom - top, 0.5):.1f}", _fill(chart_id, item.look),
                COLOURS[item.look]))
    legend = format_html_join("", (
        '<rect x="{}" y="8" width="16" height="16" fill="{}" stroke="{}"/>'
        '<text x="{}" y="21" font-size="13" fill="{}">{}</text>'), (
        (LEFT + i * 220, _fill(chart_id, s.look), COLOURS[s.look], LEFT + i * 220 + 22, TEXT,
         s.label) for i, s in enumerate(series)))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="{}-title {}-desc" focusable="false" class="chart">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<defs><pattern id="{}-hatched" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="{}" stroke-width="3"/></pattern></defs>'
        '{}{}</svg>',
        WIDTH, HEIGHT, chart_id, chart_id, chart_id, title, chart_id, description, chart_id,
        COLOURS["hatched"], legend, mark_safe("".join(parts)))  # every part is from format_html


def _fill(chart_id: str, look: str) -> str:
    return COLOURS["solid"] if look == "solid" else f"url(#{chart_id}-hatched)"
