"""The per-site power plot (see :mod:`sim.plots` for the conventions): small multiples, one panel
per site, drawn from ``sites.csv`` only."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .style import (
    BAND_ALPHA,
    SERIES_COLOURS,
    PlotContext,
    Thousands,
    context_or_default,
    date_axis,
    drop_thin_bands,
    median_band,
    month_dates,
    pick_variant,
    set_title,
    style_axes,
)

PANEL_HEIGHT_IN = 2.1
"""A panel's height while the panels fit :data:`PANELS_HEIGHT_IN`; shorter ones beyond."""
PANELS_HEIGHT_IN = 7.4
"""The panels' height at most: with the title and the legend, 8.6 in, 1,290 px at 150 dpi (a screen)."""


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
    """Facility power (median and P10-P90 band) and IT load (median) of each site (or of the sites
    in ``names``), monthly average MW, one panel per site in the table's order; each panel has its
    own MW scale, so that a small site is as readable as a large one (the numbers on the axes say
    how large). ``page`` (number, of how many) goes into the title (:func:`sites_figures`)."""
    context = context_or_default(context)
    rows = pick_variant(table, variant)
    names = list(dict.fromkeys(rows["site"])) if names is None else list(names)
    if not names:
        raise ValueError("the sites table has no rows")
    ncols = 1 if len(names) == 1 else 2 if len(names) <= 8 else 3
    nrows = math.ceil(len(names) / ncols)
    fig = Figure(figsize=(11, 1.2 + min(PANEL_HEIGHT_IN * nrows, PANELS_HEIGHT_IN)), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    banded = False
    for ax, name in zip(axes, names):
        site = rows[rows["site"] == name]
        facility = site[site["metric"] == "facility_mw"].set_index("month")
        it_load = site[site["metric"] == "it_load_mw"].set_index("month")
        band = median_band(ax, facility, SERIES_COLOURS["facility_mw"], f"{name} facility")
        ax.plot(month_dates(it_load.index, "mid"), it_load["p50"], color=SERIES_COLOURS["it_load_mw"],
                linewidth=1.5, label=f"{name} IT load, median", gid=f"median:{name} IT load")
        style_axes(ax)
        date_axis(ax)
        ax.set_xlabel("")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(Thousands())
        set_title(ax, name, loc="left", fontsize=10, fontweight="bold")
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
    fig.suptitle(f"{context.name}: power by site{part}, monthly average MW{runs}; each panel its own scale",
                 x=0.01, ha="left", fontweight="bold")
    return fig
