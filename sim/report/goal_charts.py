"""The report's "other goals" chart: one small panel per measure a target sets that has no chart of
its own (racks, IT MW, the EFLOPS of one class, utilisation, green share, annual PUE, carbon, public
cost), each with the measure's median, its P10–P90 band and the targets' aims.

A monthly measure is drawn at the end of each month (:func:`sim.report.charts.month_end`) and its
aims at the end of the target's month ``by``; an annual one (PUE, carbon) per calendar year, its aims
at the year of ``by``. An aim is a star where the measure's median meets it and an X where the median
misses it (the shape, not only the colour, says which), labelled with the target's name; hovering
gives the criterion, the median at that month or year and the share of runs meeting the whole target.
Total EFLOPS and the AI share are drawn on their own charts (:mod:`sim.report.charts`); the peak
facility MW and the energy quota on the power chart, by :func:`power_aims` in the same way: the
peak-MW aim across the calendar year of ``by`` (a dotted line over the year's months, the marker in
its middle), the quota on the energy bar of that year.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..scenario.criteria import CRITERIA
from .charts import Chart, _layout, median_band, month_end, rounded
from .figure import make_subplots, scatter
from .palette import CLASS_COLOURS, MEDIAN_COLOUR, SERIES_COLOURS, TARGET_COLOUR
from .text import number, pick_variant, rows_of
from .timeaxis import month_axis

PANELS = {  # criterion: (table, metric, scale, unit shown, title, colour)
    "racks": ("monthly", "racks", 1.0, "racks", "Standard racks, end of month", MEDIAN_COLOUR),
    "it_mw": ("monthly", "it_mw", 1.0, "MW", "Design IT power online (MW), end of month", SERIES_COLOURS["it_load_mw"]),
    "general_eflops": ("monthly", "general_eflops", 1.0, "EFLOPS", "General EFLOPS, end of month",
                       CLASS_COLOURS["general"]),
    "intelligent_eflops": ("monthly", "intelligent_eflops", 1.0, "EFLOPS", "Intelligent (AI) EFLOPS, end of month",
                           CLASS_COLOURS["intelligent"]),
    "supercomputing_eflops": ("monthly", "supercomputing_eflops", 1.0, "EFLOPS",
                              "Supercomputing EFLOPS, end of month", CLASS_COLOURS["supercomputing"]),
    "utilization": ("monthly", "utilization", 100.0, "%", "Utilisation (IT load / design IT, %), by month",
                    SERIES_COLOURS["it_load_mw"]),
    "green_share": ("monthly", "green_share", 100.0, "%", "Green share of facility energy (%), by month",
                    CLASS_COLOURS["supercomputing"]),
    "pue": ("annual", "pue", 1.0, "", "PUE per calendar year", CLASS_COLOURS["general"]),
    "carbon_t": ("annual", "carbon_t", 1.0, "t", "Grid carbon per calendar year (t CO2)", SERIES_COLOURS["facility_mw"]),
    "public_cost_cny": ("monthly", "public_cost_cny", 1e-6, "million CNY",
                        "Public cost to date (million CNY: subsidy + vouchers)", CLASS_COLOURS["general"]),
}
"""The measures of the chart, in panel order: (table, metric, scale, unit, title, colour)."""
PANEL_PX = 300


def meets(name: str, value: float, figure: float) -> bool | None:
    """Whether ``value`` meets ``figure`` in criterion ``name``'s direction; None when ``value`` is NaN."""
    if value is None or not math.isfinite(value):
        return None
    c = CRITERIA[name]
    return value >= figure * (1 - 1e-9) if c.at_least else value <= figure * (1 + 1e-9)


def _is_figure(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def goal_measures(specs: list[dict]) -> list[str]:
    """The measures of :data:`PANELS` some target sets, in panel order."""
    return [name for name in PANELS if any(_is_figure(s.get(name)) for s in specs)]


def _position(x: str) -> int:
    """A month end ('2026-01-01') or a year ('2026') as a count of months, to tell close aims apart."""
    return int(x[:4]) * 12 + (int(x[5:7]) if len(x) > 4 else 0)


def _labels(marks: list[dict], xs: list[str], name: str) -> list[str]:
    """Each aim's label: aims of the same figure within three months (or in the same year) share
    one label, on the middle one of them, that lists their names (so labels do not overprint)."""
    order = sorted(range(len(marks)), key=lambda i: (marks[i][name], _position(xs[i])))
    groups: list[list[int]] = []
    for i in order:
        if groups and marks[groups[-1][-1]][name] == marks[i][name] \
                and _position(xs[i]) - _position(xs[groups[-1][-1]]) <= 3:
            groups[-1].append(i)
        else:
            groups.append([i])
    texts = [""] * len(marks)
    for group in groups:
        texts[group[len(group) // 2]] = ", ".join(marks[i]["name"] for i in group)
    return texts


def _aims(fig, name: str, specs: list[dict], medians: dict, probabilities: dict, at, scale: float, unit: str,
          **where) -> int:
    """The aims of criterion ``name``: a star where the median (``medians`` by x) meets them, an X
    where it misses them, labelled with their targets' names (:func:`_labels`)."""
    marks = [s for s in specs if _is_figure(s.get(name))]
    if not marks:  # no empty 'target' trace (a quota without a peak-MW aim, or the reverse)
        return 0
    sign = "≥" if CRITERIA[name].at_least else "≤"
    xs = [at(s) for s in marks]
    verdicts = [meets(name, medians.get(x, float("nan")), s[name]) for s, x in zip(marks, xs)]
    hover = []
    for s, x, met in zip(marks, xs, verdicts):
        median = medians.get(x, float("nan"))
        words = "median undefined" if met is None else \
            f"median {number(median * scale)} {unit}".rstrip() + (" meets it" if met else " misses it")
        share = f"; whole target met in {probabilities[s['name']]:.0%} of runs" if s["name"] in probabilities else ""
        hover.append(f"{s['name']} ({s['role']}): {sign} {s[name] * scale:,.6g} {unit}".rstrip()
                     + f" by {s['by']}; {words}{share}")
    fig.add_trace(scatter(
        x=xs, y=rounded([s[name] * scale for s in marks]), mode="markers+text", name="target",
        marker={"symbol": ["x" if met is False else "star" for met in verdicts], "size": 15, "color": TARGET_COLOUR,
                "line": {"width": 1, "color": "white"}},
        text=_labels(marks, xs, name), textposition="top center", textfont={"color": TARGET_COLOUR, "size": 11},
        cliponaxis=False, customdata=hover, hovertemplate="%{customdata}<extra></extra>", showlegend=False), **where)
    return len(marks)


def probabilities_of(targets: pd.DataFrame | None) -> dict[str, float]:
    """{target: share of runs meeting it} of targets.csv's base rows (empty without the table)."""
    if targets is None or not {"target", "probability"} <= set(targets.columns):
        return {}
    picked = pick_variant(targets)
    return dict(zip(picked["target"], picked["probability"].astype(float)))


def year_middles(months) -> dict[str, tuple[str, str, str]]:
    """{year: (start of its first month, middle, end of its last month)} of ``months`` (YYYY-MM) as dates."""
    spans: dict[str, list] = {}
    for month in months:
        start, end = np.datetime64(f"{month}-01"), np.datetime64(month_end(month))
        first = spans.setdefault(str(month)[:4], [start, end])
        first[1] = end
    return {year: (str(a), str(a + (b - a) // 2), str(b)) for year, (a, b) in spans.items()}


def power_aims(chart: Chart | None, monthly: pd.DataFrame, annual: pd.DataFrame | None, specs: list[dict],
               targets: pd.DataFrame | None = None) -> Chart | None:
    """``chart`` (:func:`sim.report.charts.power_chart`) with each target's peak facility MW across
    the calendar year of its month (a dotted line over the year, the marker in its middle; the
    median from annual.csv's ``peak_facility_mw``) and each energy quota on its year's bar."""
    specs = [s for s in specs if _is_figure(s.get("facility_mw")) or _is_figure(s.get("energy_mwh"))]
    if chart is None or not specs:
        return chart
    fig, probabilities = chart.figure, probabilities_of(targets)
    years = pick_variant(annual) if annual is not None else None
    spans = year_middles(rows_of(pick_variant(monthly), "facility_mw")["month"])
    peaks = rows_of(years, "peak_facility_mw") if years is not None else pd.DataFrame()
    medians = {spans[str(int(y))][1]: float(v) for y, v in zip(peaks.get("year", []), peaks.get("p50", []))
               if str(int(y)) in spans}
    marks = [s for s in specs if _is_figure(s.get("facility_mw")) and s["by"][:4] in spans]
    for year, figure in dict.fromkeys((s["by"][:4], s["facility_mw"]) for s in marks):
        fig.add_trace(scatter(x=[spans[year][0], spans[year][2]], y=rounded([figure, figure]), mode="lines",
                              line={"color": TARGET_COLOUR, "dash": "dot", "width": 1.5}, hoverinfo="skip",
                              showlegend=False), row=1, col=1)
    _aims(fig, "facility_mw", marks, medians, probabilities, lambda s: spans[s["by"][:4]][1], 1.0,
          "MW (peak of its year)", row=1, col=1)
    if len(fig.grid) > 1:
        energy = rows_of(years, "energy_mwh")
        medians = {str(int(y)): float(v) for y, v in zip(energy["year"], energy["p50"])}
        _aims(fig, "energy_mwh", [s for s in specs if _is_figure(s.get("energy_mwh"))], medians, probabilities,
              lambda s: s["by"][:4], 1e-6, "TWh in its year", row=2, col=1)
    return chart


def goals_chart(monthly: pd.DataFrame, annual: pd.DataFrame | None, specs: list[dict],
                targets: pd.DataFrame | None = None) -> Chart | None:
    """The "other goals" chart (module docstring), or None when no target sets one of its measures
    (or the tables lack them). ``targets``: targets.csv, for the share of runs meeting each target."""
    specs = [s for s in specs if s.get("role", "plan") == "plan"]  # calibration targets are not goals
    monthly_rows = pick_variant(monthly)
    annual_rows = pick_variant(annual) if annual is not None else None
    panels = []
    for name in goal_measures(specs):
        table, metric = PANELS[name][:2]
        rows = rows_of(monthly_rows if table == "monthly" else annual_rows, metric) \
            if (table == "monthly" or annual_rows is not None) else None
        if rows is not None and not rows.empty:
            panels.append((name, rows))
    if not panels:
        return None
    probabilities = probabilities_of(targets)
    cols = 1 if len(panels) == 1 else 2
    count = -(-len(panels) // cols)
    fig = make_subplots(rows=count, cols=cols, vertical_spacing=min(0.2, 0.4 / count), horizontal_spacing=0.1,
                        subplot_titles=[PANELS[name][4] for name, _ in panels])
    axes = []  # (row, col, y axis properties), set once the layout is
    for i, (name, rows) in enumerate(panels):
        table, metric, scale, unit, _, colour = PANELS[name]
        where = {"row": i // cols + 1, "col": i % cols + 1}
        if table == "monthly":
            rows = rows.assign(end=[month_end(m) for m in rows["month"]])
            median_band(fig, rows, PANELS[name][4], colour, unit, scale=scale, x="end", shape="linear", **where)
            medians = dict(zip(rows["end"], rows["p50"].astype(float)))
            _aims(fig, name, specs, medians, probabilities, lambda s: month_end(s["by"]), scale, unit, **where)
            month_axis(fig, **where)  # a date axis: the page's one x range (timeaxis.share_x_range) applies
        else:
            rows = rows.assign(year=rows["year"].astype(int).astype(str))
            median_band(fig, rows, PANELS[name][4], colour, unit, scale=scale, x="year", symbol="circle",
                        shape="linear", **where)
            medians = dict(zip(rows["year"], rows["p50"].astype(float)))
            _aims(fig, name, specs, medians, probabilities, lambda s: s["by"][:4], scale, unit, **where)
            fig.update_xaxes(type="category", **where)
        axes.append((where, {"ticksuffix": "%"} if unit == "%" else {"rangemode": "normal"} if name == "pue" else {}))
    _layout(fig, "Other goals<br><sub>median with its P10–P90 band; ★ target met at the median, ✕ missed</sub>", "",
            height=160 + PANEL_PX * count)
    fig.update_layout(showlegend=False, hovermode="closest", margin={"t": 100})
    fig.update_annotations(font={"size": 13})
    for where, props in axes:  # a ratio from 1 (PUE) not from 0
        if props:
            fig.update_yaxes(**props, **where)
    return Chart("goals", "Other goals: each measure a target sets",
                 f"Small multiples, one panel per measure a target sets that has no chart of its own "
                 f"({', '.join(PANELS[name][4] for name, _ in panels)}): the median as a line with its P10 to "
                 f"P90 band, each target's aim at its month (or year) as a star where the median meets it and "
                 f"a cross where it misses it, labelled with the target's name.", fig)
