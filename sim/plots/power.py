"""The power plot (see :mod:`sim.plots` for the conventions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .goals import mark_year_aims, year_medians, year_spans
from .context import (
    MEDIAN_COLOUR,
    SERIES_COLOURS,
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
    new_figure,
    set_title,
    style_axes,
)


def power_monthly(monthly: pd.DataFrame, context: PlotContext | None = None, ax: Axes | None = None,
                  variant: str | None = None, annual: pd.DataFrame | None = None,
                  targets: pd.DataFrame | None = None) -> Figure:
    """IT load and facility power, monthly average MW: median and P10-P90 band of each; each
    target's peak facility MW across the calendar year of its month (the median peak of the year
    from ``annual``'s ``peak_facility_mw``)."""
    context = context_or_default(context)
    fig, ax = new_figure(ax, (10, 4.5))
    table = pick_variant(monthly, variant)
    bands = [median_band(ax, metric_rows(table, metric), SERIES_COLOURS[metric], label)
             for metric, label in (("facility_mw", "facility power"), ("it_load_mw", "IT load"))]
    style_axes(ax)
    date_axis(ax)
    ax.set_ylim(bottom=0)
    aims = [t.criteria["facility_mw"] for t in context.targets if "facility_mw" in t.criteria]
    if aims:
        ax.set_ylim(0, max(ax.get_ylim()[1], max(aims) * 1.25))
    spans = year_spans(metric_rows(table, "facility_mw").index)
    mark_year_aims(ax, context, "facility_mw", target_probabilities(targets, variant), 1.0, "MW peak",
                   {y: (a + b) / 2 for y, (a, b) in spans.items()},
                   year_medians(annual, "peak_facility_mw", variant), spans)
    ax.yaxis.set_major_formatter(Thousands())
    ax.set_ylabel("MW, monthly average")
    set_title(ax, f"{context.name}: IT load and facility power", loc="left", fontweight="bold")
    legend_right(ax, None, context.band_note(drop_thin_bands(ax, bands)))
    return fig


def energy_annual(annual: pd.DataFrame, context: PlotContext | None = None, ax: Axes | None = None,
                  variant: str | None = None, targets: pd.DataFrame | None = None) -> Figure:
    """Facility energy per calendar year, TWh: median bars with P10-P90 whiskers; each target's
    energy quota on the bar of its year."""
    context = context_or_default(context)
    fig, ax = new_figure(ax, (10, 4))
    rows = metric_rows(pick_variant(annual, variant), "energy_mwh", key="year")
    years = [str(int(y)) for y in rows.index]
    twh = 1e-6  # MWh -> TWh
    median = rows["p50"].to_numpy() * twh
    err = np.vstack([median - rows["p10"].to_numpy() * twh, rows["p90"].to_numpy() * twh - median])
    bars = ax.bar(years, median, color=SERIES_COLOURS["facility_mw"], alpha=0.8, width=0.6,
                  label="facility energy, median", gid="bars:energy")
    ax.errorbar(years, median, yerr=np.clip(err, 0, None), fmt="none", ecolor=MEDIAN_COLOUR, capsize=4,
                linewidth=1.2, label="P10 to P90", gid="range:energy")
    ax.bar_label(bars, labels=[f"{v:,.2f}" for v in median], label_type="center", fontsize=8, color="white")
    style_axes(ax)
    ax.grid(False, axis="x")
    ax.set_ylim(bottom=0)
    aims = [t.criteria["energy_mwh"] * twh for t in context.targets if "energy_mwh" in t.criteria]
    if aims:
        ax.set_ylim(0, max(ax.get_ylim()[1], max(aims) * 1.3))
    mark_year_aims(ax, context, "energy_mwh", target_probabilities(targets, variant), twh, "TWh",
                   {int(y): i for i, y in enumerate(years)}, year_medians(annual, "energy_mwh", variant))
    ax.yaxis.set_major_formatter(Thousands())
    part = (context.start and not context.start.endswith("-01")) or (context.end and not context.end.endswith("-12"))
    ax.set_xlabel("calendar year" + (" (first and last: only the months inside the horizon)" if part else ""))
    ax.set_ylabel("TWh per year")
    set_title(ax, f"{context.name}: facility energy per year", loc="left", fontweight="bold")
    legend_right(ax, None, None)
    return fig


def power(monthly: pd.DataFrame, annual: pd.DataFrame, context: PlotContext | None = None,
          variant: str | None = None, targets: pd.DataFrame | None = None) -> Figure:
    """Two panels: monthly IT load and facility power (MW); energy per calendar year (TWh); the
    targets' peak-MW and energy-quota aims on them (``targets``: the share of runs meeting each)."""
    fig = Figure(figsize=(10, 8.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 2])
    power_monthly(monthly, context, top, variant, annual, targets)
    energy_annual(annual, context, bottom, variant, targets)
    return fig
