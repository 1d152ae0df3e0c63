"""The power plot (see :mod:`sim.plots` for the conventions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .style import (
    MEDIAN_COLOUR,
    SERIES_COLOURS,
    PlotContext,
    Thousands,
    context_or_default,
    date_axis,
    drop_thin_bands,
    legend_right,
    median_band,
    metric_rows,
    new_figure,
    pick_variant,
    set_title,
    style_axes,
)


def power_monthly(monthly: pd.DataFrame, context: PlotContext | None = None, ax: Axes | None = None,
                  variant: str | None = None) -> Figure:
    """IT load and facility power, monthly average MW: median and P10-P90 band of each."""
    context = context_or_default(context)
    fig, ax = new_figure(ax, (10, 4.5))
    table = pick_variant(monthly, variant)
    bands = [median_band(ax, metric_rows(table, metric), SERIES_COLOURS[metric], label)
             for metric, label in (("facility_mw", "facility power"), ("it_load_mw", "IT load"))]
    style_axes(ax)
    date_axis(ax)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(Thousands())
    ax.set_ylabel("MW, monthly average")
    set_title(ax, f"{context.name}: IT load and facility power", loc="left", fontweight="bold")
    legend_right(ax, None, context.band_note(drop_thin_bands(ax, bands)))
    return fig


def energy_annual(annual: pd.DataFrame, context: PlotContext | None = None, ax: Axes | None = None,
                  variant: str | None = None) -> Figure:
    """Facility energy per calendar year, TWh: median bars with P10-P90 whiskers."""
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
    ax.yaxis.set_major_formatter(Thousands())
    part = (context.start and not context.start.endswith("-01")) or (context.end and not context.end.endswith("-12"))
    ax.set_xlabel("calendar year" + (" (first and last: only the months inside the horizon)" if part else ""))
    ax.set_ylabel("TWh per year")
    set_title(ax, f"{context.name}: facility energy per year", loc="left", fontweight="bold")
    legend_right(ax, None, None)
    return fig


def power(monthly: pd.DataFrame, annual: pd.DataFrame, context: PlotContext | None = None,
          variant: str | None = None) -> Figure:
    """Two panels: monthly IT load and facility power (MW); energy per calendar year (TWh)."""
    fig = Figure(figsize=(10, 8.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 2])
    power_monthly(monthly, context, top, variant)
    energy_annual(annual, context, bottom, variant)
    return fig
