"""The per-site power plot (see :mod:`sim.plots` for the conventions): small multiples, one panel
per site, drawn from ``sites.csv`` only."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..colours import short
from .context import (
    SERIES_COLOURS,
    VARIANT_PALETTE,
    PlotContext,
    context_or_default,
    pick_variant,
)
from .style import (
    BAND_ALPHA,
    Thousands,
    date_axis,
    drop_thin_bands,
    median_band,
    month_dates,
    set_title,
    style_axes,
)

PANEL_HEIGHT_IN = 2.1
"""A panel's height while the panels fit :data:`PANELS_HEIGHT_IN`; shorter ones beyond."""
PANELS_HEIGHT_IN = 7.4
"""The panels' height at most: with the title and the legend, 8.6 in, 1,290 px at 150 dpi (a screen)."""


STACK_HEIGHT_IN = 2.6
"""Height of the stacked area of all sites, on the first page."""
STACK_MOST = 12
"""Layers of the stack at most: beyond, the largest sites by peak and one layer for the others."""
SITES_PER_PAGE = 24
"""Panels in one file at most (8 rows of 3): more sites continue in ``sites-2``, ``sites-3``, ...
(300 sites in one figure were panels a few pixels tall)."""


def sites_figures(table: pd.DataFrame, context: PlotContext | None = None,
                  variant: str | None = None) -> dict[str, Figure]:
    """:func:`sites` by file stem: ``sites``, and with more than :data:`SITES_PER_PAGE` sites its
    continuations ``sites-2``, ``sites-3``, ... (the sites in the table's order)."""
    rows = pick_variant(table, variant)
    names = list(dict.fromkeys(rows["site"]))
    if not names:
        raise ValueError("the sites table has no rows")
    pages = [names[i:i + SITES_PER_PAGE] for i in range(0, len(names), SITES_PER_PAGE)]
    return {"sites" + (f"-{number}" if number > 1 else ""):
            sites(table, context, variant, page, (number, len(pages)) if len(pages) > 1 else None)
            for number, page in enumerate(pages, start=1)}


def sites(table: pd.DataFrame, context: PlotContext | None = None, variant: str | None = None,
          names: list[str] | None = None, page: tuple[int, int] | None = None) -> Figure:
    """Facility power of the sites, monthly average MW: on the first page a stacked area of every
    site's median (the province's total by site), then one panel per site (or per site in
    ``names``, the table's order) with its median and P10-P90 band and its median IT load. The
    panels share one MW scale, so that a 3 MW site looks small beside a 650 MW one; each is titled
    with the site's name (``context.site_names``, else its id) and its peak median facility MW.
    ``page`` (number, of how many) goes into the title (:func:`sites_figures`)."""
    context = context_or_default(context)
    rows = pick_variant(table, variant)
    every = list(dict.fromkeys(rows["site"]))
    names = every if names is None else list(names)
    if not names:
        raise ValueError("the sites table has no rows")
    ncols = 1 if len(names) == 1 else 2 if len(names) <= 8 else 3
    nrows = math.ceil(len(names) / ncols)
    stack = (page is None or page[0] == 1) and len(every) > 1  # one site: its panel is the total
    panels_in = min(PANEL_HEIGHT_IN * nrows, PANELS_HEIGHT_IN - (STACK_HEIGHT_IN if stack else 0.0))  # a screen
    fig = Figure(figsize=(11, round(1.2 + panels_in + (STACK_HEIGHT_IN if stack else 0), 6)), layout="constrained")
    grid = fig.add_gridspec(nrows + stack, ncols, height_ratios=[STACK_HEIGHT_IN] * stack + [panels_in / nrows] * nrows)
    facility = rows[rows["metric"] == "facility_mw"]
    if stack:
        _stacked(fig.add_subplot(grid[0, :]), facility, every, context)
    first = fig.add_subplot(grid[int(stack), 0])
    axes = [first] + [fig.add_subplot(grid[int(stack) + i // ncols, i % ncols], sharex=first, sharey=first)
                      for i in range(1, nrows * ncols)]
    top = float(facility[facility["site"].isin(names)]["p90"].max())
    banded = False
    for ax, name in zip(axes, names):
        site = rows[rows["site"] == name]
        power = site[site["metric"] == "facility_mw"].set_index("month")
        it_load = site[site["metric"] == "it_load_mw"].set_index("month")
        band = median_band(ax, power, SERIES_COLOURS["facility_mw"], f"{name} facility")
        ax.plot(month_dates(it_load.index, "end"), it_load["p50"], color=SERIES_COLOURS["it_load_mw"],
                linewidth=1.5, label=f"{name} IT load, median", gid=f"median:{name} IT load")
        style_axes(ax)
        date_axis(ax)
        ax.set_xlabel("")
        ax.set_ylim(0, top * 1.08 if top > 0 else 1)  # one scale for every panel
        ax.yaxis.set_major_formatter(Thousands())
        title = f"{short(context.site_names.get(name, name), 26 if ncols == 3 else 40)}: peak {power['p50'].max():,.0f} MW"
        set_title(ax, title, loc="left", fontsize=9 if ncols == 3 else 10, fontweight="bold")
        banded = drop_thin_bands(ax, [band]) or banded
    for ax in axes[len(names):]:
        ax.set_visible(False)
    for ax in axes[::ncols]:
        ax.set_ylabel("MW")
    handles = [
        Patch(facecolor=SERIES_COLOURS["facility_mw"], alpha=BAND_ALPHA, label="facility power, P10 to P90"),
        Line2D([], [], color=SERIES_COLOURS["facility_mw"], linewidth=2, label="facility power, median"),
        Line2D([], [], color=SERIES_COLOURS["it_load_mw"], linewidth=1.5, label="IT load, median"),
    ][0 if banded else 1:]  # the band only if some panel shows it
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=9, frameon=False)
    runs = f" (median of {context.replications:,} replications)" if context.replications and context.replications > 1 else ""
    part = f" (page {page[0]} of {page[1]})" if page else ""
    fig.suptitle(f"{context.name}: power by site{part}, monthly average MW{runs}; the panels share one scale",
                 x=0.01, ha="left", fontweight="bold")
    return fig


def _stacked(ax, facility: pd.DataFrame, names: list[str], context: PlotContext) -> None:
    """Every site's median facility MW stacked, in the table's order, labelled in the legend."""
    months = list(dict.fromkeys(facility["month"]))
    x = month_dates(months, "end")
    layers = [facility[facility["site"] == n].set_index("month")["p50"].reindex(months).fillna(0.0).to_numpy(float)
              for n in names]
    labels = [short(context.site_names.get(n, n), 40) for n in names]
    colours = [VARIANT_PALETTE[i % len(VARIANT_PALETTE)] for i in range(len(names))]
    if len(names) > STACK_MOST:  # the largest by peak, the others as one grey layer
        keep = sorted(sorted(range(len(names)), key=lambda i: -layers[i].max())[:STACK_MOST - 1])
        rest = [i for i in range(len(names)) if i not in keep]
        layers = [layers[i] for i in keep] + [sum(layers[i] for i in rest)]
        labels = [labels[i] for i in keep] + [f"{len(rest):,} other sites"]
        colours = colours[:len(keep)] + ["#BBBBBB"]
    ax.stackplot(x, layers, colors=colours, labels=labels, alpha=0.85, linewidth=0, gid="stack:sites")
    style_axes(ax)
    date_axis(ax)
    ax.set_xlabel("")
    ncols = 2 if len(layers) <= 8 else 3
    ax.set_ylim(0, max(float(sum(layers).max()), 1e-9) * (1.12 + 0.09 * math.ceil(len(layers) / ncols)))
    ax.yaxis.set_major_formatter(Thousands())
    ax.set_ylabel("MW")
    set_title(ax, "all sites, stacked (median facility power)", loc="left", fontsize=10, fontweight="bold")
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=ncols, borderaxespad=0.3)  # above the stack

