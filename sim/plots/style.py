"""What every plot shares: its figure and axes (dates, ticks, titles, grid), median lines and
P10-P90 bands, the y range and the legend. The colours, labels and :class:`PlotContext` are in
:mod:`sim.plots.context`, the targets' stars and labels in :mod:`sim.plots.marks`.

Conventions shared by every plot:

* colours: :data:`CLASS_COLOURS` for the classes of compute, :func:`variant_colours` for
  variants (the base variant is always dark grey), both in :mod:`sim.plots.context`;
* months are dates; every monthly value is drawn at the *end* of its month, as the targets (and
  the report, :mod:`sim.report.timeaxis`): a stock as a step spanning its month up to the star of a
  target ``by`` that month; a flow (power, PUE: the month's average) as a line through month ends;
* bands are P10 to P90 across replications, lines the median (P50);
* a legend lists only what is drawn: a band too narrow to see beside its line, an area too thin
  to see, a series that is 0 in every month are left out (:func:`drop_thin_bands`);
* every axis names its unit; numbers carry thousands separators.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

BAND_ALPHA = 0.22


# --- small helpers ---------------------------------------------------------------------------


class Thousands(Formatter):
    """Tick labels with thousands separators and as few decimals as the ticks need (1,500; 0.25)."""

    def __init__(self) -> None:
        self.ticks: list[float] = []

    def set_locs(self, locs) -> None:
        self.ticks = [float(v) for v in locs]

    def __call__(self, x: float, pos: int | None = None) -> str:
        decimals = tick_decimals([*self.ticks, x])
        text = f"{x:,.{decimals}f}"
        return "0" if float(x) == 0 else text


def tick_decimals(values: Sequence[float], most: int = 6) -> int:
    for d in range(most + 1):
        if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 * max(1.0, abs(v * 10**d)) for v in values):
            return d
    return most


def month_dates(labels: Sequence[str], where: str = "start") -> np.ndarray:
    """'YYYY-MM' labels -> datetime64 at the ``start``, ``mid`` or ``end`` of each month."""
    if where not in ("start", "mid", "end"):
        raise ValueError(f"where must be start, mid or end (got {where!r})")
    texts = [str(label) for label in labels]
    bad = [t for t in texts if not (len(t) == 7 and t[4] == "-" and t[:4].isdigit() and t[5:].isdigit())]
    if bad:
        raise ValueError(f"months must be 'YYYY-MM' (got {bad[0]!r})")
    months = np.array(texts, dtype="datetime64[M]")
    start = months.astype("datetime64[us]")
    if where == "start":
        return start
    end = (months + 1).astype("datetime64[us]")
    return end if where == "end" else start + (end - start) // 2


def metric_rows(table: pd.DataFrame, metric: str, key: str = "month") -> pd.DataFrame:
    """Rows of one metric, indexed by ``key`` (month or year), in table order."""
    rows = table[table["metric"] == metric]
    if rows.empty:
        raise ValueError(f"the table has no metric {metric!r}")
    return rows.set_index(key)


def month_steps(rows: pd.DataFrame, columns: Sequence[str], scale: float = 1.0):
    """Month edges (n + 1 dates) and each column's values with the last one repeated: for
    ``step="post"`` drawing, so that each month's value spans its month."""
    x = np.append(month_dates(rows.index, "start"), month_dates(rows.index[-1:], "end"))
    values = {c: np.append(rows[c].to_numpy(float), rows[c].to_numpy(float)[-1:]) * scale for c in columns}
    return x, values


def new_figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


class MonthLocator(mdates.AutoDateLocator):
    """matplotlib's automatic date ticks (4 to 10 of them), computed once per axis range.

    Laying out and drawing a figure asks an axis for its ticks a dozen times, always over the same
    range; matplotlib's date locator builds a calendar rule (dateutil's ``rrule``) every time."""

    def __init__(self) -> None:
        super().__init__(minticks=4, maxticks=10)
        self._ticks: tuple[tuple[float, float], Any] | None = None

    def __call__(self):
        view = tuple(self.axis.get_view_interval()) if self.axis is not None else None
        if view is None or self._ticks is None or self._ticks[0] != view:
            ticks = super().__call__()
            if view is None:
                return ticks
            self._ticks = (view, ticks)
        return self._ticks[1]


class MonthFormatter(mdates.ConciseDateFormatter):
    """matplotlib's concise date labels (years, then months), formatted once per set of ticks."""

    def __init__(self, locator: mdates.DateLocator) -> None:
        super().__init__(locator, show_offset=False)
        self._labels: tuple[tuple[float, ...], list[str]] | None = None

    def format_ticks(self, values):
        key = tuple(float(v) for v in values)
        if self._labels is None or self._labels[0] != key:
            self._labels = (key, super().format_ticks(values))
        return list(self._labels[1])


def date_axis(ax: Axes) -> None:
    locator = MonthLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(MonthFormatter(locator))
    ax.set_xlabel("month")


def set_title(ax: Axes, text: str, **kwargs) -> None:
    """The axes' title at its top edge. A fixed place: matplotlib would otherwise look for tick
    labels above the axes (these plots have none) at every draw, laying out the y axis each time."""
    ax.set_title(text, y=1.0, **kwargs)


def style_axes(ax: Axes) -> None:
    ax.grid(True, color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


LINE_PT = 2.0
"""Width of a median line, points."""
VISIBLE_PT = 1.0
"""Less than this, in points, is not drawn: a band this much wider than its line on either side,
an area this thick."""


@dataclass(frozen=True)
class Band:
    """A P10-P90 band drawn by :func:`median_band`: its artist, and its width (P90 - P10, in the
    y axis' units) in each month."""

    artist: Any
    width: np.ndarray


def points_per_unit(ax: Axes) -> float:
    """Points per y-axis unit at the axes' size and y range as they are now (before the layout:
    the figure's default margins, close enough to tell what is too thin to see)."""
    box, parent = ax.get_position(), ax.figure  # the axes' position is a fraction of its (sub)figure
    height_pt = box.height * parent.bbox.height * 72 / parent.figure.dpi
    y0, y1 = ax.get_ylim()
    return height_pt / (abs(y1 - y0) or 1.0)


def wide_enough(ax: Axes, width, line_pt: float = LINE_PT) -> bool:
    """Whether a band of ``width`` (y units, per month) shows beside a median line of ``line_pt``:
    wider than the line by :data:`VISIBLE_PT` on either side in some month."""
    width = np.asarray(width, dtype=float)
    largest = float(np.nanmax(width)) if width.size and np.isfinite(width).any() else 0.0
    return largest * points_per_unit(ax) >= line_pt + 2 * VISIBLE_PT


def drop_thin_bands(ax: Axes, bands: Sequence[Band]) -> bool:
    """Remove the bands too narrow to see beside their median line (:func:`wide_enough`, with the
    y range as it is now, which is kept), so that the legend lists only what shows; whether any
    band is left. Call it once the y range is set."""
    thin = [band for band in bands if not wide_enough(ax, band.width)]
    if thin:
        ax.set_ylim(ax.get_ylim())
    for band in thin:
        band.artist.remove()
    return len(thin) < len(bands)


def median_band(ax: Axes, rows: pd.DataFrame, colour: str, label: str, scale: float = 1.0,
                stock: bool = False) -> Band:
    """Median line and P10-P90 band of monthly ``rows``: a stock as steps spanning each month, a
    flow as a line through the end of each month. Returns the band (for :func:`drop_thin_bands`)."""
    width = (rows["p90"].to_numpy(float) - rows["p10"].to_numpy(float)) * scale
    if stock:
        x, q = month_steps(rows, ("p10", "p50", "p90"), scale)
        band = ax.fill_between(x, q["p10"], q["p90"], step="post", color=colour, alpha=BAND_ALPHA, linewidth=0,
                               label=f"{label}, P10 to P90", gid=f"band:{label}")
        ax.step(x, q["p50"], where="post", color=colour, linewidth=LINE_PT, label=f"{label}, median",
                gid=f"median:{label}")
        return Band(band, width)
    x = month_dates(rows.index, "end")
    band = ax.fill_between(x, rows["p10"] * scale, rows["p90"] * scale, color=colour, alpha=BAND_ALPHA,
                           linewidth=0, label=f"{label}, P10 to P90", gid=f"band:{label}")
    ax.plot(x, rows["p50"] * scale, color=colour, linewidth=LINE_PT, label=f"{label}, median", gid=f"median:{label}")
    return Band(band, width)


def fit_ylim(ax: Axes, values: Sequence[float], lowest: float = 0.0, highest: float | None = None,
             zero_below: float = 0.25, label_below: float | None = None) -> None:
    """A y range that fits ``values`` (the data and the targets) with a margin, inside
    [``lowest``, ``highest``]; it starts at ``lowest`` when the smallest value is within
    ``zero_below`` of the span from ``lowest`` to the largest, so that a narrow band far from 0
    (92-98%) stays visible and a curve rising from 0 keeps its 0. With ``label_below`` (the value of
    a target whose label hangs under its star) the bottom leaves room for two lines of label."""
    data = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if data.size == 0:
        return
    lo, hi = float(data.min()), float(data.max())
    if lo - lowest <= zero_below * (hi - lowest):
        lo = lowest
    span = max(hi - lo, 0.05 * max(abs(hi), 1e-9))
    margin = 0.3 if label_below is not None and label_below <= lo + 0.1 * span else 0.12
    bottom = max(lowest, lo - margin * span) if lo > lowest else lowest
    top = hi + 0.15 * span
    if highest is not None:
        top = min(top, highest)
    ax.set_ylim(bottom, top)


def legend_right(ax: Axes, handles, title: str | None) -> None:
    """Legend in the right margin, clear of the data and the target labels."""
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False,
              title=title, title_fontsize=8, alignment="left", borderaxespad=0)


def in_basis(unit: str, basis: str, short_chars: int = 30) -> str:
    """``EFLOPS (FP16 equivalent)``; a longer basis, or one with brackets, is left to the title."""
    return f"{unit} (basis in the title)" if "(" in basis or len(basis) > short_chars else f"{unit} ({basis})"


def wrap(text: str, width: int) -> str:
    """Break a long title or axis label (long accounting labels) over several lines."""
    return textwrap.fill(text, width=width, break_long_words=False)
