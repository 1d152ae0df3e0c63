"""Targets drawn on a plot: a star at (month ``by``, minimum) for each target of the plotted metric,
labels that never cover each other nor (where there is room) the median line, with the probability
each target is met; and the legend's handle for them."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..months import horizon_months, month_index
from .context import TARGET_COLOUR, PlotContext, TargetMark, pick_variant
from .style import month_dates, points_per_unit

def target_probabilities(targets: pd.DataFrame | None, variant: str | None) -> dict[str, float]:
    if targets is None or targets.empty:
        return {}
    rows = pick_variant(targets, variant)
    return dict(zip(rows["target"], rows["probability"].astype(float)))


TARGET_FONT_PT = 9


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


LABEL_Z = 1.8
"""A target's label lies under the data lines (zorder 2) and over the bands (1): its faint box never
hides a median (gansu's 2025 PUE peak, the racks curve under 'aim 2026')."""


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


def target_legend_handle() -> Line2D:
    return Line2D([], [], linestyle="none", marker="*", markersize=12, color=TARGET_COLOUR, label="target")

