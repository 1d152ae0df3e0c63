"""The share plot (see :mod:`sim.plots` for the conventions)."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .aims import aim_handles, mark_missed
from .context import (
    CLASS_COLOURS,
    PlotContext,
    context_or_default,
    pick_variant,
)
from .marks import mark_targets, target_legend_handle, target_probabilities
from .style import (
    date_axis,
    drop_thin_bands,
    fit_ylim,
    legend_right,
    median_band,
    metric_rows,
    new_figure,
    set_title,
    style_axes,
    wrap,
)


def share(monthly: pd.DataFrame, targets: pd.DataFrame | None = None, context: PlotContext | None = None,
          ax: Axes | None = None, variant: str | None = None) -> Figure:
    """AI-compute share of total EFLOPS: median and P10-P90 band, with each target share. The y
    axis starts at 0%, as the report's chart does, and ends a little above the band and the targets."""
    context = context_or_default(context)
    fig, ax = new_figure(ax, (10, 5))
    rows = metric_rows(pick_variant(monthly, variant), "intelligent_share")
    band = median_band(ax, rows, CLASS_COLOURS["intelligent"], "AI share", scale=100, stock=True)
    goals = [t.criteria["intelligent_share"] * 100 for t in context.targets if "intelligent_share" in t.criteria]
    hanging = [t.criteria["intelligent_share"] * 100 for t in context.targets
               if "intelligent_share" in t.criteria and t.by in rows.index
               and rows.loc[t.by, "p50"] >= t.criteria["intelligent_share"]]
    fit_ylim(ax, [*(rows["p10"] * 100), *(rows["p90"] * 100), *goals], 0, 100, zero_below=1.0,
             label_below=min(hanging) if hanging else None)  # from 0, as the report's chart
    date_axis(ax)
    marked = mark_targets(ax, context, "intelligent_share", target_probabilities(targets, variant), 100,
                           lambda y: f"≥ {y:,.0f}%", rows["p50"])
    mark_missed(ax, context, "intelligent_share", rows["p50"])
    style_axes(ax)
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_ylabel("AI share of total EFLOPS (%), end of month")
    set_title(ax, wrap(f"{context.name}: AI-compute share of capacity, {context.accounting}", 80), loc="left",
                 fontweight="bold")
    banded = drop_thin_bands(ax, [band])
    handles, _ = ax.get_legend_handles_labels()
    if marked:
        handles += aim_handles(ax)
    legend_right(ax, handles, context.band_note(banded))
    return fig
