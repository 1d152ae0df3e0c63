"""What every plot shares: colours, labels, the :class:`PlotContext`, axes helpers.

Conventions shared by every plot:

* colours: :data:`CLASS_COLOURS` for the classes of compute, :func:`variant_colours` for
  variants (the base variant is always dark grey);
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import Formatter

from ..colours import CLASS_COLOURS, MEDIAN_COLOUR, SERIES_COLOURS, TARGET_COLOUR, VARIANT_PALETTE  # noqa: F401
from ..months import horizon_months, month_index
from ..scenario.variants import variant_label
from ..scenario.criteria import CRITERIA

CLASS_ORDER = ("general", "intelligent", "supercomputing")
CLASS_LABELS = {"general": "general", "intelligent": "intelligent (AI)", "supercomputing": "supercomputing"}
OTHER_CLASS_COLOUR = "#937860"
BASE_VARIANT = "base"
BAND_ALPHA = 0.22
COMPARE_OUTPUTS = ("target_probability", "total_eflops", "intelligent_share", "reached_month",
                   "energy_mwh", "peak_facility_mw", "subsidy_cny", "voucher_cny", "carbon_t", "grid_binds",
                   "supply_binds")
"""Outputs of compare.csv drawn as difference bars, in this order; others follow."""
OUTPUT_LABELS = {
    "target_probability": "probability target met",
    "total_eflops": "total EFLOPS",
    "intelligent_share": "AI-compute share",
    "reached_month": "month target first met",
    "energy_mwh": "energy",
    "peak_facility_mw": "peak facility power",
    "subsidy_cny": "subsidy",
    "voucher_cny": "compute vouchers",
    "carbon_t": "carbon emissions",
    "grid_binds": "share of runs in which the grid limit binds",
    "supply_binds": "share of runs in which the accelerator supply binds",
}


# --- what the plots are about ----------------------------------------------------------------


@dataclass(frozen=True)
class TargetMark:
    """A target as drawn: its name, month ``by`` (YYYY-MM) and criteria {criterion: figure}
    (every criterion of :data:`sim.scenario.criteria.CRITERIA` the target sets)."""

    name: str
    by: str
    criteria: Mapping[str, float] = field(default_factory=dict)
    role: str = "plan"


@dataclass(frozen=True)
class PlotContext:
    """What a plot's titles and markers need beyond the tables.

    Build it from a :class:`~sim.scenario.schema.Scenario` or from ``manifest.json``'s
    ``resolved_scenario`` with :meth:`from_scenario`.
    """

    name: str = "capsim"
    accounting: str = "as reported"
    start: str | None = None
    end: str | None = None
    targets: tuple[TargetMark, ...] = ()
    replications: int | None = None
    variants: tuple[tuple[str, str, str], ...] = ()  # (name, kind or "", plain label) per variant of the scenario
    site_names: Mapping[str, str] = field(default_factory=dict)  # site id -> its name: in the scenario
    project_names: Mapping[str, str] = field(default_factory=dict)  # project id -> its name:

    @classmethod
    def from_scenario(cls, scenario: Any, replications: int | None = None) -> "PlotContext":
        """From a Scenario or its JSON dump (``manifest["resolved_scenario"]``)."""
        data = scenario.model_dump(mode="json", by_alias=True) if hasattr(scenario, "model_dump") else scenario
        targets = tuple(
            TargetMark(t["name"], t["by"], {k: float(t[k]) for k in CRITERIA if t.get(k) is not None},
                       t.get("role") or "plan")
            for t in data.get("targets") or ()
        )
        horizon = data.get("horizon") or {}
        return cls(
            name=data.get("name", cls.name),
            accounting=(data.get("accounting") or {}).get("label", cls.accounting),
            start=horizon.get("start"),
            end=horizon.get("end"),
            targets=targets,
            replications=replications,
            site_names={str(k): str((v or {}).get("name") or k) for k, v in (data.get("sites") or {}).items()},
            project_names={str(p.get("id")): str(p.get("name") or p.get("id"))
                           for p in data.get("projects") or () if isinstance(p, dict)},
            variants=tuple((n, v.get("kind") or "", variant_label(n, v))
                           for n, v in (data.get("variants") or {}).items() if isinstance(v, dict)),
        )

    def band_note(self, band: bool = True) -> str:
        """The legend's title: what the line is, and the band, or that it is too narrow to see."""
        runs = f" of {self.replications:,} replications" if self.replications and self.replications > 1 else ""
        return f"line: median{runs}\n" + ("band: P10 to P90" if band else "P10 to P90: too close to it to show")


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


def variant_colours(variants: Sequence[str]) -> dict[str, str]:
    """Colour per variant: the base dark grey, the others from :data:`VARIANT_PALETTE` in order."""
    colours, others = {}, 0
    for name in dict.fromkeys(variants):
        if name == BASE_VARIANT:
            colours[name] = MEDIAN_COLOUR
        else:
            colours[name] = VARIANT_PALETTE[others % len(VARIANT_PALETTE)]
            others += 1
    return colours


def class_colour(name: str) -> str:
    return CLASS_COLOURS.get(name, OTHER_CLASS_COLOUR)


def pick_variant(table: pd.DataFrame, variant: str | None = None) -> pd.DataFrame:
    """The rows of one variant: ``variant``, else ``base`` when present, else the first one."""
    if "variant" not in table.columns or table.empty:
        return table
    names = list(dict.fromkeys(table["variant"]))
    chosen = variant if variant is not None else (BASE_VARIANT if BASE_VARIANT in names else names[0])
    if chosen not in names:
        raise ValueError(f"no variant {chosen!r} in the table (have {', '.join(names)})")
    return table[table["variant"] == chosen]


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


def target_probabilities(targets: pd.DataFrame | None, variant: str | None) -> dict[str, float]:
    if targets is None or targets.empty:
        return {}
    rows = pick_variant(targets, variant)
    return dict(zip(rows["target"], rows["probability"].astype(float)))


TARGET_FONT_PT = 9
LABEL_Z = 1.8  # a target's label: under the data lines (2), over the bands (1); its faint box hides no median


def _target_note(target: TargetMark, y: float, fmt, probabilities: Mapping[str, float]) -> str:
    note = f"{target.name}: {fmt(y)}"
    if target.name in probabilities:
        whole = "whole target " if len(target.criteria) > 1 else ""
        note += f"\n{whole}met by {target.by} in {probabilities[target.name]:.0%} of runs"
    return note


def _clusters(points: list[tuple[float, float, str]], ax: Axes) -> list[list[int]]:
    """Groups of targets whose labels would overlap: in order of x, a target joins the group before
    it when its star lies within one label's width and the group's labels' height of it
    (estimated in points from the axes' size, the number of lines and characters)."""
    box, parent = ax.get_position(), ax.figure  # the axes' position is a fraction of its (sub)figure
    to_pt = 72 / parent.figure.dpi
    width_pt, height_pt = box.width * parent.bbox.width * to_pt, box.height * parent.bbox.height * to_pt
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1]))
    groups: list[list[int]] = []
    for i in order:
        x, y, note = points[i]
        if groups:
            group = groups[-1]
            lines = sum(points[j][2].count("\n") + 1 for j in group)
            chars = max(len(line) for j in group for line in points[j][2].split("\n"))
            dx = abs(x - points[group[-1]][0]) / ((x1 - x0) or 1) * width_pt
            dy = min(abs(y - points[j][1]) for j in group) / ((y1 - y0) or 1) * height_pt
            if dx < chars * TARGET_FONT_PT * 0.6 + 16 and dy < (lines + 1) * TARGET_FONT_PT * 1.3 + 16:
                group.append(i)
                continue
        groups.append([i])
    return groups


def _place_label(ax: Axes, text: str, x: float, high: float, low: float, early: bool,
                 median: pd.Series | None, scale: float) -> tuple[bool, bool]:
    """Where a target label of ``text`` goes: (to the right of ``x``?, under the stars?). Tried in
    this order: on the side ``early`` prefers (right near the start, else left) above the stars
    (from ``high`` up), below them (from ``low`` down), then the same on the other side; the first
    place the drawn ``median`` (by month, steps included) does not run through, that is inside the
    axes, is taken; if none is free, above on the preferred side. Sizes are estimated in points
    from the axes' size."""
    if median is None or median.empty:
        return early, False
    box, parent = ax.get_position(), ax.figure
    x0, x1 = ax.get_xlim()
    y0, _ = ax.get_ylim()
    lines = text.split("\n")
    axes_pt = box.width * parent.bbox.width * 72 / parent.figure.dpi  # the axes' width, points
    wide = (max(len(line) for line in lines) * TARGET_FONT_PT * 0.6 + 16) / axes_pt * (x1 - x0)  # x units
    tall = (len(lines) * TARGET_FONT_PT * 1.3 + 12) / points_per_unit(ax)  # y units, with offset and box
    near = 10 / points_per_unit(ax)  # the offset from the star
    at = mdates.date2num(month_dates(median.index, "end"))
    values = median.to_numpy(float) * scale

    def crossed(right: bool, bottom: float, top: float) -> bool:
        inside = (at >= x - (0 if right else wide)) & (at <= x + (wide if right else 0))
        v = values[inside]
        if v.size == 0:
            return False
        steps = np.minimum(v[:-1], v[1:]) < top
        steps &= np.maximum(v[:-1], v[1:]) > bottom  # a step between two months through the place
        return bool(((v > bottom) & (v < top)).any() or steps.any())

    for right in (early, not early):
        if (x + wide > x1) if right else (x - wide < x0):
            continue  # no room on this side
        if not crossed(right, high, high + tall):
            return right, False
        if low - tall >= y0 and not crossed(right, low - tall, low - near):
            return right, True
    return early, False


def mark_targets(ax: Axes, context: PlotContext, metric: str, probabilities: Mapping[str, float],
                  scale: float, fmt, median: pd.Series | None = None) -> int:
    """A marker at (month ``by``, minimum) for each target with ``metric``, and labels. The marker
    sits at the end of the month, where the month's value is drawn (a stock's step ends there).

    Targets whose labels would overlap (the same month and value, or close) share one label that
    lists them in order of value, so labels never cover each other. A label goes to the right of its
    star near the start of the horizon, else to the left, above the star; where the drawn
    ``median`` (by month) runs through that place, below the star, or on the other side
    (:func:`_place_label`). Call it after the data are drawn and the y range is set."""
    marks = [t for t in context.targets if metric in t.criteria]
    points = []
    for target in marks:
        x = month_dates([target.by], "end")[0]  # where month ``by``'s value is drawn
        y = target.criteria[metric] * scale
        ax.plot([x], [y], linestyle="none", marker="*", markersize=15, color=TARGET_COLOUR,
                markeredgecolor="white", markeredgewidth=0.8, zorder=5, gid=f"target:{target.name}")
        points.append((mdates.date2num(x), y, _target_note(target, y, fmt, probabilities)))
    for group in _clusters(points, ax):
        group = sorted(group, key=lambda i: -points[i][1])  # highest value first
        anchor = marks[group[0]]
        x, y = month_dates([anchor.by], "end")[0], points[group[0]][1]
        text = "\n".join(points[i][2] for i in group)
        if median is not None and anchor.by in median.index:
            early = list(median.index).index(anchor.by) < 0.4 * len(median.index)
        elif context.start and context.end:
            early = month_index(anchor.by, context.start) < 0.4 * horizon_months(context.start, context.end)
        else:
            early = False
        low = points[group[-1]][1]
        early, below = _place_label(ax, text, mdates.date2num(x), y, low, early, median, scale)
        if below:  # the label hangs under the lowest star of the group
            y = low
        ax.annotate(text, (x, y), xytext=(8 if early else -8, -10 if below else 8),
                    textcoords="offset points", ha="left" if early else "right", va="top" if below else "bottom",
                    fontsize=TARGET_FONT_PT, color=TARGET_COLOUR,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.55},
                    gid="target-label:" + " + ".join(marks[i].name for i in group), zorder=LABEL_Z)
    return len(marks)


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


def target_legend_handle() -> Line2D:
    return Line2D([], [], linestyle="none", marker="*", markersize=12, color=TARGET_COLOUR, label="target")


def in_basis(unit: str, basis: str, short_chars: int = 30) -> str:
    """``EFLOPS (FP16 equivalent)``; a longer basis, or one with brackets, is left to the title."""
    return f"{unit} (basis in the title)" if "(" in basis or len(basis) > short_chars else f"{unit} ({basis})"


def wrap(text: str, width: int) -> str:
    """Break a long title or axis label (long accounting labels) over several lines."""
    return textwrap.fill(text, width=width, break_long_words=False)


def context_or_default(context: PlotContext | None) -> PlotContext:
    return context if context is not None else PlotContext()
