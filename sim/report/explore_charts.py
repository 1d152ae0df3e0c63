"""The explore charts a non-statistician reads: per question, a tornado in the outcome's own units
(each input's lowest and highest fifth of the samples and the mean outcome there), and per target
answered, P(met) of every sample over the two inputs that decide it most, with PRIM's box drawn.
Like :mod:`sim.report.study_charts`, each reads tables only (through
:mod:`sim.report.explore_answer`) and returns nothing when they lack what it draws."""

from __future__ import annotations

import math

import pandas as pd

from ..explore.answer import deciding, outcome, short
from .charts import Chart, _layout, rounded
from .explore_answer import box_range, explore_questions, explore_settings, input_labels_of, input_units
from .figure import Figure, bar, plain, scatter
from .studies import main_index, method_of

MOST_INPUTS = 10
LOW_COLOUR, HIGH_COLOUR = "#8DA0CB", "#E78AC3"
MET_COLOUR, MISSED_COLOUR = "#2C7BB6", "#D7191C"


def _scale(unit: str) -> tuple[float, str]:
    """(divisor, axis unit) of an outcome: shares in %, energy in TWh, money in million CNY."""
    return {"share": (0.01, "%"), "MWh": (1e6, "TWh"), "CNY": (1e6, "million CNY"), "t": (1e6, "Mt")}.get(
        unit, (1.0, unit))


def effect_charts(folder) -> list[Chart]:
    """One tornado per question: for each input that moves the outcome, a bar from the mean outcome
    in its lowest fifth of the samples to that in its highest fifth, the widest at the top."""
    index = main_index(method_of(folder))
    units = input_units(folder)
    charts = []
    qs = explore_questions(folder)[0]
    ids = _ids([q.output for q in qs])
    for q in qs:
        rows = deciding(q, index).dropna(subset=["low_mean", "high_mean"]).head(MOST_INPUTS)
        if rows.empty:
            continue
        rows = rows.assign(width=(rows["high_mean"] - rows["low_mean"]).abs()).sort_values(
            "width", ascending=False, kind="stable")
        divisor, axis_unit = _scale(q.unit)
        names = [plain(r) for r in rows["label"]]
        low = rows["low_mean"].to_numpy(float) / divisor
        high = rows["high_mean"].to_numpy(float) / divisor
        fig = Figure(bar(y=names, x=rounded(high - low), base=rounded(low), orientation="h", name="effect",
                         marker={"color": "#CCCCCC"}, showlegend=False, hoverinfo="skip"))
        for end, colour, symbol, values in (("low", LOW_COLOUR, "circle", low), ("high", HIGH_COLOUR, "diamond", high)):
            inputs = [short(v) + (f" {units[p]}" if units.get(p, "") not in ("", "share") else "")
                      for v, p in zip(rows[f"{end}_value"], rows["parameter"])]
            fig.add_trace(scatter(
                y=names, x=rounded(values), mode="markers+text", name=f"input in its {end}est fifth of the samples",
                marker={"color": colour, "symbol": symbol, "size": 12}, text=inputs,
                # each label on the outer side of its bar's end (an input that lowers the outcome has its
                # low end on the right): the two never run into each other ("0.371 / 0.63 months")
                textposition=["middle left" if v < other or (v == other and end == "low") else "middle right"
                              for v, other in zip(values, high if end == "low" else low)],
                customdata=[f"{n} about {i}: {plain(outcome(m, q.unit))}"
                            for n, i, m in zip(names, inputs, rows[f"{end}_mean"])],
                hovertemplate="%{customdata}<extra></extra>"))
        what = f"P(target '{q.target}' met)" if q.target else q.title
        _layout(fig, plain(f"What moves {what}, in its own units"), "", height=max(260, 130 + 40 * len(rows)))
        fig.update_yaxes(autorange="reversed", rangemode="normal", automargin=True)
        span = float(max(high.max(), low.max()) - min(high.min(), low.min())) or 1.0
        fig.update_xaxes(title={"text": plain(f"{what} ({axis_unit})")}, rangemode="normal",
                         range=[float(min(high.min(), low.min())) - 0.25 * span, float(max(high.max(), low.max())) + 0.25 * span])
        fig.update_layout(hovermode="closest", legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
                          margin={"t": 130}, title={"y": 0.98, "yanchor": "top"})  # the legend under the title
        charts.append(Chart(f"effects-{ids[q.output]}",
                            f"What moves {what}",
                            "Tornado chart, one bar per input that moves the outcome, the widest effect at the top: "
                            "the bar runs from the mean outcome over the samples in which the input is in its lowest "
                            "fifth (blue circle, labelled with the input's mean value there) to that in its highest "
                            "fifth (pink diamond), in the outcome's own units.", fig, "sensitivity"))
    return charts


def _ids(names) -> dict[str, str]:
    from ..explore.sensitivity import slugs

    return slugs(names)


def pmet_charts(folder) -> list[Chart]:
    """Per target answered: every sample placed by the two inputs that decide its P(met) most,
    coloured by P(met) (blue met, red missed), with PRIM's box of the misses drawn on it."""
    samples, discovery = folder.table("samples"), folder.table("discovery")
    probability = explore_settings(folder).get("probability")
    if samples is None or not isinstance(probability, (int, float)):
        return []
    labels, units = input_labels_of(folder), input_units(folder)
    charts = []
    qs = explore_questions(folder)[0]
    ids = _ids([c[6:-1] for c in samples.columns if c.startswith("p_met[") and c.endswith("]")])
    for q in qs:
        if q.target is None or q.output not in samples.columns:
            continue
        box = pd.DataFrame() if discovery is None else discovery[(discovery["target"] == q.target)
                                                                 & discovery["chosen"].astype(bool)]
        boxed = {str(b) for b in box.get("parameter", ()) if isinstance(b, str) and b}
        ranked = [p for p in q.rows["parameter"] if p in samples.columns]
        pair = ([p for p in ranked if p in boxed] + [p for p in ranked if p not in boxed])[:2]
        if len(pair) < 2:
            continue
        x, y = pair
        p = samples[q.output].to_numpy(float)
        met = p >= probability
        fig = Figure()
        for flag, name, colour, symbol in ((True, "met", MET_COLOUR, "circle"), (False, "missed", MISSED_COLOUR, "x")):
            pick = met == flag
            if not pick.any():
                continue
            fig.add_trace(scatter(
                x=rounded(samples[x].to_numpy(float)[pick]), y=rounded(samples[y].to_numpy(float)[pick]),
                mode="markers", name=f"{name} (P(met) {'≥' if flag else '<'} {probability:.0%})",
                marker={"color": colour, "symbol": symbol, "size": 8, "opacity": 0.8},
                customdata=[f"P(met) {v:.0%}" for v in p[pick]],
                hovertemplate="%{x}, %{y}: %{customdata}<extra></extra>"))
        note = ""
        if boxed:
            limits = {r.parameter: (r.low, r.high) for r in box.itertuples() if isinstance(r.parameter, str)}
            x0, x1 = _side(limits.get(x), samples[x])
            y0, y1 = _side(limits.get(y), samples[y])
            fig.layout.setdefault("shapes", []).append(
                {"type": "rect", "xref": "x", "yref": "y", "x0": x0, "x1": x1, "y0": y0, "y1": y1,
                 "line": {"color": "#333333", "width": 2, "dash": "dash"}, "fillcolor": "rgba(0,0,0,0)"})
            others = [box_range(labels.get(k, k), lo, hi, units.get(k, "")) for k, (lo, hi) in limits.items()
                      if k not in (x, y)]
            note = (" The dashed box is PRIM's box of the misses" + (f" (it also needs {'; '.join(others)})"
                                                                   if others else "") + ".")
        title = plain(f"Where target '{q.target}' is met: P(met) of each sample")
        _layout(fig, title, _wrapped(_axis(labels.get(y, y), units.get(y, ""))), height=520)
        fig.update_xaxes(title={"text": plain(_axis(labels.get(x, x), units.get(x, "")))})
        fig.update_yaxes(rangemode="normal", automargin=True)
        fig.update_layout(hovermode="closest", legend={"y": -0.2}, margin={"b": 120})  # under the x title
        charts.append(Chart(f"pmet-{ids[q.target]}", f"Where target '{q.target}' is met",
                            "Scatter chart: each sample placed by the two inputs that decide this target most, blue "
                            "circle where P(met) reaches the probability asked for, red cross where it does not."
                            + note, fig, "sensitivity"))
    return charts


def _side(limit, values: pd.Series) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    if limit is None:
        return low, high
    lo, hi = limit
    return (low if lo is None or (isinstance(lo, float) and math.isnan(lo)) else float(lo),
            high if hi is None or (isinstance(hi, float) and math.isnan(hi)) else float(hi))


def _wrapped(text: str, width: int = 36) -> str:
    """A long y-axis title over lines of at most ``width`` characters (it was cut at the page's
    edge: 'nd ETDZ general-purpose data cen'), as plain text joined by Plotly's line breaks."""
    import textwrap

    return "<br>".join(plain(line) for line in textwrap.wrap(text, width, break_long_words=False)) or plain(text)


def _axis(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit and unit != "share" else label
