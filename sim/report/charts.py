"""Interactive charts for the report: Plotly figures drawn from the tables only, as plain dicts
(:mod:`sim.report.figure`).

Each function takes tables (and what it needs to label them) and returns a :class:`Chart`, or
None when the tables lack what it draws. Series are told apart by line dash or marker symbol and
by the legend, never by colour alone; hovering shows each value with its P10–P90; clicking a
legend entry hides or shows a series; dragging zooms. Numbers are rounded to 5 significant
digits so the page stays small.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..colours import LIMIT_PANELS, LIMIT_SERIES
from ..scenario.criteria import CRITERIA
from .figure import TEMPLATE_NONE, Figure, bar, make_subplots, plain, scatter
from .palette import CLASS_COLOURS, MEDIAN_COLOUR, SERIES_COLOURS, TARGET_COLOUR, VARIANT_PALETTE
from .timeaxis import month_axis, month_end, year_axis
from .text import BASE, CRITERIA_LABELS, band, pick_variant, rows_of

CLASS_STYLE = {"general": ("dash", "circle"), "intelligent": ("dot", "diamond"),
               "supercomputing": ("dashdot", "square")}
"""Line dash and marker symbol per class of compute (besides its colour)."""
CLASS_NAMES = {"general": "general", "intelligent": "intelligent (AI)", "supercomputing": "supercomputing"}
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "diamond", "square", "triangle-up", "x", "cross", "triangle-down", "star", "hexagon", "pentagon")
BAND_OPACITY = 0.2
HEIGHT_PX = 420
GRID_COLOUR = "#e3e3e8"
MONTH_TEXT = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True)
class Chart:
    """A figure and what the page says about it: id, title, a description for screen readers."""

    id: str
    title: str
    description: str
    figure: Figure
    section: str = "charts"  # charts | limits | compare | sensitivity | solve


def rounded(values) -> list:
    """Values rounded to 5 significant digits (None for NaN), for a small page."""
    return [float(f"{v:.5g}") if math.isfinite(v) else None for v in np.asarray(values, dtype=float).tolist()]


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _layout(fig: Figure, title: str, y_title: str, height: int = HEIGHT_PX) -> Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        height=height, margin={"l": 70, "r": 20, "t": 60, "b": 40}, template=TEMPLATE_NONE,
        paper_bgcolor="white", plot_bgcolor="white", colorway=list(VARIANT_PALETTE),
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        hovermode="x unified", font={"family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "size": 13},
    )
    fig.update_xaxes(gridcolor=GRID_COLOUR, linecolor=GRID_COLOUR, automargin=True)
    fig.update_yaxes(separatethousands=True, rangemode="tozero", gridcolor=GRID_COLOUR, zerolinecolor="#b0b0b8",
                     automargin=True)
    if y_title:
        fig.update_yaxes(title={"text": y_title})
    return fig


def median_band(fig: Figure, rows: pd.DataFrame, name: str, colour: str, unit: str, scale: float = 1.0,
                dash: str = "solid", symbol: str | None = None, width: float = 2.5, x: str = "month",
                shape: str = "vh", **where) -> None:
    """A P10–P90 band and the median line of ``rows`` (one metric), in one legend group; a month
    at its last day (:mod:`sim.report.timeaxis`)."""
    xs = [month_end(m) if x == "month" else m for m in rows[x].astype(str)]
    p10, p50, p90 = (rounded(rows[c].to_numpy(float) * scale) for c in ("p10", "p50", "p90"))
    group = name
    if not all(a == b for a, b in zip(p10, p90)):
        fig.add_trace(scatter(x=xs, y=p90, mode="lines", line={"width": 0, "shape": shape}, hoverinfo="skip",
                              showlegend=False, legendgroup=group, name=f"{name} P90"), **where)
        fig.add_trace(scatter(x=xs, y=p10, mode="lines", line={"width": 0, "shape": shape}, fill="tonexty",
                              fillcolor=_rgba(colour, BAND_OPACITY), hoverinfo="skip", legendgroup=group,
                              name=f"{name}, P10–P90"), **where)
    hover = [f"{band(m, lo, hi)} {unit}" for m, lo, hi in zip(p50, p10, p90)]
    marker = {"symbol": symbol, "size": 6, "maxdisplayed": 14} if symbol else None
    fig.add_trace(scatter(x=xs, y=p50, mode="lines+markers" if symbol else "lines", name=f"{name}, median",
                          line={"color": colour, "dash": dash, "width": width, "shape": shape}, marker=marker,
                          legendgroup=group, customdata=hover, hovertemplate="%{customdata}"), **where)


def _targets(fig: Figure, specs: list[dict], metric: str, scale: float, unit: str, at=None,
             medians: pd.Series | None = None, **where) -> int:
    """Each target with criterion ``metric`` at its month's end (``at(spec)``: another x): a star where
    ``medians`` (the drawn median by month, unscaled) meets the aim there, an X where it misses it (as
    the goals charts and the PNGs, :mod:`sim.plots.aims`), a calibration target an open diamond; its
    hover text gives the criterion's direction."""
    marks = [s for s in specs if isinstance(s.get(metric), (int, float))]
    if not marks:
        return 0
    sign = "≥" if CRITERIA[metric].at_least else "≤"

    def kind(s: dict) -> str:
        if s["role"] != "plan":
            return "calibration target"
        value = float(medians.get(s["by"], float("nan"))) if medians is not None else float("nan")
        tolerance = 1 - 1e-9 if CRITERIA[metric].at_least else 1 + 1e-9
        missed = math.isfinite(value) and ((value < s[metric] * tolerance) if CRITERIA[metric].at_least
                                           else (value > s[metric] * tolerance))
        return "target, missed at the median" if missed else "target, met at the median"

    symbols = {"target, met at the median": "star", "target, missed at the median": "x",
               "calibration target": "diamond-open"}
    for name, symbol in symbols.items():
        group = [s for s in marks if kind(s) == name]
        if not group:
            continue
        fig.add_trace(scatter(
            x=[(at or (lambda s: month_end(s["by"])))(s) for s in group],
            y=rounded([s[metric] * scale for s in group]), mode="markers+text", name=name,
            marker={"symbol": symbol, "size": 16 if symbol == "star" else 13, "color": TARGET_COLOUR,
                    "line": {"width": 2 if symbol == "diamond-open" else 1, "color": TARGET_COLOUR}},
            text=[s["name"] if s["role"] == "plan" else "" for s in group], textposition="top center",
            textfont={"color": TARGET_COLOUR, "size": 11},
            customdata=[f"{s['name']} ({s['role']}): {sign} {s[metric] * scale:g} {unit} by {s['by']}"
                        for s in group],
            hovertemplate="%{customdata}<extra></extra>"), **where)
    return len(marks)


def growth_chart(monthly: pd.DataFrame, specs: list[dict], basis: str) -> Chart | None:
    rows = pick_variant(monthly)
    total = rows_of(rows, "total_eflops")
    if total.empty:
        return None
    fig = Figure()
    median_band(fig, total, "total", MEDIAN_COLOUR, "EFLOPS", width=3)
    for cls, (dash, symbol) in CLASS_STYLE.items():
        part = rows_of(rows, f"{cls}_eflops")
        if not part.empty and part["p90"].abs().sum() > 0:
            median_band(fig, part, CLASS_NAMES[cls], CLASS_COLOURS[cls], "EFLOPS", dash=dash, symbol=symbol)
    _targets(fig, specs, "total_eflops", 1.0, "EFLOPS", medians=total.set_index("month")["p50"])
    _layout(fig, f"Compute capacity by class<br><sub>EFLOPS {plain(basis)}</sub>", "EFLOPS")
    month_axis(fig)
    fig.update_layout(margin={"t": 80})
    return Chart("growth", "Compute capacity by class against the targets",
                 f"Line chart of total compute and each class in EFLOPS ({basis}) by month: medians as lines "
                 f"(total solid, general dashed, AI dotted, supercomputing dash-dot) with P10 to P90 bands; "
                 f"targets as stars where the median meets them, Xs where it misses.", fig)


def share_chart(monthly: pd.DataFrame, specs: list[dict]) -> Chart | None:
    rows = rows_of(pick_variant(monthly), "intelligent_share")
    if rows.empty:
        return None
    fig = Figure()
    median_band(fig, rows, "AI share", CLASS_COLOURS["intelligent"], "%", scale=100.0)
    _targets(fig, specs, "intelligent_share", 100.0, "%", medians=rows.set_index("month")["p50"])
    _layout(fig, "Share of intelligent (AI) compute", "% of total EFLOPS")
    month_axis(fig)
    return Chart("share", "AI-compute share against the targets",
                 "Line chart of the AI share of total compute in percent by month: median line, P10 to P90 band, "
                 "targets as stars where the median meets them, Xs where it misses.", fig)


def power_chart(monthly: pd.DataFrame, annual: pd.DataFrame | None) -> Chart | None:
    """Facility power and IT load by month, energy per year (the targets' peak-MW and energy-quota
    aims are added by :func:`sim.report.goal_charts.power_aims`)."""
    rows = pick_variant(monthly)
    facility = rows_of(rows, "facility_mw")
    if facility.empty:
        return None
    has_energy = annual is not None and not rows_of(pick_variant(annual), "energy_mwh").empty
    fig = make_subplots(rows=2 if has_energy else 1, cols=1, vertical_spacing=0.14, row_heights=[0.62, 0.38]
                        if has_energy else None, subplot_titles=("Monthly power (MW)", "Energy per year (TWh)")
                        if has_energy else None)
    median_band(fig, facility, "facility power", SERIES_COLOURS["facility_mw"], "MW", shape="linear", row=1, col=1)
    it_load = rows_of(rows, "it_load_mw")
    if not it_load.empty:
        median_band(fig, it_load, "IT load", SERIES_COLOURS["it_load_mw"], "MW", dash="dash", symbol="circle",
                    shape="linear", row=1, col=1)
    if has_energy:
        energy = rows_of(pick_variant(annual), "energy_mwh")
        p10, p50, p90 = (energy[c].to_numpy(float) / 1e6 for c in ("p10", "p50", "p90"))
        fig.add_trace(bar(x=list(energy["year"].astype(str)), y=rounded(p50), name="energy per year, median",
                          marker={"color": SERIES_COLOURS["facility_mw"], "pattern": {"shape": "/"}},
                          error_y={"type": "data", "symmetric": False, "array": rounded(p90 - p50),
                                   "arrayminus": rounded(p50 - p10)},
                          customdata=[f"{band(m, lo, hi)} TWh" for m, lo, hi in zip(p50, p10, p90)],
                          hovertemplate="%{x}: %{customdata}<extra></extra>"), row=2, col=1)
    _layout(fig, "Power and energy", "", height=560 if has_energy else HEIGHT_PX)
    fig.update_yaxes(title={"text": "MW"}, row=1, col=1)
    month_axis(fig, row=1, col=1)
    if has_energy:  # years as categories (not numbers: no '2,024.5' ticks)
        fig.update_yaxes(title={"text": "TWh"}, row=2, col=1)
        year_axis(fig, row=2, col=1)
    fig.update_layout(hovermode="closest")
    return Chart("power", "Facility power and IT load, energy per year",
                 "Top: monthly facility power (solid) and IT load (dashed) in MW, medians with P10 to P90 bands. "
                 "Bottom: facility energy per calendar year in TWh, bars at the median with P10 to P90 whiskers.", fig)


TIMELINE_MAX_ROWS = 48
"""Most rows of the timeline (about 1,300 px, a screen, as the PNG timeline); beyond it the
largest projects are shown and the others aggregated, one row per class."""
SIZE_COLUMN = "peak_facility_mw"


def fit_timeline(rows: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows to draw and a note for the title: every project when they fit in
    :data:`TIMELINE_MAX_ROWS`; else the largest (by peak facility MW when the table has it, else
    the first in the table) and one row per class for the others: '+N smaller (class)', a bar from
    their earliest P10 to their latest P90 month and no median."""
    if len(rows) <= TIMELINE_MAX_ROWS:
        return rows, ""
    classes = rows["class"] if "class" in rows.columns else pd.Series(["project"] * len(rows), index=rows.index)
    rows = rows.assign(**{"class": classes})
    order = rows
    if SIZE_COLUMN in rows.columns:
        size = pd.to_numeric(rows[SIZE_COLUMN], errors="coerce").fillna(0.0)
        order = rows.iloc[np.argsort(-size.to_numpy(float), kind="stable")]
    kept = TIMELINE_MAX_ROWS - rows["class"].nunique()  # room for one aggregated row per class
    shown, rest = order.iloc[:kept], order.iloc[kept:]
    groups = []
    for cls, members in rest.groupby("class", sort=False):
        p10 = sorted(m for m in members["online_p10"] if MONTH_TEXT.match(str(m)))
        p90 = sorted(m for m in members["online_p90"] if MONTH_TEXT.match(str(m)))
        latest = max(p10[-1:] + p90[-1:], default="")
        groups.append({"project": f"+{len(members):,} smaller ({CLASS_NAMES.get(cls, cls)})", "class": cls,
                       "site": "", "status": "", "online_p10": p10[0] if p10 else latest,
                       "online_p50": "", "online_p90": latest, "_members": len(members)})
    which = f"the {kept} largest by peak facility MW" if SIZE_COLUMN in rows.columns else f"the first {kept}"
    note = f"{which} shown, the other {len(rest):,} aggregated per class"
    return pd.concat([shown.assign(_members=0), pd.DataFrame(groups)], ignore_index=True), note


def limits_chart(monthly: pd.DataFrame, projects: pd.DataFrame | None) -> Chart | None:
    """Shared limits: grid headroom and queue (MW), accelerator backlog and stock (PFLOPS) when
    monthly.csv has them; else the mean months each project waited for grid or accelerators."""
    rows = pick_variant(monthly)
    panels = [(m, u) for m, u in (("grid_free_mw", "MW"), ("grid_queue_mw", "MW"), ("supply_backlog_pflops",
              "PFLOPS"), ("supply_stock_pflops", "PFLOPS")) if not rows_of(rows, m).empty]
    if panels:
        units = list(dict.fromkeys(u for _, u in panels))
        fig = make_subplots(rows=len(units), cols=1, vertical_spacing=0.16, shared_xaxes=True,
                            subplot_titles=[LIMIT_PANELS["grid" if u == "MW" else "supply"] for u in units])
        for i, (metric, unit) in enumerate(panels):
            _, label, colour = LIMIT_SERIES[metric]  # as in the limits plot
            median_band(fig, rows_of(rows, metric), label, colour, unit, dash=DASHES[i % len(DASHES)],
                        symbol=SYMBOLS[i], shape="vh", row=units.index(unit) + 1, col=1)
        _layout(fig, "Shared limits", "", height=260 + 200 * len(units))
        month_axis(fig)
        return Chart("limits", "Shared limits: grid and accelerator supply",
                     "Monthly grid headroom and queue in MW and accelerator backlog and stock in PFLOPS, medians "
                     "with P10 to P90 bands; each series has its own dash and marker.", fig, "limits")
    waits = [c for c in ("grid_wait_months_mean", "supply_wait_months_mean") if projects is not None
             and c in projects.columns]
    if not waits:
        return None
    part = pick_variant(projects)
    part = part[part[waits].fillna(0).abs().sum(axis=1) > 0]
    if part.empty:
        return None
    waited, note = len(part), ""
    if waited > TIMELINE_MAX_ROWS:  # the longest waits only, as many rows as the timeline has
        longest = np.argsort(-part[waits].fillna(0).sum(axis=1).to_numpy(float), kind="stable")
        part = part.iloc[np.sort(longest[:TIMELINE_MAX_ROWS])]
        note = f"<br><sub>the {TIMELINE_MAX_ROWS} longest of {waited:,} projects that waited</sub>"
    fig = Figure()
    for i, column in enumerate(waits):
        what = "grid" if column.startswith("grid") else "accelerators"
        fig.add_trace(bar(y=list(part["project"]), x=rounded(part[column].fillna(0)), orientation="h",
                          name=f"waiting for {what}", marker={"color": VARIANT_PALETTE[i],
                                                             "pattern": {"shape": ("/", ".")[i]}},
                          hovertemplate="%{y}: %{x} months (mean)<extra>" + what + "</extra>"))
    _layout(fig, "Months waited for a shared limit (mean across replications)" + note, "",
            height=max(300, 120 + 22 * len(part)))
    fig.update_layout(barmode="group", hovermode="closest")
    fig.update_yaxes(autorange="reversed", rangemode="normal", automargin=True)
    fig.update_xaxes(title={"text": "months"})
    return Chart("limits", "Waiting for grid connections and accelerators",
                 "Horizontal bars: mean months each project waited for grid headroom (hatched /) and for "
                 "accelerators (dotted).", fig, "limits")


def variant_styles(names: list[str]) -> dict[str, dict]:
    """Colour, dash and marker of each variant: the base solid dark grey, the others cycling."""
    styles, others = {}, 0
    for name in names:
        if name == BASE:
            styles[name] = {"color": MEDIAN_COLOUR, "dash": "solid", "symbol": "circle", "width": 4}
        else:
            styles[name] = {"color": VARIANT_PALETTE[others % len(VARIANT_PALETTE)],
                            "dash": DASHES[1 + others % (len(DASHES) - 1)], "symbol": SYMBOLS[others % len(SYMBOLS)],
                            "width": 2}
            others += 1
    return styles


