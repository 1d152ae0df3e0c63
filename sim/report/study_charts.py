"""Charts of the studies built on runs: a comparison's differences, an explore's sensitivity, a
solve's answer. Like :mod:`sim.report.charts`, each draws tables only and returns None when the
tables lack what it needs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from .charts import Chart, _layout, rounded
from .figure import Figure, bar, heatmap, plain, scatter
from .palette import MEDIAN_COLOUR, TARGET_COLOUR, VIRIDIS
from .studies import INDEX_LABELS, lever_value, main_index, output_label, whole_run
from .text import number

MOST_INPUTS = 15
"""A sensitivity chart shows this many inputs, the most important first."""
MET_COLOUR, MISSED_COLOUR = "#55A868", TARGET_COLOUR
VIRIDIS_SCALE = [[i / (len(VIRIDIS) - 1), colour] for i, colour in enumerate(VIRIDIS)]
"""plotly.py's Viridis colour scale, as it writes ``colorscale="Viridis"`` into a figure."""


def _slugs(table: pd.DataFrame) -> dict[str, str]:
    """The part of a chart id naming an output: the plot files' naming (distinct for distinct names)."""
    from ..explore.sensitivity import slugs

    return slugs(table["output"]) if "output" in table.columns else {}


def tornado_charts(sensitivity: pd.DataFrame, method: str, labels: dict[str, str] | None = None) -> list[Chart]:
    """One bar chart per whole-run output with indices: the method's main index per input (Sobol:
    ST, and S1 beside it) with its 95% interval, largest at the top; an unstable index starred;
    inputs by their ``labels`` (plain names)."""
    labels = labels or {}
    index = main_index(method)
    whole = whole_run(sensitivity)
    ids = _slugs(sensitivity)
    charts = []
    for output in dict.fromkeys(whole["output"]):
        rows = whole[whole["output"] == output]
        main = rows[rows["index"] == index].assign(size=lambda t: t["value"].abs())
        main = main.sort_values("size", ascending=False, kind="stable").head(MOST_INPUTS)
        if main.empty:
            continue
        names = [labels.get(p, p) + ("*" if not bool(st) else "") for p, st in zip(main["parameter"], main["stable"])]
        fig = Figure()
        shown = [(index, main, MEDIAN_COLOUR, "")]
        if index == "ST":
            first = rows[rows["index"] == "S1"].set_index("parameter").reindex(main["parameter"])
            shown.append(("S1", first.reset_index(), "#8172B3", "/"))
        for name, table, colour, pattern in shown:
            value = table["value"].to_numpy(float)
            low, high = table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float)
            if name in ("ST", "S1"):  # a Sobol index lies in [0, 1]: shown clipped (the estimate is in the table)
                value, low, high = (np.clip(a, 0.0, 1.0) for a in (value, low, high))
            fig.add_trace(bar(
                y=names, x=rounded(value), orientation="h", name=f"{name} ({INDEX_LABELS.get(name, name)})"
                if name in INDEX_LABELS else name, marker={"color": colour, "pattern": {"shape": pattern}},
                error_x={"type": "data", "symmetric": False, "array": rounded(high - value),
                         "arrayminus": rounded(value - low), "color": "#888888"},
                customdata=[f"{n}: {name} {v:.3g}" + (f" (95% interval {lo:.3g} to {hi:.3g})"
                                                      if math.isfinite(lo) else "")
                            for n, v, lo, hi in zip(names, value, low, high)],
                hovertemplate="%{customdata}<extra></extra>"))
        label = output_label(output)
        _layout(fig, f"What decides {plain(label)}", "", height=max(280, 130 + 34 * len(names)))
        fig.update_yaxes(autorange="reversed", rangemode="normal", automargin=True)
        fig.update_xaxes(title={"text": f"{index} of {plain(label)}"}, rangemode="tozero")
        fig.update_layout(hovermode="closest", barmode="group",
                          legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"})
        charts.append(Chart(f"tornado-{ids[output]}", f"Sensitivity of {label}",
                            f"Horizontal bar chart, one bar per input, the most decisive at the top: its {index}"
                            + (" (dark) and S1 (hatched)" if index == "ST" else "")
                            + " with the 95% interval as a whisker; a starred input's interval is too wide to "
                              "rank it.", fig, "sensitivity"))
    return charts


def heatmap_charts(sensitivity: pd.DataFrame, method: str, labels: dict[str, str] | None = None) -> list[Chart]:
    """One heat map per output with per-year indices: the main index of each input (rows, by its
    ``labels``) in each calendar year (columns), every cell with its value as text."""
    labels = labels or {}
    index = main_index(method)
    yearly = sensitivity[sensitivity["year"].notna() & (sensitivity["index"] == index)]
    ids = _slugs(sensitivity)
    charts = []
    for output in dict.fromkeys(yearly["output"]):
        rows = yearly[yearly["output"] == output]
        grid = rows.pivot_table(index="parameter", columns="year", values="value", aggfunc="mean", sort=False)
        if grid.shape[1] < 1 or grid.empty:
            continue
        order = grid.abs().mean(axis=1).sort_values(ascending=False, kind="stable").index[:MOST_INPUTS]
        grid = grid.loc[order]
        clipped = index in ("ST", "S1")  # a Sobol index lies in [0, 1]: shown clipped (the estimate is in the table)
        values = [rounded(np.clip(row, 0.0, 1.0) if clipped else row) for row in grid.to_numpy(float)]
        years = [str(int(c)) for c in grid.columns]
        fig = Figure(heatmap(z=values, x=years, y=[labels.get(p, p) for p in grid.index], colorscale=VIRIDIS_SCALE,
                             colorbar={"title": {"text": index}},
                             text=[[number(v, ".2f") if v is not None else "" for v in row] for row in values],
                             texttemplate="%{text}", hovertemplate="%{y}, %{x}: %{z:.3g}<extra></extra>"))
        _layout(fig, f"{index} of each input by year: {plain(output_label(output, per_year=True))}", "",
                height=max(260, 140 + 34 * len(grid)))
        fig.update_yaxes(autorange="reversed", rangemode="normal", automargin=True, title={"text": None})
        fig.update_xaxes(type="category")
        fig.update_layout(hovermode="closest")
        charts.append(Chart(f"years-{ids[output]}", f"When each input matters: {output_label(output, per_year=True)}",
                            f"Heat map of the {index} of each input (rows) in each calendar year (columns); every "
                            "cell also shows its value as text" + (" (a Sobol index lies in 0–1: estimates beyond are "
                                                                   "shown clipped; sensitivity.csv has them)"
                                                                   if clipped else "") + ".", fig, "sensitivity"))
    return charts


def solve_chart(solve: pd.DataFrame, settings: dict) -> Chart | None:
    """P(target met) at each lever value evaluated, with its 95% interval (green met, red missed),
    the probability asked for (dashed) and the answer (dotted)."""
    if solve.empty or not {"value", "probability", "ci_low", "ci_high", "met"} <= set(solve.columns):
        return None
    from ..explore.design import percent
    from ..explore.rounding import supported_percent
    from ..scenario.labels import input_label

    rows = solve.sort_values("value", kind="stable")
    unit = str(settings.get("unit") or (rows["unit"].iloc[0] if "unit" in rows.columns else ""))
    target = settings.get("target", "the target")
    lever = str(settings.get("label") or input_label(str(settings.get("lever", "lever"))))
    asked = settings.get("probability") if isinstance(settings.get("probability"), (int, float)) else None
    x = rows["value"].to_numpy(float)
    p, low, high = (rows[c].to_numpy(float) * 100 for c in ("probability", "ci_low", "ci_high"))
    met = rows["met"].astype(bool).to_numpy()
    fig = Figure()  # points only: between two evaluated values P is not known
    for flag, label, colour, symbol in ((True, "met", MET_COLOUR, "circle"), (False, "missed", MISSED_COLOUR, "x")):
        pick = met == flag
        if not pick.any():
            continue
        fig.add_trace(scatter(
            x=rounded(x[pick]), y=rounded(p[pick]), mode="markers", name=label,
            marker={"color": colour, "symbol": symbol, "size": 10},
            error_y={"type": "data", "symmetric": False, "array": rounded(high[pick] - p[pick]),
                     "arrayminus": rounded(p[pick] - low[pick]), "color": colour},
            customdata=[f"{lever_value(v, unit)}: P {supported_percent(a / 100, b / 100, c / 100, asked)} (95% interval "
                        f"{b:.1f}% to {c:.1f}%), {label}" for v, a, b, c in zip(x[pick], p[pick], low[pick], high[pick])],
            hovertemplate="%{customdata}<extra></extra>"))
    if asked is not None:
        fig.add_hline(y=asked * 100, line={"color": TARGET_COLOUR, "dash": "dash", "width": 1.5},
                      annotation_text=f"asked: {percent(asked)}", annotation_position="top left")
    answer = settings.get("answer")
    if settings.get("status") == "solved" and isinstance(answer, (int, float)):
        fig.add_vline(x=answer, line={"color": MEDIAN_COLOUR, "dash": "dot", "width": 1.5},
                      annotation_text=plain(f"needed {lever_value(answer, unit)}"), annotation_position="bottom right")
    today = settings.get("today")
    if isinstance(today, (int, float)):
        fig.add_vline(x=today, line={"color": "#1F77B4", "dash": "dashdot", "width": 1.5},
                      annotation_text=plain(f"today {lever_value(today, unit)}"), annotation_position="top right")
    _layout(fig, plain(f"P(target '{target}' met) against {lever}"), "P(met), %", height=420)
    fig.update_yaxes(range=[-3, 103], zeroline=False)
    fig.update_xaxes(zeroline=False)
    fig.update_xaxes(title={"text": plain(lever + (f" ({unit})" if unit and unit != "share" else ""))})
    fig.update_layout(hovermode="closest")
    return Chart("solve", "Solve: P(target met) against the lever",
                 "Each value evaluated, as a point (no line: between two values P is not known): P(target met) (green "
                 "circle met, red cross missed) with its 95% interval as a whisker; the dashed line is the probability "
                 "asked for, the dotted line the value needed, the dash-dot line today's value.", fig, "solve")


def _percent(p: float) -> str:
    from ..explore.design import percent

    return percent(p)


def frontier_chart(front: pd.DataFrame, settings: dict, packages: pd.DataFrame | None = None) -> Chart | None:
    """A package solve as plots/frontier.png draws it: every package evaluated (packages.csv; the
    front alone without it) as a marker (green circle met, red cross missed), the Pareto front
    (frontier.csv) as a step (P between two packages is not known: no sloping line), the probability
    asked for dashed, the cheapest package met ringed, and the x range of the PNG
    (:func:`sim.explore.rounding.cost_axis`)."""
    if front.empty or not {"cost_cny", "probability", "met"} <= set(front.columns):
        return None
    from ..explore.rounding import cost_axis, supported_percent

    every = packages if packages is not None and not packages.empty else front
    rows = every.sort_values("cost_cny", kind="stable")
    x = rows["cost_cny"].to_numpy(float) / 1e6
    p = rows["probability"].to_numpy(float) * 100
    met = rows["met"].astype(bool).to_numpy()
    threshold = settings.get("probability")
    asked = float(threshold) if isinstance(threshold, (int, float)) else None
    shown = [supported_percent(a, lo, hi, asked) for a, lo, hi in
             zip(rows["probability"].astype(float), rows["ci_low"].astype(float), rows["ci_high"].astype(float))]
    paths = [lever["path"] for lever in settings.get("levers") or [] if isinstance(lever, dict) and "path" in lever]
    from ..scenario.labels import input_labels

    names = input_labels(paths)
    text = [", ".join(f"{names[path]} = {row[path]:,.4g}" for path in paths if path in rows.columns)
            for _, row in rows.iterrows()]
    on_front = front.sort_values("cost_cny", kind="stable")
    fig = Figure(scatter(x=rounded(on_front["cost_cny"].to_numpy(float) / 1e6),
                         y=rounded(on_front["probability"].to_numpy(float) * 100), mode="lines",
                         name="Pareto front (highest P for the cost)",
                         line={"color": "#4C72B0", "width": 1.5, "shape": "hv"}, hoverinfo="skip"))
    for flag, label, colour, symbol in ((True, "package: met", MET_COLOUR, "circle"),
                                        (False, "package: missed", MISSED_COLOUR, "x")):
        pick = met == flag
        if not pick.any():
            continue
        fig.add_trace(scatter(
            x=rounded(x[pick]), y=rounded(p[pick]), mode="markers", name=label,
            marker={"color": colour, "symbol": symbol, "size": 9},
            customdata=[f"{c:,.1f} M CNY: P {a}, {label[9:]}; {t}" for c, a, t, k in zip(x, shown, text, pick) if k],
            hovertemplate="%{customdata}<extra></extra>"))
    step = settings.get("answer_step")
    chosen = (rows["step"] == step).to_numpy() if settings.get("status") == "solved" and "step" in rows else None
    if chosen is not None and chosen.any():
        fig.add_trace(scatter(x=rounded(x[chosen]), y=rounded(p[chosen]), mode="markers", name="cheapest package met",
                              marker={"symbol": "circle-open", "size": 20, "color": MEDIAN_COLOUR,
                                      "line": {"width": 2, "color": MEDIAN_COLOUR}}, hoverinfo="skip"))
    if asked is not None:
        fig.add_hline(y=asked * 100, line={"color": TARGET_COLOUR, "dash": "dash", "width": 1.5},
                      annotation_text=f"asked: {_percent(asked)}", annotation_position="top left")
    _layout(fig, plain(f"P(target '{settings.get('target', 'the target')}' met) against the package's cost"),
            "P(met), %", height=420)
    fig.update_yaxes(range=[-3, 103], zeroline=False)
    fig.update_xaxes(zeroline=False, range=list(cost_axis(x)),
                     title={"text": "cost of the package (million CNY: public cost simulated + declared lever costs)"})
    fig.update_layout(hovermode="closest", legend={"y": -0.22}, margin={"b": 110})  # below the axis title
    return Chart("frontier", "Solve: the cheapest package, P(target met) against cost",
                 "Every package evaluated (green circle met, red cross missed), the Pareto front as a step (each "
                 "package on it has a higher P than every cheaper one; between two packages P is not known), the "
                 "cheapest package met ringed; the dashed line is the probability asked for.", fig, "solve")
