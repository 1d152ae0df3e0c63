"""Plots of the result tables: growth, share, power, pue, timeline and compare.

Each function takes result tables (pandas DataFrames in the layout of the output files, see
:mod:`sim.statistics`), an optional :class:`PlotContext` (scenario name, accounting label,
targets, horizon) and an optional ``ax``, and returns the :class:`~matplotlib.figure.Figure` it
drew on. The functions only draw what the tables hold: they compute no statistics. They never
call ``pyplot`` nor set a backend; a figure is a plain :class:`~matplotlib.figure.Figure`, and
:func:`sim.plotfiles.write_plots` saves figures to files.

Conventions shared by every plot:

* colours: :data:`CLASS_COLOURS` for the classes of compute, :func:`variant_colours` for
  variants (the base variant is always dark grey);
* months are dates on the x axis. A stock (capacity, share) is the value at the *end* of its
  month and is drawn there; a flow (power, PUE) is drawn at the middle of its month;
* bands are P10 to P90 across replications, lines the median (P50);
* every axis names its unit; numbers carry thousands separators.

Example::

    from sim import plots
    ctx = plots.PlotContext.from_scenario(results.scenario)
    fig = plots.growth(results.monthly, results.targets, ctx)
    fig.savefig("growth.png")
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, MaxNLocator, PercentFormatter

from .months import horizon_months, month_index

CLASS_ORDER = ("general", "intelligent", "supercomputing")
CLASS_COLOURS = {"general": "#4C72B0", "intelligent": "#DD8452", "supercomputing": "#55A868"}
"""One colour per class of compute, in every plot."""
CLASS_LABELS = {"general": "general", "intelligent": "intelligent (AI)", "supercomputing": "supercomputing"}
OTHER_CLASS_COLOUR = "#937860"
MEDIAN_COLOUR = "#222222"
"""Totals, medians and the base variant."""
TARGET_COLOUR = "#C44E52"
SERIES_COLOURS = {"it_load_mw": "#8172B3", "facility_mw": "#937860"}
VARIANT_PALETTE = ("#1F77B4", "#D62728", "#2CA02C", "#9467BD", "#FF7F0E", "#17BECF", "#8C564B",
                   "#E377C2", "#BCBD22", "#7F7F7F", "#393B79", "#FF9896", "#98DF8A", "#C5B0D5",
                   "#FFBB78", "#9EDAE5", "#C49C94", "#F7B6D2", "#DBDB8D", "#AEC7E8")
"""Colours of the variants other than the base, in order of first appearance in the tables."""
BASE_VARIANT = "base"
BAND_ALPHA = 0.22
COMPARE_OUTPUTS = ("target_probability", "total_eflops", "intelligent_share", "reached_month",
                   "energy_mwh", "peak_facility_mw", "subsidy_cny", "voucher_cny", "carbon_t")
"""Outputs of compare.csv drawn as difference bars, in this order; others follow."""
OUTPUT_LABELS = {
    "target_probability": "probability target met",
    "total_eflops": "total EFLOPS",
    "intelligent_share": "AI-compute share",
    "reached_month": "month target first met",
    "energy_mwh": "energy",
    "peak_facility_mw": "peak facility power",
    "subsidy_cny": "subsidy",
    "voucher_cny": "compute vouchers",
    "carbon_t": "carbon emissions",
}


# --- what the plots are about ----------------------------------------------------------------


@dataclass(frozen=True)
class TargetMark:
    """A target as drawn: its name, month ``by`` (YYYY-MM) and criteria {metric: minimum}."""

    name: str
    by: str
    criteria: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PlotContext:
    """What a plot's titles and markers need beyond the tables.

    Build it from a :class:`~sim.schema.Scenario` or from ``manifest.json``'s
    ``resolved_scenario`` with :meth:`from_scenario`.
    """

    name: str = "capsim"
    accounting: str = "as reported"
    start: str | None = None
    end: str | None = None
    targets: tuple[TargetMark, ...] = ()
    replications: int | None = None

    @classmethod
    def from_scenario(cls, scenario: Any, replications: int | None = None) -> "PlotContext":
        """From a Scenario or its JSON dump (``manifest["resolved_scenario"]``)."""
        data = scenario.model_dump(mode="json", by_alias=True) if hasattr(scenario, "model_dump") else scenario
        criteria_names = ("total_eflops", "general_eflops", "intelligent_eflops",
                          "supercomputing_eflops", "intelligent_share")
        targets = tuple(
            TargetMark(t["name"], t["by"], {k: float(t[k]) for k in criteria_names if t.get(k) is not None})
            for t in data.get("targets") or ()
        )
        horizon = data.get("horizon") or {}
        return cls(
            name=data.get("name", cls.name),
            accounting=(data.get("accounting") or {}).get("label", cls.accounting),
            start=horizon.get("start"),
            end=horizon.get("end"),
            targets=targets,
            replications=replications,
        )

    def band_note(self) -> str:
        runs = f" of {self.replications:,} replications" if self.replications and self.replications > 1 else ""
        return f"line: median{runs}\nband: P10 to P90"


# --- small helpers ---------------------------------------------------------------------------


class Thousands(Formatter):
    """Tick labels with thousands separators and as few decimals as the ticks need (1,500; 0.25)."""

    def __init__(self) -> None:
        self.ticks: list[float] = []

    def set_locs(self, locs) -> None:
        self.ticks = [float(v) for v in locs]

    def __call__(self, x: float, pos: int | None = None) -> str:
        decimals = _decimals([*self.ticks, x])
        text = f"{x:,.{decimals}f}"
        return "0" if float(x) == 0 else text


def _decimals(values: Sequence[float], most: int = 6) -> int:
    for d in range(most + 1):
        if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 * max(1.0, abs(v * 10**d)) for v in values):
            return d
    return most


def month_dates(labels: Sequence[str], where: str = "start") -> np.ndarray:
    """'YYYY-MM' labels -> datetime64 at the ``start``, ``mid`` or ``end`` of each month."""
    periods = pd.PeriodIndex(list(labels), freq="M")
    start = periods.to_timestamp(how="start")
    if where == "start":
        return start.to_numpy()
    end = (periods + 1).to_timestamp(how="start")
    if where == "end":
        return end.to_numpy()
    if where == "mid":
        return (start + (end - start) / 2).to_numpy()
    raise ValueError(f"where must be start, mid or end (got {where!r})")


def variant_colours(variants: Sequence[str]) -> dict[str, str]:
    """Colour per variant: the base dark grey, the others from :data:`VARIANT_PALETTE` in order."""
    colours, others = {}, 0
    for name in dict.fromkeys(variants):
        if name == BASE_VARIANT:
            colours[name] = MEDIAN_COLOUR
        else:
            colours[name] = VARIANT_PALETTE[others % len(VARIANT_PALETTE)]
            others += 1
    return colours


def class_colour(name: str) -> str:
    return CLASS_COLOURS.get(name, OTHER_CLASS_COLOUR)


def pick_variant(table: pd.DataFrame, variant: str | None = None) -> pd.DataFrame:
    """The rows of one variant: ``variant``, else ``base`` when present, else the first one."""
    if "variant" not in table.columns or table.empty:
        return table
    names = list(dict.fromkeys(table["variant"]))
    chosen = variant if variant is not None else (BASE_VARIANT if BASE_VARIANT in names else names[0])
    if chosen not in names:
        raise ValueError(f"no variant {chosen!r} in the table (have {', '.join(names)})")
    return table[table["variant"] == chosen]


def metric_rows(table: pd.DataFrame, metric: str, key: str = "month") -> pd.DataFrame:
    """Rows of one metric, indexed by ``key`` (month or year), in table order."""
    rows = table[table["metric"] == metric]
    if rows.empty:
        raise ValueError(f"the table has no metric {metric!r}")
    return rows.set_index(key)


def month_steps(rows: pd.DataFrame, columns: Sequence[str], scale: float = 1.0):
    """Month edges (n + 1 dates) and each column's values with the last one repeated: for
    ``step="post"`` drawing, so that each month's value spans its month."""
    x = np.append(month_dates(rows.index, "start"), month_dates(rows.index[-1:], "end"))
    values = {c: np.append(rows[c].to_numpy(float), rows[c].to_numpy(float)[-1:]) * scale for c in columns}
    return x, values


def _figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    ax.set_xlabel("month")


def _style(ax: Axes) -> None:
    ax.grid(True, color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _median_band(ax: Axes, rows: pd.DataFrame, colour: str, label: str, scale: float = 1.0,
                 stock: bool = False) -> None:
    """Median line and P10-P90 band of monthly ``rows``: a stock as steps spanning each month, a
    flow as a line through the middle of each month."""
    if stock:
        x, q = month_steps(rows, ("p10", "p50", "p90"), scale)
        ax.fill_between(x, q["p10"], q["p90"], step="post", color=colour, alpha=BAND_ALPHA, linewidth=0,
                        label=f"{label}, P10 to P90", gid=f"band:{label}")
        ax.step(x, q["p50"], where="post", color=colour, linewidth=2, label=f"{label}, median",
                gid=f"median:{label}")
        return
    x = month_dates(rows.index, "mid")
    ax.fill_between(x, rows["p10"] * scale, rows["p90"] * scale, color=colour, alpha=BAND_ALPHA,
                    linewidth=0, label=f"{label}, P10 to P90", gid=f"band:{label}")
    ax.plot(x, rows["p50"] * scale, color=colour, linewidth=2, label=f"{label}, median", gid=f"median:{label}")


def _probabilities(targets: pd.DataFrame | None, variant: str | None) -> dict[str, float]:
    if targets is None or targets.empty:
        return {}
    rows = pick_variant(targets, variant)
    return dict(zip(rows["target"], rows["probability"].astype(float)))


def _mark_targets(ax: Axes, context: PlotContext, metric: str, probabilities: Mapping[str, float],
                  scale: float, fmt, median: pd.Series | None = None) -> int:
    """A marker and a label at (end of month ``by``, minimum) for each target with ``metric``.

    The label goes above the star, or below it where the drawn ``median`` (by month) is above the
    target, so that it does not cover the curve."""
    drawn = 0
    for target in context.targets:
        if metric not in target.criteria:
            continue
        x = month_dates([target.by], "end")[0]
        y = target.criteria[metric] * scale
        ax.plot([x], [y], linestyle="none", marker="*", markersize=15, color=TARGET_COLOUR,
                markeredgecolor="white", markeredgewidth=0.8, zorder=5, gid=f"target:{target.name}")
        note = f"{target.name}: {fmt(y)}"
        if target.name in probabilities:
            whole = "whole target " if len(target.criteria) > 1 else ""
            note += f"\n{whole}met by {target.by} in {probabilities[target.name]:.0%} of runs"
        below = median is not None and target.by in median.index and median[target.by] * scale >= y
        # near the left edge the label goes to the right of the star, so it stays inside the axes
        if median is not None and target.by in median.index:
            early = list(median.index).index(target.by) < 0.4 * len(median.index)
        elif context.start and context.end:
            early = month_index(target.by, context.start) < 0.4 * horizon_months(context.start, context.end)
        else:
            early = False
        ax.annotate(note, (x, y), xytext=(8 if early else -8, -10 if below else 8), textcoords="offset points",
                    ha="left" if early else "right",
                    va="top" if below else "bottom",
                    fontsize=9, color=TARGET_COLOUR,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
                    gid=f"target-label:{target.name}", zorder=6)
        drawn += 1
    return drawn


def _legend_right(ax: Axes, handles, title: str | None) -> None:
    """Legend in the right margin, clear of the data and the target labels."""
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False,
              title=title, title_fontsize=8, alignment="left", borderaxespad=0)


def _legend_handle_target() -> Line2D:
    return Line2D([], [], linestyle="none", marker="*", markersize=12, color=TARGET_COLOUR, label="target")


def _wrap(text: str, width: int) -> str:
    """Break a long title or axis label (long accounting labels) over several lines."""
    return textwrap.fill(text, width=width, break_long_words=False)


def _context(context: PlotContext | None) -> PlotContext:
    return context if context is not None else PlotContext()


# --- 1. growth -------------------------------------------------------------------------------


def growth(monthly: pd.DataFrame, targets: pd.DataFrame | None = None, context: PlotContext | None = None,
           ax: Axes | None = None, variant: str | None = None) -> Figure:
    """Total EFLOPS over the horizon: the median split by class as stacked areas, the median total
    with its P10-P90 band, and each target with a total-EFLOPS criterion as a star with its
    label and the probability it is met (from ``targets``)."""
    context = _context(context)
    fig, ax = _figure(ax, (10, 5.5))
    table = pick_variant(monthly, variant)
    total = metric_rows(table, "total_eflops")
    x, q = month_steps(total, ("p10", "p50", "p90"))
    classes = [c for c in CLASS_ORDER if f"{c}_eflops" in set(table["metric"])]
    below = np.zeros_like(x, dtype=float)
    for c in classes:
        _, layer = month_steps(metric_rows(table, f"{c}_eflops"), ("p50",))
        ax.fill_between(x, below, below + layer["p50"], step="post", color=class_colour(c), alpha=0.75,
                        linewidth=0, label=f"{CLASS_LABELS.get(c, c)}, median", gid=f"class:{c}")
        below = below + layer["p50"]
    ax.fill_between(x, q["p10"], q["p90"], step="post", facecolor="none", edgecolor=MEDIAN_COLOUR,
                    hatch="////", linewidth=0, alpha=0.5, label="total, P10 to P90", gid="band:total")
    for name in ("p10", "p90"):
        ax.step(x, q[name], where="post", color=MEDIAN_COLOUR, linewidth=0.8, linestyle="--")
    ax.step(x, q["p50"], where="post", color=MEDIAN_COLOUR, linewidth=2.2, label="total, median",
            gid="median:total")
    _mark_targets(ax, context, "total_eflops", _probabilities(targets, variant), 1.0,
                  lambda y: f"≥ {y:,g} EFLOPS", total["p50"])
    _style(ax)
    _date_axis(ax)
    highest = max([float(np.nanmax(q["p90"]))] + [t.criteria.get("total_eflops", 0.0) for t in context.targets])
    ax.set_ylim(0, highest * 1.18 if highest > 0 else 1)
    ax.yaxis.set_major_formatter(Thousands())
    ax.set_ylabel(_wrap(f"EFLOPS ({context.accounting}), end of month", 48))
    ax.set_title(_wrap(f"{context.name}: compute capacity, {context.accounting}", 80), loc="left",
                 fontweight="bold")
    handles, _ = ax.get_legend_handles_labels()
    if any(t.criteria.get("total_eflops") is not None for t in context.targets):
        handles.append(_legend_handle_target())
    _legend_right(ax, handles, context.band_note())
    return fig


# --- 2. share --------------------------------------------------------------------------------


def share(monthly: pd.DataFrame, targets: pd.DataFrame | None = None, context: PlotContext | None = None,
          ax: Axes | None = None, variant: str | None = None) -> Figure:
    """AI-compute share of total EFLOPS: median and P10-P90 band, with each target share."""
    context = _context(context)
    fig, ax = _figure(ax, (10, 5))
    rows = metric_rows(pick_variant(monthly, variant), "intelligent_share")
    _median_band(ax, rows, CLASS_COLOURS["intelligent"], "AI share", scale=100, stock=True)
    marked = _mark_targets(ax, context, "intelligent_share", _probabilities(targets, variant), 100,
                           lambda y: f"≥ {y:,.0f}%", rows["p50"])
    _style(ax)
    _date_axis(ax)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_ylabel("AI share of total EFLOPS (%), end of month")
    ax.set_title(_wrap(f"{context.name}: AI-compute share of capacity, {context.accounting}", 80), loc="left",
                 fontweight="bold")
    handles, _ = ax.get_legend_handles_labels()
    if marked:
        handles.append(_legend_handle_target())
    _legend_right(ax, handles, context.band_note())
    return fig


# --- 3. power --------------------------------------------------------------------------------


def power_monthly(monthly: pd.DataFrame, context: PlotContext | None = None, ax: Axes | None = None,
                  variant: str | None = None) -> Figure:
    """IT load and facility power, monthly average MW: median and P10-P90 band of each."""
    context = _context(context)
    fig, ax = _figure(ax, (10, 4.5))
    table = pick_variant(monthly, variant)
    for metric, label in (("facility_mw", "facility power"), ("it_load_mw", "IT load")):
        rows = metric_rows(table, metric)
        _median_band(ax, rows, SERIES_COLOURS[metric], label)
    _style(ax)
    _date_axis(ax)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(Thousands())
    ax.set_ylabel("MW, monthly average")
    ax.set_title(f"{context.name}: IT load and facility power", loc="left", fontweight="bold")
    _legend_right(ax, None, context.band_note())
    return fig


def energy_annual(annual: pd.DataFrame, context: PlotContext | None = None, ax: Axes | None = None,
                  variant: str | None = None) -> Figure:
    """Facility energy per calendar year, TWh: median bars with P10-P90 whiskers."""
    context = _context(context)
    fig, ax = _figure(ax, (10, 4))
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
    _style(ax)
    ax.grid(False, axis="x")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(Thousands())
    part = (context.start and not context.start.endswith("-01")) or (context.end and not context.end.endswith("-12"))
    ax.set_xlabel("calendar year" + (" (first and last: only the months inside the horizon)" if part else ""))
    ax.set_ylabel("TWh per year")
    ax.set_title(f"{context.name}: facility energy per year", loc="left", fontweight="bold")
    _legend_right(ax, None, None)
    return fig


def power(monthly: pd.DataFrame, annual: pd.DataFrame, context: PlotContext | None = None,
          variant: str | None = None) -> Figure:
    """Two panels: monthly IT load and facility power (MW); energy per calendar year (TWh)."""
    fig = Figure(figsize=(10, 8.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 2])
    power_monthly(monthly, context, top, variant)
    energy_annual(annual, context, bottom, variant)
    return fig


# --- 4. pue ----------------------------------------------------------------------------------


def pue(monthly: pd.DataFrame, annual: pd.DataFrame | None = None, context: PlotContext | None = None,
        ax: Axes | None = None, variant: str | None = None) -> Figure:
    """Monthly PUE (facility energy / IT energy) across the horizon, median and P10-P90 band, and
    each calendar year's energy-weighted PUE (median, from ``annual``) as a dashed step."""
    context = _context(context)
    fig, ax = _figure(ax, (10, 4.5))
    rows = metric_rows(pick_variant(monthly, variant), "pue")
    _median_band(ax, rows, CLASS_COLOURS["general"], "monthly PUE")
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
    _style(ax)
    _date_axis(ax)
    ax.yaxis.set_major_formatter(Thousands())
    ax.set_ylabel("PUE (facility energy / IT energy)")
    ax.set_title(f"{context.name}: power usage effectiveness by month", loc="left", fontweight="bold")
    _legend_right(ax, None, context.band_note())
    return fig


# --- 5. timeline -----------------------------------------------------------------------------


TIMELINE_ROW_IN = 0.26
"""Height of one project row, inches: the figure grows with the number of projects."""


def _timeline_rows(projects: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    classes = [c for c in CLASS_ORDER if c in set(projects["class"])]
    classes += [c for c in dict.fromkeys(projects["class"]) if c not in classes]
    groups = []
    for name in classes:
        rows = projects[projects["class"] == name].copy()
        rows["_order"] = rows["planned_online"].where(rows["planned_online"] != "", "0000-00")
        groups.append((name, rows.sort_values(["_order", "online_p50", "project"], kind="stable")))
    return groups


def _is_month(text) -> bool:
    return isinstance(text, str) and len(text) == 7 and text[4] == "-"


def timeline(projects: pd.DataFrame, context: PlotContext | None = None, ax: Axes | None = None,
             variant: str | None = None) -> Figure:
    """One row per project, grouped by class: planned online month (open diamond), simulated
    online month P10-P90 (bar) and P50 (dot) over the replications in which the project was
    built, and the share of replications in which it was built (right margin)."""
    context = _context(context)
    table = pick_variant(projects, variant).fillna({"planned_online": "", "online_p10": "", "online_p50": "",
                                                    "online_p90": ""})
    groups = _timeline_rows(table)
    n_rows = len(table) + len(groups)
    fig, ax = _figure(ax, (10, 1.9 + TIMELINE_ROW_IN * n_rows))
    months = [m for col in ("planned_online", "online_p10", "online_p90") for m in table[col] if _is_month(m)]
    start = context.start or (min(months) if months else "2000-01")
    end = context.end or (max(months) if months else start)
    left, right = month_dates([start], "start")[0], month_dates([end], "end")[0]
    y, ticks, labels = 0, [], []
    for name, rows in groups:
        colour = class_colour(name)
        ax.text(-0.01, y, f"{CLASS_LABELS.get(name, name)} ({len(rows)})", transform=ax.get_yaxis_transform(),
                ha="right", va="center", fontweight="bold", color=colour, fontsize=9, gid=f"group:{name}")
        y += 1
        for _, row in rows.iterrows():
            ticks.append(y)
            labels.append(row["project"])
            ax.axhline(y, color="#EEEEEE", linewidth=0.6, zorder=0)
            p10, p50, p90 = row["online_p10"], row["online_p50"], row["online_p90"]
            if _is_month(p10):
                x0 = month_dates([p10], "start")[0]
                x1 = month_dates([p90], "end")[0] if _is_month(p90) else right
                ax.barh(y, x1 - x0, left=x0, height=0.55, color=colour, alpha=0.45, linewidth=0,
                        gid=f"range:{row['project']}")
                if not _is_month(p90):
                    ax.plot([right], [y], marker=">", color=colour, clip_on=False, gid=f"beyond:{row['project']}")
            if _is_month(p50):
                ax.plot([month_dates([p50], "mid")[0]], [y], marker="o", markersize=6, color=colour,
                        markeredgecolor=MEDIAN_COLOUR, markeredgewidth=0.6, linestyle="none",
                        gid=f"p50:{row['project']}")
            if _is_month(row["planned_online"]):
                planned = min(max(month_dates([row["planned_online"]], "mid")[0], left), right)
                ax.plot([planned], [y], marker="D", markersize=6, markerfacecolor="none",
                        markeredgecolor=MEDIAN_COLOUR, markeredgewidth=1.2, linestyle="none",
                        gid=f"planned:{row['project']}")
            if row.get("status", "") == "operating":
                note, at, side = "operating", month_dates([p10], "end")[0] if _is_month(p10) else left, "left"
            elif not _is_month(p10):
                note, at, side = ("never built" if float(row["go_share"]) == 0 else "not online in the horizon",
                                  left, "left")
            else:
                note = ""
            if note:
                ax.annotate(note, (at, y), xytext=(4 if side == "left" else -4, 0), textcoords="offset points",
                            ha=side, va="center", fontsize=8, color="#555555", gid=f"note:{row['project']}")
            ax.text(1.02, y, f"{float(row['go_share']):.0%}", transform=ax.get_yaxis_transform(), ha="left",
                    va="center", fontsize=8, gid=f"go:{row['project']}")
            y += 1
    ax.text(1.02, -0.9, "built in\n% of runs", transform=ax.get_yaxis_transform(), ha="left", va="bottom",
            fontsize=8, fontweight="bold")
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set_ylim(y - 0.4, -0.6)
    ax.set_xlim(left, right)
    _style(ax)
    ax.grid(False, axis="y")
    _date_axis(ax)
    ax.set_xlabel("online month")
    ax.set_title(f"{context.name}: when projects come online ({len(table)} projects)", loc="left",
                 fontweight="bold", pad=40)
    handles = [
        Line2D([], [], marker="D", markerfacecolor="none", markeredgecolor=MEDIAN_COLOUR, linestyle="none",
               label="planned online"),
        Line2D([], [], marker="o", color="#999999", markeredgecolor=MEDIAN_COLOUR, linestyle="none",
               label="simulated online, median"),
        Patch(facecolor="#999999", alpha=0.45, label="simulated online, P10 to P90 (runs where built)"),
        Line2D([], [], marker=">", color="#999999", linestyle="none",
               label="P90 after the horizon (no dot: the median too)"),
    ]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8, frameon=False,
              borderaxespad=0.2)
    return fig


# --- 6. compare ------------------------------------------------------------------------------


def compare_curves(monthly: pd.DataFrame, metric: str, context: PlotContext | None = None,
                   ax: Axes | None = None, colours: Mapping[str, str] | None = None) -> Figure:
    """The median of ``metric`` (total_eflops or intelligent_share) of each variant, one line each."""
    context = _context(context)
    fig, ax = _figure(ax, (10, 4.5))
    colours = colours or variant_colours(list(monthly["variant"]))
    scale = 100 if metric == "intelligent_share" else 1
    for name, rows in monthly[monthly["metric"] == metric].groupby("variant", sort=False):
        x, q = month_steps(rows.set_index("month"), ("p50",), scale)
        ax.step(x, q["p50"], where="post", color=colours[name], linewidth=2.4 if name == BASE_VARIANT else 1.8,
                label=name, gid=f"variant:{name}")
    fmt = (lambda y: f"≥ {y:,.0f}%") if scale == 100 else (lambda y: f"≥ {y:,g} EFLOPS")
    _mark_targets(ax, context, metric, {}, scale, fmt)
    _style(ax)
    _date_axis(ax)
    if scale == 100:
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        ax.set_ylabel("AI share of total EFLOPS (%), median")
        ax.set_title("AI-compute share by variant", loc="left")
    else:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(Thousands())
        ax.set_ylabel(_wrap(f"EFLOPS ({context.accounting}), median", 48))
        ax.set_title("total compute by variant", loc="left")
    n_variants = monthly["variant"].nunique()
    if n_variants > 4:  # many variants: the legend goes below the chart, in columns
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=7, frameon=False,
                  title="variant", title_fontsize=8)
    else:
        ax.legend(loc="upper left", fontsize=8, title="variant", title_fontsize=8)
    return fig


def _by_year(rows: pd.DataFrame) -> bool:
    """Whether an output's rows are per calendar year, for more than one year."""
    whens = set(rows["when"].astype(str))
    return len(whens) > 1 and all(w.isdigit() and len(w) == 4 for w in whens)


def _scaled_unit(values: np.ndarray, unit: str) -> tuple[float, str]:
    """Show large amounts in thousands/millions/billions of the unit (a change of unit only)."""
    biggest = float(np.nanmax(np.abs(values))) if values.size and np.isfinite(values).any() else 0.0
    for factor, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if biggest >= factor and unit and unit not in ("%", "share", "probability", "months", "month"):
            return 1 / factor, f"{word} {unit}"
    return 1.0, unit


def compare_differences(compare: pd.DataFrame, output: str, ax: Axes | None = None,
                        colours: Mapping[str, str] | None = None) -> Figure:
    """Paired differences from the base for one ``output``: one bar per (when, variant), mean
    difference with its 95% interval as whiskers."""
    rows = compare[compare["output"] == output].fillna({"when": "", "unit": ""})
    if rows.empty:
        raise ValueError(f"compare table has no output {output!r}")
    colours = colours or variant_colours(list(compare["variant"]))
    fig, ax = _figure(ax, (10, 1.2 + 0.3 * len(rows)))
    unit = str(rows["unit"].iloc[0])
    factor, shown_unit = _scaled_unit(rows[["diff_mean", "diff_ci_low", "diff_ci_high"]].to_numpy(float), unit)
    if _by_year(rows):  # one line per variant across the years keeps many variants readable
        _differences_by_year(ax, rows, output, factor, colours)
        unit_text = f" ({shown_unit})" if shown_unit else ""
        ax.set_ylabel(_wrap(f"{OUTPUT_LABELS.get(output, output)}: variant minus {BASE_VARIANT}{unit_text}", 40),
                      fontsize=9)
        return fig
    whens = list(dict.fromkeys(rows["when"].astype(str)))
    variants = list(dict.fromkeys(rows["variant"]))
    y, ticks, labels = 0.0, [], []
    for when in whens:
        for name in variants:
            row = rows[(rows["when"].astype(str) == when) & (rows["variant"] == name)]
            if row.empty:
                continue
            row = row.iloc[0]
            mean, low, high = (float(row[c]) * factor for c in ("diff_mean", "diff_ci_low", "diff_ci_high"))
            low, high = min(low, high), max(low, high)
            ax.barh(y, mean, height=0.7, color=colours[name], alpha=0.85, gid=f"diff:{output}:{when}:{name}")
            if np.isfinite(low) and np.isfinite(high):
                ax.errorbar([mean], [y], xerr=[[max(mean - low, 0)], [max(high - mean, 0)]], fmt="none",
                            ecolor=MEDIAN_COLOUR, capsize=3, linewidth=1)
            ticks.append(y)
            labels.append(f"{when} · {name}" if when else name)
            y += 1
        y += 0.4
    ax.axvline(0, color=MEDIAN_COLOUR, linewidth=0.8)
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.invert_yaxis()
    _style(ax)
    ax.grid(False, axis="y")
    ax.xaxis.set_major_formatter(Thousands())
    unit_text = f" ({shown_unit})" if shown_unit else ""
    ax.set_xlabel(f"{OUTPUT_LABELS.get(output, output)}: variant minus {BASE_VARIANT}{unit_text}", fontsize=9)
    return fig


def _differences_by_year(ax: Axes, rows: pd.DataFrame, output: str, factor: float,
                         colours: Mapping[str, str]) -> None:
    """Mean paired difference per year, one line per variant, with its 95% interval as whiskers."""
    for name, own in rows.groupby("variant", sort=False):
        own = own.assign(year=own["when"].astype(int)).sort_values("year")
        mean = own["diff_mean"].to_numpy(float) * factor
        low = np.minimum(own["diff_ci_low"], own["diff_ci_high"]).to_numpy(float) * factor
        high = np.maximum(own["diff_ci_low"], own["diff_ci_high"]).to_numpy(float) * factor
        drawn = ax.errorbar(own["year"], mean, yerr=[np.clip(mean - low, 0, None), np.clip(high - mean, 0, None)],
                            color=colours[name], marker="o", markersize=4, linewidth=1.4, capsize=3, label=name)
        drawn.lines[0].set_gid(f"diffline:{output}:{name}")
    ax.axhline(0, color=MEDIAN_COLOUR, linewidth=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(Thousands())
    _style(ax)
    ax.set_xlabel("calendar year", fontsize=9)


def compare(monthly: pd.DataFrame, compare_table: pd.DataFrame, context: PlotContext | None = None) -> Figure:
    """A compare run at a glance: median total EFLOPS and AI share of each variant (top), and the
    paired differences from the base with their 95% intervals, one panel per output (below)."""
    context = _context(context)
    colours = variant_colours([*monthly["variant"], *compare_table["variant"]])
    outputs = [o for o in COMPARE_OUTPUTS if o in set(compare_table["output"])]
    outputs += [o for o in dict.fromkeys(compare_table["output"]) if o not in outputs]
    heights = [3.0 if _by_year(compare_table[compare_table["output"] == o].fillna({"when": ""}))
               else 0.9 + 0.28 * int((compare_table["output"] == o).sum()) for o in outputs]
    diff_height = sum(heights)
    fig = Figure(figsize=(12, 5 + diff_height), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[5, max(diff_height, 0.1)])
    left, right = top.subplots(1, 2)
    compare_curves(monthly, "total_eflops", context, left, colours)
    compare_curves(monthly, "intelligent_share", context, right, colours)
    if outputs:
        axes = bottom.subplots(len(outputs), 1, height_ratios=heights, squeeze=False)
        for output, ax in zip(outputs, axes[:, 0]):
            compare_differences(compare_table, output, ax, colours)
        bottom.suptitle("paired differences from the base, mean with 95% interval", x=0.01, ha="left",
                        fontsize=10)
    fig.suptitle(f"{context.name}: variants compared, {context.accounting}", x=0.01, ha="left",
                 fontweight="bold")
    return fig
