"""Charts of the studies built on runs: a comparison's differences, an explore's sensitivity, a
solve's answer. Like :mod:`sim.report.charts`, each draws tables only and returns None when the
tables lack what it needs."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..plots.style import MEDIAN_COLOUR, TARGET_COLOUR
from .answer import input_column, sensitivity_measure, sensitivity_ranking
from .charts import Chart, _layout, rounded, variant_styles
from .ranking import TOTALS, _total
from .text import BASE, number

MOST_INPUTS = 15
"""The tornado shows this many inputs, the most important first."""


def _panels(compare: pd.DataFrame, target: str | None) -> list[tuple[str, str, float, pd.DataFrame]]:
    """(title, unit, scale, rows by variant with diff_mean / diff_ci_low / diff_ci_high) per panel."""
    columns = ["diff_mean", "diff_ci_low", "diff_ci_high"]
    panels = []
    if target is not None:
        for output, title, unit, scale in (("target_probability", "P(met)", "points", 100.0),
                                           ("total_eflops", "EFLOPS at target", "EFLOPS", 1.0)):
            rows = compare[(compare["output"] == output) & (compare["when"] == target)]
            if not rows.empty:
                panels.append((f"{title}", unit, scale, rows.set_index("variant")[columns]))
    for key, (outputs, label, unit, scale) in TOTALS.items():
        rows = _total(compare, outputs)
        if not rows.empty and (rows[columns].abs().sum().sum() > 0 or key == "public_cost"):
            panels.append((label.split(" (")[0].replace(" over the horizon", ""), unit, scale, rows[columns]))
    return panels


def differences_chart(compare: pd.DataFrame, order: list[str], target: str | None) -> Chart | None:
    """Each variant's paired difference to the base with its 95% interval, one panel per output."""
    panels = _panels(compare, target)
    names = [n for n in order if n != BASE]
    if not panels or not names:
        return None
    fig = make_subplots(rows=1, cols=len(panels), shared_yaxes=True, horizontal_spacing=0.03,
                        subplot_titles=[f"{t} ({u})" for t, u, _, _ in panels])
    styles = variant_styles([BASE, *names])
    for col, (title, unit, scale, rows) in enumerate(panels, start=1):
        present = [n for n in names if n in rows.index]
        mean = rows.loc[present, "diff_mean"].to_numpy(float) * scale
        low = rows.loc[present, "diff_ci_low"].to_numpy(float) * scale
        high = rows.loc[present, "diff_ci_high"].to_numpy(float) * scale
        fig.add_trace(go.Scatter(
            x=rounded(mean), y=present, mode="markers", name=title, showlegend=False,
            marker={"symbol": [styles[n]["symbol"] for n in present], "size": 10,
                    "color": [styles[n]["color"] for n in present]},
            error_x={"type": "data", "symmetric": False, "array": rounded(high - mean),
                     "arrayminus": rounded(mean - low), "color": MEDIAN_COLOUR, "thickness": 1.5},
            customdata=[f"{n}: {title} {mean_:+,.4g} {unit} (95% interval {lo:+,.4g} to {hi:+,.4g})"
                        if math.isfinite(lo) else f"{n}: {title} {mean_:+,.4g} {unit}"
                        for n, mean_, lo, hi in zip(present, mean, low, high)],
            hovertemplate="%{customdata}<extra></extra>"), row=1, col=col)
        fig.add_vline(x=0, line={"color": TARGET_COLOUR, "width": 1, "dash": "dot"}, row=1, col=col)
    _layout(fig, "Difference to the base, mean with 95% interval", "", height=max(360, 140 + 30 * len(names)))
    fig.update_yaxes(autorange="reversed", rangemode="normal", automargin=True)
    fig.update_xaxes(rangemode="normal", zeroline=True)
    fig.update_layout(hovermode="closest", margin={"t": 90})
    fig.update_annotations(font={"size": 12})
    return Chart("differences", "Each variant against the base",
                 "Dot-and-whisker chart, one row per variant in ranking order and one panel per output: the mean "
                 "paired difference to the base (dot) and its 95% interval (whisker); the dotted line is no "
                 "difference.", fig, "compare")


def tornado_chart(sensitivity: pd.DataFrame) -> Chart | None:
    """The inputs that matter most: low/high swings of the output when the table has them, else the
    sensitivity measure, largest at the top."""
    name = input_column(sensitivity)
    if name is None:
        return None
    lows = next((c for c in ("low", "output_low", "value_low") if c in sensitivity.columns), None)
    highs = next((c for c in ("high", "output_high", "value_high") if c in sensitivity.columns), None)
    importance, measure, output = sensitivity_ranking(sensitivity)
    if importance.empty:
        return None
    top = list(importance.index[:MOST_INPUTS])
    fig = go.Figure()
    about = f" of {output}" if output else ""
    if lows and highs:
        rows = sensitivity[sensitivity[name].isin(top)].groupby(name)[[lows, highs]].mean().loc[top]
        centre = float(sensitivity["base"].mean()) if "base" in sensitivity.columns else 0.0
        for column, label, pattern in ((lows, "input at its low end", "/"), (highs, "input at its high end", ".")):
            fig.add_trace(go.Bar(y=top, x=rounded(rows[column] - centre), base=centre, orientation="h", name=label,
                                 marker={"pattern": {"shape": pattern}},
                                 hovertemplate="%{y}: %{x:+,.4g}<extra>" + label + "</extra>"))
        fig.update_layout(barmode="overlay")
        x_title = f"change{about} from the base"
    else:
        fig.add_trace(go.Bar(y=top, x=rounded(importance.loc[top]), orientation="h", name=measure,
                             marker={"color": MEDIAN_COLOUR, "pattern": {"shape": "/"}},
                             hovertemplate="%{y}: %{x:.3g}<extra>" + measure + "</extra>"))
        x_title = f"{measure}{about}"
    _layout(fig, f"What decides the outcome{about}", "", height=max(300, 120 + 26 * len(top)))
    fig.update_yaxes(autorange="reversed", rangemode="normal", automargin=True)
    fig.update_xaxes(title_text=x_title)
    fig.update_layout(hovermode="closest")
    return Chart("tornado", "Sensitivity: the inputs that matter most",
                 f"Horizontal bar chart of the {len(top)} most important inputs{about}, largest at the top.", fig,
                 "sensitivity")


def heatmap_chart(sensitivity: pd.DataFrame) -> Chart | None:
    """The sensitivity measure of each input per year (or month), when the table has a time column."""
    name, measure = input_column(sensitivity), sensitivity_measure(sensitivity)
    when = next((c for c in ("year", "month", "when") if c in sensitivity.columns), None)
    if name is None or measure is None or when is None or sensitivity[when].nunique() < 2:
        return None
    table = sensitivity
    if "output" in table.columns:
        table = table[table["output"] == table["output"].iloc[0]]
    grid = table.pivot_table(index=name, columns=when, values=measure, aggfunc="mean", sort=False)
    order = grid.abs().mean(axis=1).sort_values(ascending=False).index[:MOST_INPUTS]
    grid = grid.loc[order]
    values = [rounded(row) for row in grid.to_numpy(float)]
    fig = go.Figure(go.Heatmap(z=values, x=[str(c) for c in grid.columns], y=list(grid.index), colorscale="Viridis",
                               colorbar={"title": {"text": measure}},
                               text=[[number(v) if v is not None else "" for v in row] for row in values],
                               texttemplate="%{text}", hovertemplate="%{y}, %{x}: %{z:.3g}<extra></extra>"))
    _layout(fig, f"{measure} of each input by {when}", "", height=max(300, 140 + 28 * len(grid)))
    fig.update_yaxes(autorange="reversed", rangemode="normal", automargin=True, title_text=None)
    fig.update_layout(hovermode="closest")
    return Chart("heatmap", f"Sensitivity by {when}",
                 f"Heat map of the {measure} of each input (rows) in each {when} (columns); every cell also "
                 "shows its value as text.", fig, "sensitivity")


def solve_chart(solve: pd.DataFrame) -> Chart | None:
    """Each answer of solve.csv as a P50 dot with its P10–P90 whisker."""
    if not {"p10", "p50", "p90"} <= set(solve.columns) or len(solve) == 0:
        return None
    label = next((c for c in ("question", "target", "lever", "parameter") if c in solve.columns), None)
    names = [str(v) for v in solve[label]] if label else [f"answer {i + 1}" for i in range(len(solve))]
    p10, p50, p90 = (solve[c].to_numpy(float) for c in ("p10", "p50", "p90"))
    unit = str(solve["unit"].iloc[0]) if "unit" in solve.columns else ""
    fig = go.Figure(go.Scatter(x=rounded(p50), y=names, mode="markers", name="P50 with P10–P90",
                               marker={"symbol": "diamond", "size": 12, "color": MEDIAN_COLOUR},
                               error_x={"type": "data", "symmetric": False, "array": rounded(p90 - p50),
                                        "arrayminus": rounded(p50 - p10)},
                               hovertemplate="%{y}: %{x:,.4g}<extra></extra>"))
    _layout(fig, "The answer and its uncertainty", "", height=max(260, 140 + 40 * len(names)))
    fig.update_yaxes(autorange="reversed", rangemode="normal", automargin=True)
    fig.update_xaxes(title_text=unit, rangemode="normal")
    return Chart("solve", "Solve: the answer", "Dot-and-whisker chart of each answer: P50 (diamond) and P10 to P90.",
                 fig, "solve")
