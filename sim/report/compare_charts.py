"""The comparison's charts: each variant against the base, told apart by kind.

* :func:`variants_chart`: small multiples of total compute, one panel per variant (its median and
  P10-P90 band) with the base's median in grey, a row of panels per kind (policies; risks and
  assumptions; views, which count on another basis and so have no base line).
* :func:`differences_chart`: the paired difference to the base with its 95% interval, one panel
  per output (the ranked target's P(met), total EFLOPS there, peak facility power, energy in TWh,
  public money, carbon) and a row of panels per kind; calibration targets never appear, and a
  variant whose every difference is 0 is left out and named in the caption.
* :func:`cost_effect_chart`: the policies that add public money, their extra cost against their
  effect on the ranked figure.

Each variant is named by its label (its ``label:``, else its name with spaces) and its hover text
gives its description.
"""

from __future__ import annotations

import math

import pandas as pd

from ..scenario.variants import variant_label
from .charts import BAND_OPACITY, Chart, _layout, _rgba, rounded, variant_styles
from .figure import Figure, make_subplots, plain, scatter
from .palette import MEDIAN_COLOUR, TARGET_COLOUR
from .ranking import TOTALS, _total
from .text import BASE, rows_of, variants_of

KIND_ROWS = (("policy", ("policy",), "policies"), ("effect", ("risk", "assumption"), "risks and assumptions"),
             ("view", ("view",), "views (another way of counting)"), ("other", ("",), "unclassified"))
BASE_GREY = "#9A9A9A"
COLUMNS = 3


def variant_info(scenario: dict) -> dict[str, tuple[str, str, str]]:
    """{name: (kind or '', label, description)} of the scenario's variants (and the base)."""
    out = {BASE: ("base", "base (do nothing new)", "the scenario as written: do nothing new")}
    for name, spec in (scenario.get("variants") or {}).items():
        if isinstance(spec, dict):
            out[name] = (spec.get("kind") or "", variant_label(name, spec), str(spec.get("description") or ""))
    return out


def kind_rows(names: list[str], info: dict) -> list[tuple[str, str, list[str]]]:
    """(key, heading, variants) per kind that has variants; one row 'variants' when none has a kind."""
    names = [n for n in names if n != BASE]
    if not any(info.get(n, ("",))[0] for n in names):
        return [("all", "variants", names)] if names else []
    out = []
    for key, kinds, heading in KIND_ROWS:
        mine = [n for n in names if info.get(n, ("",))[0] in kinds]
        if mine:
            out.append((key, heading, mine))
    return out


def _label(info: dict, name: str) -> str:
    return info.get(name, ("", name.replace("-", " "), ""))[1]


def _about(info: dict, name: str) -> str:
    """'label: description' for hover texts."""
    kind, label, text = info.get(name, ("", name, ""))
    return f"{label} ({kind})" + (f": {text}" if text else "") if kind else label + (f": {text}" if text else "")


def variants_chart(monthly: pd.DataFrame, info: dict, basis: str) -> Chart | None:
    """Small multiples of total compute, each variant against the base (see the module docstring)."""
    names = variants_of(monthly)
    rows = kind_rows(names, info)
    if not rows:
        return None
    total = rows_of(monthly, "total_eflops")
    base = total[total["variant"] == BASE]
    cells = [(key, heading, chunk) for key, heading, mine in rows
             for chunk in (mine[i:i + COLUMNS] for i in range(0, len(mine), COLUMNS))]
    titles = []
    for key, heading, chunk in cells:
        titles += [plain(_label(info, n)) for n in chunk] + [""] * (COLUMNS - len(chunk))  # annotations: plain text
    fig = make_subplots(rows=len(cells), cols=COLUMNS, shared_xaxes=True, subplot_titles=titles,
                        vertical_spacing=min(0.08, 0.6 / len(cells)), horizontal_spacing=0.06)
    styles = variant_styles([BASE, *names])
    shown = set()
    for r, (key, heading, chunk) in enumerate(cells, start=1):
        if heading not in shown:  # the first row of panels of each kind names the kind
            fig.update_yaxes(title={"text": f"{heading}<br>EFLOPS", "font": {"size": 12}}, row=r, col=1)
            shown.add(heading)
        for c, name in enumerate(chunk, start=1):
            own = total[total["variant"] == name]
            xs = list(own["month"].astype(str))
            colour = styles[name]["color"]
            if key != "view" and not base.empty:
                fig.add_trace(scatter(x=list(base["month"].astype(str)), y=rounded(base["p50"]), mode="lines",
                                      name="base, median", line={"color": BASE_GREY, "width": 1.5, "shape": "hv"},
                                      showlegend=False, customdata=["base"] * len(base),
                                      hovertemplate="base: %{y:,.4g} EFLOPS<extra></extra>"), row=r, col=c)
            fig.add_trace(scatter(x=xs, y=rounded(own["p90"]), mode="lines", line={"width": 0, "shape": "hv"},
                                  hoverinfo="skip", showlegend=False, name=f"{name} P90"), row=r, col=c)
            fig.add_trace(scatter(x=xs, y=rounded(own["p10"]), mode="lines", line={"width": 0, "shape": "hv"},
                                  fill="tonexty", fillcolor=_rgba(colour, BAND_OPACITY), hoverinfo="skip",
                                  showlegend=False, name=f"{name} P10–P90"), row=r, col=c)
            fig.add_trace(scatter(x=xs, y=rounded(own["p50"]), mode="lines", name=_label(info, name),
                                  line={"color": colour, "width": 2.5, "shape": "hv"}, showlegend=False,
                                  customdata=[_about(info, name)] * len(own),  # not in the template: may hold "%{"
                                  hovertemplate="%{customdata}<br>median %{y:,.4g} EFLOPS<extra></extra>"),
                          row=r, col=c)
    _layout(fig, "Total compute of each variant (colour) against the base (grey)<br><sub>median total EFLOPS by "
            "month, P10 to P90 band</sub>", "", height=120 + 200 * len(cells))
    fig.update_xaxes(showticklabels=True, tickformat="%Y")  # every panel says its years, not only the bottom one
    fig.update_layout(hovermode="closest", margin={"t": 90})
    fig.update_annotations(font={"size": 12})
    headings = ", ".join(f"{h} ({len(m)})" for _, h, m in rows)
    return Chart("variants-growth", "Total compute of every variant against the base",
                 f"Small multiples, one panel per variant, in rows by kind: {headings}. Each panel shows the "
                 f"variant's median total EFLOPS ({basis}; a view on its own basis) as a coloured line with its "
                 "P10 to P90 band, and the base's median as a grey line (none for views, which count the same runs "
                 "another way). Hover a line for the variant's description.", fig, "compare")


def _panels(compare: pd.DataFrame, target: str | None) -> list[tuple[str, str, float, pd.DataFrame, str]]:
    """(title, unit, scale, rows by variant with base / diff_mean / diff_ci_low / diff_ci_high, base text)."""
    columns = ["base", "diff_mean", "diff_ci_low", "diff_ci_high"]
    panels = []
    if target is not None:
        for output, title, unit, scale in (("target_probability", "P(met)", "points", 100.0),
                                           ("total_eflops", "EFLOPS at target", "EFLOPS", 1.0)):
            rows = compare[(compare["output"] == output) & (compare["when"] == target)]
            if not rows.empty:
                base = float(rows["base"].iloc[0]) * scale
                shown = f"{base:.0f}%" if unit == "points" else f"{base:,.4g} {unit}"
                panels.append((title, unit, scale, rows.set_index("variant")[columns], f"base {shown}"))
    peak = compare[compare["output"] == "peak_facility_mw"]
    if not peak.empty:  # the year in which the base's peak is highest
        year = peak.loc[peak["base"].astype(float).idxmax(), "when"]
        rows = peak[peak["when"] == year]
        panels.append((f"peak power {year}", "MW", 1.0, rows.set_index("variant")[columns],
                       f"base {float(rows['base'].iloc[0]):,.0f} MW"))
    for key, (outputs, label, unit, scale) in TOTALS.items():
        rows = _total(compare, outputs)
        if not rows.empty and (rows[columns[1:]].abs().sum().sum() > 0 or key == "public_cost"):
            base = float(rows["base"].iloc[0]) * scale
            panels.append((label.split(" (")[0].replace(" over the horizon", ""), unit, scale, rows[columns],
                           f"base {base:,.3g} {unit}"))
    return panels


def _all_zero(panels, name: str) -> bool:
    for _, _, _, rows, _ in panels:
        if name in rows.index and any(float(rows.at[name, c]) != 0 for c in ("diff_mean", "diff_ci_low", "diff_ci_high")
                                      if math.isfinite(float(rows.at[name, c]))):
            return False
    return True


def _header(title: str, base: str, panels: int) -> str:
    """A panel's title over as many lines as its column's width needs (six panels across a page
    leave about 18 characters: 'EFLOPS at target (EFLOPS) base 39.25 EFLOPS' ran into its neighbour)."""
    import textwrap

    width = max(12, 110 // max(panels, 1))
    return "<br>".join(textwrap.wrap(title, width, break_long_words=False) + textwrap.wrap(base, width,
                                                                                          break_long_words=False))


def differences_chart(compare: pd.DataFrame, order: list[str], target: str | None, info: dict) -> Chart | None:
    """Each variant's paired difference to the base with its 95% interval (see the module docstring)."""
    panels = _panels(compare, target)
    names = [n for n in order if n != BASE]
    same = [n for n in names if _all_zero(panels, n)]
    rows = kind_rows([n for n in names if n not in same], info)
    if not panels or not rows:
        return None
    titles = [_header(f"{t} ({u})", b, len(panels)) for t, u, _, _, b in panels]
    fig = make_subplots(rows=len(rows), cols=len(panels), horizontal_spacing=0.03,
                        subplot_titles=titles + [""] * (len(panels) * (len(rows) - 1)),
                        row_heights=[len(m) + 1.5 for _, _, m in rows], vertical_spacing=0.06)
    styles = variant_styles([BASE, *names])
    for r, (_, heading, mine) in enumerate(rows, start=1):
        for col, (title, unit, scale, table, _) in enumerate(panels, start=1):
            present = [n for n in mine if n in table.index]
            mean = table.loc[present, "diff_mean"].to_numpy(float) * scale
            low = table.loc[present, "diff_ci_low"].to_numpy(float) * scale
            high = table.loc[present, "diff_ci_high"].to_numpy(float) * scale
            labels = [_label(info, n) for n in present]
            fig.add_trace(scatter(
                x=rounded(mean), y=labels, mode="markers", name=title, showlegend=False,
                marker={"symbol": [styles[n]["symbol"] for n in present], "size": 10,
                        "color": [styles[n]["color"] for n in present]},
                error_x={"type": "data", "symmetric": False, "array": rounded(high - mean),
                         "arrayminus": rounded(mean - low), "color": MEDIAN_COLOUR, "thickness": 1.5},
                customdata=[[_about(info, n), f"{title}: " + (
                    "no difference" if m == 0 and lo == hi == 0 else
                    f"{m:+,.4g} {unit} (95% interval {lo:+,.4g} to {hi:+,.4g})" if math.isfinite(lo)
                    else f"{m:+,.4g} {unit}")] for n, m, lo, hi in zip(present, mean, low, high)],
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>"), row=r, col=col)
            fig.add_vline(x=0, line={"color": TARGET_COLOUR, "width": 1, "dash": "dot"}, row=r, col=col)
        fig.update_yaxes(title={"text": heading}, row=r, col=1)
    for r in range(1, len(rows) + 1):
        for col in range(2, len(panels) + 1):
            fig.update_yaxes(showticklabels=False, row=r, col=col)
    count = sum(len(m) for _, _, m in rows)
    _layout(fig, "Difference to the base, mean with 95% interval", "", height=max(360, 160 + 34 * count + 60 * len(rows)))
    fig.update_yaxes(autorange="reversed", rangemode="normal", automargin=True)
    fig.update_xaxes(rangemode="normal", zeroline=True, tickangle=0, nticks=4)  # upright, few: they never collide
    fig.update_layout(hovermode="closest", margin={"t": 150})
    fig.update_annotations(font={"size": 11})
    left_out = (f" No difference from the base in any run (left out): {', '.join(_label(info, n) for n in same)}."
                if same else "")
    return Chart("differences", "Each variant against the base",
                 "Dot-and-whisker chart, one row per variant (in rows of panels by kind, ranking order) and one "
                 "panel per output, each titled with the base's own value: the mean paired difference to the base "
                 "(dot; the same simulated futures with and without the change) and its 95% interval (whisker); the "
                 "dotted line is no difference. Calibration targets are not shown." + left_out, fig, "compare")


def cost_effect_chart(ranking: pd.DataFrame, info: dict, ranked_by: str, unit: str, scale: float) -> Chart | None:
    """Policies that add public money: extra public money (x, bn CNY) against the effect on the
    ranked figure (y: ranking's diff_mean x ``scale``, in ``unit``); the base at (0, 0)."""
    if ranking is None or "public_cny" not in ranking.columns or BASE not in set(ranking["variant"]):
        return None
    kinds = ranking["kind"].fillna("").astype(str) if "kind" in ranking.columns else pd.Series("", index=ranking.index)
    policies = ranking[kinds.isin(["policy", ""]) & (ranking["variant"] != BASE)]
    base_public = float(ranking.loc[ranking["variant"] == BASE, "public_cny"].iloc[0])
    extra = (policies["public_cny"].astype(float) - base_public) / 1e9
    spending = policies[extra > 1e-9]
    if spending.empty:
        return None
    xs = (spending["public_cny"].astype(float) - base_public) / 1e9
    ys = spending["diff_mean"].astype(float) * scale
    if not (ys.abs() > 0).any():  # the money moves nothing ranked: the tables say so, a chart of zeros would not
        return None
    fig = Figure()
    fig.add_trace(scatter(x=[0.0], y=[0.0], mode="markers+text", name="base", text=["base"],
                          textposition="bottom right", marker={"symbol": "circle", "size": 11, "color": MEDIAN_COLOUR},
                          hovertemplate="base: no extra money, no change<extra></extra>"))
    labels = [_label(info, n) for n in spending["variant"]]
    fig.add_trace(scatter(x=rounded(xs), y=rounded(ys), mode="markers+text", name="policies that add public money",
                          text=labels, textposition="middle left", marker={"symbol": "diamond", "size": 12,
                                                                          "color": TARGET_COLOUR},
                          customdata=[[_about(info, n), f"+{x:,.3g} bn CNY: {y:+,.3g} {unit}"]
                                      for n, x, y in zip(spending["variant"], xs, ys)],
                          hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>"))
    _layout(fig, f"What the public money buys: {plain(ranked_by)}", f"change against the base ({unit})")
    fig.update_xaxes(title={"text": "extra public money against the base (bn CNY, subsidy + vouchers)"},
                     range=[-0.05 * float(xs.max()), 1.15 * float(xs.max())])
    fig.update_yaxes(rangemode="normal", zeroline=True)
    fig.update_layout(hovermode="closest", showlegend=False)
    return Chart("cost-effect", "Cost against effect of the policies that spend public money",
                 f"Scatter chart, one point per policy that adds public money: how much more it pays than the base "
                 f"(across) against how much it changes {ranked_by} (up); the base at zero. Up and to the left is "
                 "more effect for less money.", fig, "compare")
