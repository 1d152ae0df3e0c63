"""The limits plot: the shared grid headroom and accelerator supply (see :mod:`sim.plots` for the
conventions).

Drawn only from the monthly metrics the engine writes for a scenario with a ``grid`` block
(``grid_free_mw``: headroom not reserved, ``grid_queue_mw``: MW requested and still waiting) or
a ``supply`` block (``supply_backlog_pflops``: accelerators requested and still waiting,
``supply_stock_pflops``: delivered, not yet allocated). A limit binds while its queue or backlog
is above 0.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from ..colours import LIMIT_PANELS as LIMIT_TITLES
from ..colours import LIMIT_SERIES
from .context import PlotContext, context_or_default, pick_variant
from .style import (
    Thousands,
    date_axis,
    drop_thin_bands,
    legend_right,
    median_band,
    metric_rows,
    set_title,
    style_axes,
    wrap,
)

LIMIT_PANELS = tuple((panel, title, tuple((metric, label, colour) for metric, (where, label, colour)
                                           in LIMIT_SERIES.items() if where == panel))
                     for panel, title in LIMIT_TITLES.items())
"""(panel, title, ((metric, name, colour), ...)) from :mod:`sim.colours`, shared with the report."""
LIMIT_METRICS = tuple(metric for _, _, series in LIMIT_PANELS for metric, _, _ in series)
WAITING = {"grid": "grid_queue_mw", "supply": "supply_backlog_pflops"}
"""The metric of each limit that says it binds (something waits)."""


def has_limits(monthly: pd.DataFrame) -> bool:
    """Whether ``monthly`` holds any metric the limits plot draws."""
    return bool(set(LIMIT_METRICS) & set(monthly["metric"]))


def _never(table: pd.DataFrame, metric: str) -> bool:
    """Whether ``metric`` is 0 (P10, median and P90) in every month."""
    rows = table[table["metric"] == metric]
    return not rows.empty and not rows[["p10", "p50", "p90"]].to_numpy(float).any()


def limits(monthly: pd.DataFrame, context: PlotContext | None = None, variant: str | None = None) -> Figure:
    """One panel per shared limit present in ``monthly``: the grid (free headroom and MW waiting)
    and the accelerator supply (stock delivered but not allocated, and backlog waiting), each the
    median with its P10-P90 band at the end of each month.

    A series that is 0 in every month is not drawn (nor in the legend): a limit whose waiting
    series is 0 throughout is titled "never binds"; a limit with nothing to draw is one line under
    the panels instead of an empty panel. A band too narrow to see is left out too."""
    context = context_or_default(context)
    table = pick_variant(monthly, variant)
    present = set(table["metric"])
    panels = [(name, label, [s for s in series if s[0] in present]) for name, label, series in LIMIT_PANELS]
    panels = [p for p in panels if p[2]]
    if not panels:
        raise ValueError(f"the table has none of the limit metrics {', '.join(LIMIT_METRICS)}")
    never = {metric for _, _, series in panels for metric, _, _ in series if _never(table, metric)}
    drawn = [(name, label, [s for s in series if s[0] not in never]) for name, label, series in panels]
    notes = [f"{name}: never binds ({'; '.join(what for _, what, _ in series)}: 0 in every month)"
             for name, _, series in panels if all(metric in never for metric, _, _ in series)]
    drawn = [p for p in drawn if p[2]]
    note_in = 0.3 * len(notes)
    fig = Figure(figsize=(10, 0.8 + 3.6 * len(drawn) + note_in), layout="constrained")
    axes = fig.subplots(len(drawn), 1, squeeze=False, sharex=True)[:, 0] if drawn else []
    for (name, label, series), ax in zip(drawn, axes):
        bands = [median_band(ax, metric_rows(table, metric), colour, what, stock=True) for metric, what, colour in series]
        style_axes(ax)
        date_axis(ax)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(Thousands())
        ax.set_ylabel(wrap(label, 30))
        binds = ("never binds (nothing waits in any month)" if WAITING[name] in never
                 else "binds while anything waits")
        set_title(ax, f"{name}: {binds}", loc="left", fontsize=10)
        legend_right(ax, None, context.band_note(drop_thin_bands(ax, bands)))
    for ax in axes[:-1]:
        ax.set_xlabel("")  # the shared month axis is named once, at the bottom
    if notes:
        fig.supxlabel("\n".join(notes), x=0.01, ha="left", fontsize=10, gid="never:limits")  # inside the layout
    fig.suptitle(wrap(f"{context.name}: shared limits, end of month", 80), x=0.01, ha="left", fontweight="bold")
    return fig
