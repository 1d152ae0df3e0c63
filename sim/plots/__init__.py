"""Plots of the result tables: growth, share, power, pue, goals, timeline, limits, sites and compare.

Each function takes result tables (pandas DataFrames in the layout of the output files, see
:mod:`sim.analysis.statistics`), an optional :class:`PlotContext` (scenario name, accounting
label, targets, horizon) and an optional ``ax``, and returns the
:class:`~matplotlib.figure.Figure` it drew on. The functions only draw what the tables hold: they
compute no statistics. They never call ``pyplot`` nor set a backend; a figure is a plain
:class:`~matplotlib.figure.Figure`, and :func:`sim.output.plotfiles.write_plots` saves figures to
files. One module per plot kind (:mod:`.growth`, :mod:`.share`, :mod:`.power`, :mod:`.pue`,
:mod:`.goals`, :mod:`.timeline`, :mod:`.limits`, :mod:`.sites`, :mod:`.compare`), with what they share in :mod:`.style`
(axes, bands, legends), :mod:`.context` (PlotContext, colours, labels) and :mod:`.marks` (targets).

Example::

    from sim import plots
    ctx = plots.PlotContext.from_scenario(results.scenario)
    fig = plots.growth(results.monthly, results.targets, ctx)
    fig.savefig("growth.png")
"""

from .compare import COMPARE_GROUPS, compare, compare_curves, compare_differences, compare_figures
from .context import (
    BASE_VARIANT,
    CLASS_COLOURS,
    CLASS_LABELS,
    CLASS_ORDER,
    COMPARE_OUTPUTS,
    MEDIAN_COLOUR,
    OUTPUT_LABELS,
    TARGET_COLOUR,
    VARIANT_PALETTE,
    PlotContext,
    TargetMark,
    variant_colours,
)
from .explore import pmet_map, sensitivity_bars, sensitivity_heatmap
from .fonts import MissingFontWarning, font_context
from .frontier import frontier_chart
from .goals import goal_measures, goals
from .growth import growth
from .limits import LIMIT_METRICS, has_limits, limits
from .power import energy_annual, power, power_monthly
from .pue import pue
from .share import share
from .sites import sites, sites_figures
from .solve import solve_curve
from .style import BAND_ALPHA, Thousands, month_dates
from .timeline import TIMELINE_ROW_IN, timeline

__all__ = [
    "BAND_ALPHA", "BASE_VARIANT", "CLASS_COLOURS", "CLASS_LABELS", "CLASS_ORDER", "COMPARE_OUTPUTS",
    "MEDIAN_COLOUR", "OUTPUT_LABELS", "TARGET_COLOUR", "TIMELINE_ROW_IN", "VARIANT_PALETTE",
    "COMPARE_GROUPS", "PlotContext", "TargetMark", "Thousands", "compare", "compare_curves", "compare_differences",
    "compare_figures",
    "LIMIT_METRICS", "MissingFontWarning", "energy_annual", "font_context", "frontier_chart", "goal_measures", "goals", "growth", "has_limits", "limits",
    "month_dates", "pmet_map", "power", "power_monthly", "pue", "sensitivity_bars", "sensitivity_heatmap", "share",
    "sites", "sites_figures", "solve_curve", "timeline",
    "variant_colours",
]
