"""One convention for a target's marker on every chart that draws aims over the months (capacity,
share, the other goals): a star where the measure's median meets the aim at the target's month, an X
where the median misses it; the legend says which is which (the report's charts do the same,
:mod:`sim.report.charts`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..colours import TARGET_COLOUR
from ..scenario.criteria import CRITERIA

if TYPE_CHECKING:
    from .context import PlotContext

MET_LABEL = "target, met at the median"
MISSED_LABEL = "target, missed at the median"


def median_meets(metric: str, value: float, figure: float) -> bool | None:
    """Whether ``value`` meets ``figure`` in criterion ``metric``'s direction (None when unknown)."""
    if value is None or not math.isfinite(value):
        return None
    if CRITERIA[metric].at_least:
        return value >= figure * (1 - 1e-9)
    return value <= figure * (1 + 1e-9)


def mark_missed(ax: Axes, context: PlotContext, metric: str, median: pd.Series) -> int:
    """Turn the stars :func:`sim.plots.style.mark_targets` drew for ``metric`` into Xs where the
    ``median`` (by month, unscaled) misses the aim at the target's month; how many it turned."""
    by_name = {t.name: t for t in context.targets if metric in t.criteria}
    missed = 0
    for line in ax.lines:
        gid = line.get_gid() or ""
        target = by_name.get(gid[len("target:"):]) if gid.startswith("target:") else None
        value = float(median.get(target.by, float("nan"))) if target is not None else float("nan")
        if target is not None and median_meets(metric, value, target.criteria[metric]) is False:
            line.set_marker("X")
            line.set_markersize(11)
            line.set_gid(f"target-missed:{target.name}")
            missed += 1
    return missed


def aim_handles(ax: Axes) -> list[Line2D]:
    """Legend entries for the target markers drawn on ``ax``: the star (met), the X (missed), each only
    when drawn."""
    gids = [line.get_gid() or "" for line in ax.lines]
    handles = []
    if any(g.startswith("target:") for g in gids):
        handles.append(Line2D([], [], linestyle="none", marker="*", markersize=12, color=TARGET_COLOUR,
                              label=MET_LABEL))
    if any(g.startswith("target-missed:") for g in gids):
        handles.append(Line2D([], [], linestyle="none", marker="X", markersize=9, color=TARGET_COLOUR,
                              label=MISSED_LABEL))
    return handles
