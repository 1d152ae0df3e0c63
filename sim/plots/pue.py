"""The pue plot (see :mod:`sim.plots` for the conventions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .goals import mark_year_aims, year_medians, year_spans
from .context import (
    CLASS_COLOURS,
    MEDIAN_COLOUR,
    PlotContext,
    context_or_default,
    pick_variant,
)
from .marks import target_probabilities
from .style import (
    Thousands,
    date_axis,
    drop_thin_bands,
    legend_right,
    median_band,
    metric_rows,
    month_dates,
    new_figure,
    set_title,
    style_axes,
)


def pue(monthly: pd.DataFrame, annual: pd.DataFrame | None = None, context: PlotContext | None = None,
        ax: Axes | None = None, variant: str | None = None, targets: pd.DataFrame | None = None) -> Figure:
    """Monthly PUE (facility energy / IT energy) across the horizon, median and P10-P90 band, and
    each calendar year's energy-weighted PUE (median, from ``annual``) as a dashed step. A band
    too narrow to see beside the line is left out, and the legend says so. Each target's PUE aim
    across the calendar year of its month (:func:`sim.plots.goals.mark_year_aims`; the share of
    runs meeting the whole target from ``targets``)."""
    context = context_or_default(context)
    fig, ax = new_figure(ax, (10, 4.5))
    rows = metric_rows(pick_variant(monthly, variant), "pue")
    band = median_band(ax, rows, CLASS_COLOURS["general"], "monthly PUE")
    if annual is not None and "pue" in set(annual["metric"]):
        years = metric_rows(pick_variant(annual, variant), "pue", key="year")
        months = pd.Series(rows.index, index=rows.index)
        first = True
        for year, value in years["p50"].items():
            inside = months[months.str.startswith(f"{int(year):04d}-")]
            if inside.empty or not np.isfinite(value):
                continue
            span = [month_dates([inside.iloc[0]], "start")[0], month_dates([inside.iloc[-1]], "end")[0]]
            ax.plot(span, [value, value], color=MEDIAN_COLOUR, linestyle="--", linewidth=1.2,
                    label="calendar-year PUE, median" if first else None,
                    gid=f"annual-pue:{int(year)}")
            first = False
    style_axes(ax)
    date_axis(ax)
    spans = year_spans(rows.index)
    aims = [t.criteria["pue"] for t in context.targets if "pue" in t.criteria]
    if aims:
        low, high = ax.get_ylim()
        ax.set_ylim(min(low, min(aims) - 0.02), max(high, max(aims) + 0.25 * (high - low)))
    mark_year_aims(ax, context, "pue", target_probabilities(targets, variant), 1.0, "",
                   {y: (a + b) / 2 for y, (a, b) in spans.items()}, year_medians(annual, "pue", variant), spans)
    ax.yaxis.set_major_formatter(Thousands())
    ax.set_ylabel("PUE (facility energy / IT energy)")
    set_title(ax, f"{context.name}: power usage effectiveness by month", loc="left", fontweight="bold")
    legend_right(ax, None, context.band_note(drop_thin_bands(ax, [band])))
    return fig
