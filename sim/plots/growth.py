"""The growth plot (see :mod:`sim.plots` for the conventions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .aims import aim_handles, mark_missed
from .context import (
    CLASS_LABELS,
    CLASS_ORDER,
    MEDIAN_COLOUR,
    PlotContext,
    class_colour,
    context_or_default,
    pick_variant,
)
from .marks import mark_targets, target_legend_handle, target_probabilities
from .style import (
    VISIBLE_PT,
    Thousands,
    date_axis,
    in_basis,
    legend_right,
    metric_rows,
    month_steps,
    new_figure,
    points_per_unit,
    set_title,
    style_axes,
    wide_enough,
    wrap,
)


def growth(monthly: pd.DataFrame, targets: pd.DataFrame | None = None, context: PlotContext | None = None,
           ax: Axes | None = None, variant: str | None = None) -> Figure:
    """Total EFLOPS over the horizon: the median split by class as stacked areas, the median total
    with its P10-P90 band, and each target with a total-EFLOPS criterion as a star with its
    label and the probability it is met (from ``targets``).

    A class whose area would be less than a point thick is not drawn (nor in the legend); the
    legend's title names it with its largest median. A band too narrow to see is left out too."""
    context = context_or_default(context)
    fig, ax = new_figure(ax, (10, 5.5))
    table = pick_variant(monthly, variant)
    total = metric_rows(table, "total_eflops")
    x, q = month_steps(total, ("p10", "p50", "p90"))
    highest = max([float(np.nanmax(q["p90"]))] + [t.criteria.get("total_eflops", 0.0) for t in context.targets])
    ax.set_ylim(0, highest * 1.18 if highest > 0 else 1)
    classes = [c for c in CLASS_ORDER if f"{c}_eflops" in set(table["metric"])]
    below, thin = np.zeros_like(x, dtype=float), []
    for c in classes:
        _, layer = month_steps(metric_rows(table, f"{c}_eflops"), ("p50",))
        if float(np.nanmax(layer["p50"], initial=0.0)) * points_per_unit(ax) >= VISIBLE_PT:
            ax.fill_between(x, below, below + layer["p50"], step="post", color=class_colour(c), alpha=0.75,
                            linewidth=0, label=f"{CLASS_LABELS.get(c, c)}, median", gid=f"class:{c}")
        else:
            most = float(np.nanmax(layer["p50"], initial=0.0))
            thin.append(f"{CLASS_LABELS.get(c, c)}: " + (f"median at most\n{most:,.2g} EFLOPS, too little to show"
                                                         if most > 0 else "median 0 EFLOPS"))
        below = below + layer["p50"]
    banded = wide_enough(ax, q["p90"] - q["p10"], 2.2)
    if banded:
        ax.fill_between(x, q["p10"], q["p90"], step="post", facecolor="none", edgecolor=MEDIAN_COLOUR,
                        hatch="////", linewidth=0, alpha=0.5, label="total, P10 to P90", gid="band:total")
        for name in ("p10", "p90"):
            ax.step(x, q[name], where="post", color=MEDIAN_COLOUR, linewidth=0.8, linestyle="--")
    ax.step(x, q["p50"], where="post", color=MEDIAN_COLOUR, linewidth=2.2, label="total, median",
            gid="median:total")
    style_axes(ax)
    date_axis(ax)
    mark_targets(ax, context, "total_eflops", target_probabilities(targets, variant), 1.0,
                  lambda y: f"≥ {y:,g} EFLOPS", total["p50"])
    mark_missed(ax, context, "total_eflops", total["p50"])
    ax.yaxis.set_major_formatter(Thousands())
    ax.set_ylabel(wrap(f"{in_basis('EFLOPS', context.accounting)}, end of month", 48))
    set_title(ax, wrap(f"{context.name}: compute capacity, {context.accounting}", 80), loc="left",
              fontweight="bold")
    handles, _ = ax.get_legend_handles_labels()
    handles += aim_handles(ax)
    legend_right(ax, handles, "\n".join([context.band_note(banded), *thin]))
    return fig
