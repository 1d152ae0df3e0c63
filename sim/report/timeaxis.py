"""One time axis for every chart of a report page.

A monthly value (a stock at the end of its month, or a flow over the month) is drawn at the last
day of its month, where the targets are drawn too, so that hovering a target shows the value the
text quotes for that month; the hover's header reads "Dec 2026 (end of month)". Every chart of
one page with a month axis gets the same x range (:func:`share_x_range`): from the first day of
the earliest month drawn to a little after the latest, so that no bar or marker is cut at the
right edge. Annual bars have a categorical year axis (ticks "2025", "2026", never "2,025.5").
"""

from __future__ import annotations

import calendar
import datetime
import re

END_OF_MONTH = "%b %Y (end of month)"
"""The hover header of a month axis (d3's time format): 'Dec 2026 (end of month)'."""
DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
RIGHT_PAD = 0.03
"""Room after the latest date drawn, as a share of the range (no marker cut at the edge)."""


def month_end(month: str) -> str:
    """The last day of ``month`` ('2026-12' -> '2026-12-31'): where its value is drawn."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year:04d}-{number:02d}-{calendar.monthrange(year, number)[1]:02d}"


def month_start(month: str) -> str:
    """The first day of ``month`` ('2026-12' -> '2026-12-01')."""
    return f"{month[:7]}-01"


def month_axis(fig, **where) -> None:
    """Make the x axes of ``fig`` (or of one cell, ``row``/``col``) month axes: dates, hover header
    'Dec 2026 (end of month)'."""
    fig.update_xaxes(type="date", hoverformat=END_OF_MONTH, **where)


def year_axis(fig, **where) -> None:
    """A categorical axis of calendar years: ticks '2025', '2026', in the order given."""
    fig.update_xaxes(type="category", **where)


def _days(value) -> int | None:
    """Days since 0001-01-01 of 'YYYY-MM-DD' (None for anything else)."""
    match = DAY.match(str(value)) if value is not None else None
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    return datetime.date(year, month, day).toordinal()


def _date(days: int) -> str:
    return datetime.date.fromordinal(days).isoformat()


def date_axes(layout: dict) -> list[str]:
    """Names of the layout's x axes of type date ('xaxis', 'xaxis2', ...)."""
    return [k for k, v in layout.items() if re.fullmatch(r"xaxis\d*", k) and isinstance(v, dict)
            and v.get("type") == "date"]


def x_range(figures) -> list[str] | None:
    """[first day of the earliest month, latest date + :data:`RIGHT_PAD`] over the dates drawn on
    the month axes of ``figures`` (plotly dicts or :class:`~sim.report.figure.Figure`), or None."""
    found = []
    for fig in figures:
        layout, data = (fig.layout, fig.data) if hasattr(fig, "layout") else (fig["layout"], fig["data"])
        axes = {("x" + name[5:]) for name in date_axes(layout)}
        for item in data:
            if item.get("xaxis", "x") in axes:
                found += [d for d in (_days(v) for v in item.get("x") or ()) if d is not None]
    if not found:
        return None
    low, high = min(found), max(found)
    first = _date(low)[:7] + "-01"
    start = _days(first)
    return [first, _date(high + max(10, round((high - start) * RIGHT_PAD)))]


def share_x_range(charts) -> None:
    """Give every month axis of ``charts`` (of one page) the same range (:func:`x_range`)."""
    span = x_range([c.figure for c in charts])
    if span is None:
        return
    for chart in charts:
        for name in date_axes(chart.figure.layout):
            chart.figure.layout[name].update(range=list(span), autorange=False)
