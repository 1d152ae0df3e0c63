"""The targets' aims on the charts of their measures, and the "other goals" plot.

Each criterion of a target (:data:`sim.scenario.criteria.CRITERIA`) is drawn on the chart of its
measure, with the target's name:

* total EFLOPS on ``growth``, the AI share on ``share`` (their own modules, with :func:`style.mark_targets`);
* the annual PUE on ``pue`` and the peak facility MW on ``power``'s monthly panel: across the
  calendar year of the target's month ``by`` (a dotted line over the year's months inside the
  horizon, the marker in its middle); the energy quota on ``power``'s bars of its year
  (:func:`mark_year_aims`);
* every other measure (racks, IT MW, the EFLOPS of one class, utilisation, green share, carbon,
  public cost) on :func:`goals`, one small panel per measure some target sets, drawn only when one does.

A marker is a star where the measure's median meets the aim at the target's month (or year), an X
where it misses it: met or missed is read from the shape, not only the colour.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from ..scenario.criteria import CRITERIA
from .context import (
    CLASS_COLOURS,
    MEDIAN_COLOUR,
    TARGET_COLOUR,
    PlotContext,
    context_or_default,
    pick_variant,
)
from .marks import LABEL_Z, TARGET_FONT_PT, mark_targets, target_probabilities
from .style import (
    BAND_ALPHA,
    Thousands,
    date_axis,
    median_band,
    metric_rows,
    month_dates,
    style_axes,
    wrap,
)

PANELS = {  # criterion: (table, metric, scale, unit shown, a stock?, colour)
    "racks": ("monthly", "racks", 1.0, "racks", True, MEDIAN_COLOUR),
    "it_mw": ("monthly", "it_mw", 1.0, "MW", True, "#8172B3"),
    "general_eflops": ("monthly", "general_eflops", 1.0, "EFLOPS", True, CLASS_COLOURS["general"]),
    "intelligent_eflops": ("monthly", "intelligent_eflops", 1.0, "EFLOPS", True, CLASS_COLOURS["intelligent"]),
    "supercomputing_eflops": ("monthly", "supercomputing_eflops", 1.0, "EFLOPS", True,
                              CLASS_COLOURS["supercomputing"]),
    "utilization": ("monthly", "utilization", 100.0, "%", False, "#8172B3"),
    "green_share": ("monthly", "green_share", 100.0, "%", False, CLASS_COLOURS["supercomputing"]),
    "carbon_t": ("annual", "carbon_t", 1e-3, "kt CO2", False, "#937860"),
    "public_cost_cny": ("monthly", "public_cost_cny", 1e-6, "million CNY", True, "#4C72B0"),
}
"""The measures drawn by :func:`goals` (those without a chart of their own), in panel order."""
TITLES = {"racks": "standard racks, end of month", "it_mw": "design IT power online, end of month",
          "general_eflops": "general EFLOPS, end of month", "intelligent_eflops": "intelligent (AI) EFLOPS, end of month",
          "supercomputing_eflops": "supercomputing EFLOPS, end of month",
          "utilization": "utilisation (IT load / design IT), by month", "green_share": "green share of energy, by month",
          "carbon_t": "grid carbon per calendar year", "public_cost_cny": "public cost to date (subsidy + vouchers)"}
YEAR_METRICS = {"facility_mw": "peak_facility_mw", "pue": "pue", "energy_mwh": "energy_mwh", "carbon_t": "carbon_t"}
"""annual.csv's row of each criterion taken over a calendar year."""


def goal_measures(context: PlotContext, monthly: pd.DataFrame | None = None,
                  annual: pd.DataFrame | None = None) -> list[str]:
    """The measures of :data:`PANELS` some target of ``context`` sets, in panel order; given the
    tables, only those whose rows they hold."""
    used = {name for target in context.targets if target.role == "plan" for name in target.criteria}
    tables = {"monthly": monthly, "annual": annual}
    return [name for name in PANELS if name in used and (
        monthly is None or (tables[PANELS[name][0]] is not None and PANELS[name][1] in set(tables[PANELS[name][0]]["metric"])))]


def meets(name: str, value: float, figure: float) -> bool | None:
    """Whether ``value`` meets ``figure`` in criterion ``name``'s direction (None when unknown)."""
    if value is None or not math.isfinite(value):
        return None
    if CRITERIA[name].at_least:
        return value >= figure * (1 - 1e-9)
    return value <= figure * (1 + 1e-9)


def aim_text(name: str, figure: float, scale: float, unit: str) -> str:
    """'≥ 6,000 racks', '≤ 1.2', '≥ 40%'."""
    sign = "≥" if CRITERIA[name].at_least else "≤"
    shown = figure * scale
    number = f"{shown:,.3g}" if abs(shown) < 10 else f"{shown:,.0f}"
    if unit == "%":
        return f"{sign} {number}%"
    return f"{sign} {number}" + (f" {unit}" if unit else "")


def _reshape(ax: Axes, name: str, medians: Mapping[str, float], context: PlotContext, metric: str) -> None:
    """The markers :func:`mark_targets` drew for criterion ``name``, an X where the median misses."""
    by_name = {t.name: t for t in context.targets if metric in t.criteria}
    for line in ax.lines:
        gid = line.get_gid() or ""
        target = by_name.get(gid[len("target:"):]) if gid.startswith("target:") else None
        if target is not None and meets(name, medians.get(target.by, float("nan")), target.criteria[metric]) is False:
            line.set_marker("X")
            line.set_markersize(11)
            line.set_gid(f"target-missed:{target.name}")


def year_spans(months) -> dict[int, tuple[float, float]]:
    """{year: (start of its first month, end of its last month)} of ``months`` (YYYY-MM), as date numbers."""
    spans: dict[int, tuple[float, float]] = {}
    for month in months:
        year = int(str(month)[:4])
        start, end = (mdates.date2num(month_dates([month], where)[0]) for where in ("start", "end"))
        spans[year] = (spans.get(year, (start, end))[0], end)
    return spans


def mark_year_aims(ax: Axes, context: PlotContext, name: str, probabilities: Mapping[str, float], scale: float,
                   unit: str, positions: Mapping[int, float], medians: Mapping[int, float],
                   spans: Mapping[int, tuple[float, float]] | None = None) -> int:
    """A marker at (the target's year's position, figure x ``scale``) for each target with criterion
    ``name`` taken over a calendar year; with ``spans`` (on a time axis) a dotted line across the year's
    months too. Targets of the same year and figure share one label. Returns how many were drawn."""
    marks = [t for t in context.targets if name in t.criteria and int(t.by[:4]) in positions]
    if not marks:
        return 0
    groups: dict[tuple[int, float], list] = {}
    for t in marks:
        groups.setdefault((int(t.by[:4]), t.criteria[name]), []).append(t)
    x0, x1 = ax.get_xlim()  # (a bar chart's range is set once its bars are drawn)
    labelled = {"met": False, "missed": False}
    for (year, figure), targets in groups.items():
        x, y = positions[year], figure * scale
        met = meets(name, medians.get(year, float("nan")), figure)
        if spans is not None and year in spans:
            ax.plot(list(spans[year]), [y, y], color=TARGET_COLOUR, linestyle=":", linewidth=1.4, zorder=4,
                    gid=f"aim-year:{year}")
        kind = "missed" if met is False else "met"
        ax.plot([x], [y], linestyle="none", marker="X" if met is False else "*", markersize=11 if met is False else 15,
                color=TARGET_COLOUR, markeredgecolor="white", markeredgewidth=0.8, zorder=5,
                gid=f"target{'-missed' if met is False else ''}:" + " + ".join(t.name for t in targets),
                label=None if labelled[kind] else f"target, {kind} at the median")
        labelled[kind] = True
        lines = [f"{' + '.join(t.name for t in targets)}:", f"{aim_text(name, figure, scale, unit)} in {year}"]
        lines += [("whole target " if len(t.criteria) > 1 else "") + f"met in {probabilities[t.name]:.0%} of runs"
                  + (f" ({t.name})" if len(targets) > 1 else "")
                  for t in targets if t.name in probabilities]
        where = (x - x0) / ((x1 - x0) or 1)  # centred over its year, unless near an edge of the axes
        ha = "left" if where < 0.12 else "right" if where > 0.88 else "center"
        ax.annotate("\n".join(lines), (x, y), xytext=({"left": -6, "right": 6, "center": 0}[ha], 10),
                    textcoords="offset points", ha=ha, va="bottom", fontsize=TARGET_FONT_PT, color=TARGET_COLOUR,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.55},
                    gid="target-label:" + " + ".join(t.name for t in targets), zorder=LABEL_Z)
    return len(marks)


def year_medians(annual: pd.DataFrame | None, metric: str, variant: str | None) -> dict[int, float]:
    if annual is None or metric not in set(annual["metric"]):
        return {}
    rows = metric_rows(pick_variant(annual, variant), metric, key="year")
    return {int(year): float(value) for year, value in rows["p50"].items()}


def _headroom(ax: Axes, values) -> None:
    """The y range covers ``values`` (the aims) with room for a label above the highest."""
    values = [v for v in values if np.isfinite(v)]
    if values:
        low, high = ax.get_ylim()
        top = max(high, max(values) * 1.25 if max(values) > 0 else high)
        ax.set_ylim(min(low, min(values), 0 if low >= 0 else low), top)


def goal_panel(ax: Axes, name: str, monthly: pd.DataFrame, annual: pd.DataFrame | None, context: PlotContext,
               probabilities: Mapping[str, float], variant: str | None = None) -> None:
    """One panel of :func:`goals`: the measure's median and P10-P90 band, and its targets' aims."""
    table, metric, scale, unit, stock, colour = PANELS[name]
    figures = [t.criteria[name] * scale for t in context.targets if name in t.criteria]
    if table == "annual":
        medians = year_medians(annual, metric, variant)
        rows = metric_rows(pick_variant(annual, variant), metric, key="year")
        years = [str(int(y)) for y in rows.index]
        p10, p50, p90 = (rows[c].to_numpy(float) * scale for c in ("p10", "p50", "p90"))
        ax.bar(years, p50, color=colour, alpha=0.8, width=0.6, gid=f"bars:{metric}")
        ax.errorbar(years, p50, yerr=np.clip(np.vstack([p50 - p10, p90 - p50]), 0, None), fmt="none",
                    ecolor=MEDIAN_COLOUR, capsize=3, linewidth=1.0)
        _headroom(ax, [*p90, *figures])
        mark_year_aims(ax, context, name, probabilities, scale, unit,
                       {int(y): i for i, y in enumerate(years)}, medians)
        ax.set_xlabel("calendar year")
        ax.grid(False, axis="x")
    else:
        rows = metric_rows(pick_variant(monthly, variant), metric)
        median_band(ax, rows, colour, TITLES[name], scale, stock=stock)
        _headroom(ax, [*(rows["p90"].to_numpy(float) * scale), *figures])
        date_axis(ax)
        ax.set_xlabel("")
        mark_targets(ax, context, name, probabilities, scale, lambda y: aim_text(name, y / scale, scale, unit),
                     rows["p50"])
        _reshape(ax, name, {m: float(v) for m, v in rows["p50"].items()}, context, name)
    style_axes(ax)
    if unit == "%":
        ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    else:
        ax.yaxis.set_major_formatter(Thousands())
    ax.set_ylabel(unit if unit != "%" else "%")
    ax.set_title(wrap(TITLES[name], 48), loc="left", fontsize=10, fontweight="bold", y=1.0)


def goals(monthly: pd.DataFrame, annual: pd.DataFrame | None = None, targets: pd.DataFrame | None = None,
          context: PlotContext | None = None, variant: str | None = None) -> Figure:
    """One small panel per measure of :data:`PANELS` some target sets (:func:`goal_measures`), two
    columns: the measure's median and P10-P90 band (monthly, or per calendar year as bars with
    whiskers) and each target's aim at its month or year, a star where the median meets it and an X
    where it misses it, labelled with the target's name and the share of runs in which the whole
    target is met (from ``targets``). Raises ValueError when no target sets such a measure."""
    context = context_or_default(context)
    context = dataclasses.replace(context, targets=tuple(t for t in context.targets if t.role == "plan"))  # not calibration
    measures = goal_measures(context, monthly, annual)
    if not measures:
        raise ValueError("no target sets a measure drawn by the goals plot")
    probabilities = target_probabilities(targets, variant)
    cols = 1 if len(measures) == 1 else 2
    count = -(-len(measures) // cols)
    fig = Figure(figsize=(6.2 * cols, 1.0 + 3.4 * count), layout="constrained")
    axes = fig.subplots(count, cols, squeeze=False).ravel()
    for ax, name in zip(axes, measures):
        goal_panel(ax, name, monthly, annual, context, probabilities, variant)
    for ax in axes[len(measures):]:
        ax.remove()
    fig.suptitle(wrap(f"{context.name}: the other goals, {context.band_note().splitlines()[0]}", 90),
                 x=0.01, ha="left", fontweight="bold")
    handles = [Line2D([], [], color=MEDIAN_COLOUR, linewidth=2, label="median"),
               Patch(color=MEDIAN_COLOUR, alpha=BAND_ALPHA, label="P10 to P90"),
               Line2D([], [], linestyle="none", marker="*", markersize=12, color=TARGET_COLOUR,
                      label="target, met at the median"),
               Line2D([], [], linestyle="none", marker="X", markersize=9, color=TARGET_COLOUR,
                      label="target, missed at the median")]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=9, frameon=False)
    return fig
