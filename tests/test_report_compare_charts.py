"""The comparison's charts in the report (sim/report/compare_charts.py), from hand-made tables:
variants of different kinds never share an axis, calibration targets and variants that differ in
no run are left out (and named), each panel gives the base's own value, energy is in TWh, and the
policies that spend public money get a cost-against-effect chart."""

from __future__ import annotations

import math

import pandas as pd
from report_folders import plotly_json

from sim.report.compare_charts import cost_effect_chart, differences_chart, variant_info, variants_chart
from sim.report.ranking import _bracket

SCENARIO = {"variants": {
    "fast": {"kind": "policy", "description": "approvals in half the time", "set": {}},
    "paid": {"kind": "policy", "label": "capex subsidy", "description": "15% of equipment", "set": {}},
    "late": {"kind": "risk", "description": "the big project a year late", "set": {}},
    "fp32": {"kind": "view", "description": "FP32-equivalent basis", "set": {}},
    "same": {"kind": "risk", "description": "changes nothing", "set": {}},
}}
INFO = variant_info(SCENARIO)
DIFFS = {"fast": 0.2, "paid": 0.1, "late": -0.3, "fp32": 0.0, "same": 0.0}
"""P(plan 2026 met) minus the base's 0.25; fp32 counts the same runs another way: same P here."""


def compare_table() -> pd.DataFrame:
    rows = []
    for v, d in DIFFS.items():
        rows.append({"variant": v, "output": "target_probability", "when": "plan 2026", "unit": "share", "base": 0.25,
                     "value": 0.25 + d, "diff_mean": d, "diff_ci_low": d - 0.05 * (d != 0), "diff_ci_high": d + 0.05 * (d != 0)})
        rows.append({"variant": v, "output": "target_probability", "when": "calibration 2025", "unit": "share",
                     "base": 1.0, "value": 0.0 if v == "fp32" else 1.0, "diff_mean": -1.0 if v == "fp32" else 0.0,
                     "diff_ci_low": -1.0 if v == "fp32" else 0.0, "diff_ci_high": -1.0 if v == "fp32" else 0.0})
        eflops = -30.0 if v == "fp32" else 10 * d
        rows.append({"variant": v, "output": "total_eflops", "when": "plan 2026", "unit": "EFLOPS", "base": 180.0,
                     "value": 180 + eflops, "diff_mean": eflops, "diff_ci_low": eflops, "diff_ci_high": eflops})
        for year, base in (("2025", 800.0), ("2026", 1000.0)):  # peak MW: the base's highest in 2026
            rows.append({"variant": v, "output": "peak_facility_mw", "when": year, "unit": "MW", "base": base,
                         "value": base + 100 * d, "diff_mean": 100 * d, "diff_ci_low": 100 * d, "diff_ci_high": 100 * d})
            rows.append({"variant": v, "output": "energy_mwh", "when": year, "unit": "MWh", "base": 5e6,
                         "value": 5e6 + 1e6 * d, "diff_mean": 1e6 * d, "diff_ci_low": 1e6 * d, "diff_ci_high": 1e6 * d})
        money = 1e9 if v == "paid" else 0.0
        rows.append({"variant": v, "output": "subsidy_cny", "when": "", "unit": "CNY", "base": 2e9,
                     "value": 2e9 + money, "diff_mean": money, "diff_ci_low": money, "diff_ci_high": money})
    return pd.DataFrame(rows)


ORDER = ["fast", "paid", "base", "late", "fp32", "same"]


def test_differences_one_row_of_panels_per_kind_without_calibration_or_all_zero_variants():
    chart = differences_chart(compare_table(), ORDER, "plan 2026", INFO)
    assert plotly_json(chart.figure)  # plotly.py accepts it
    data, layout = chart.figure.data, chart.figure.layout
    titles = [a["text"] for a in layout["annotations"] if a["text"]]
    # one panel per output, titled with the base's own value; peak MW in the base's peak year; TWh
    # each over lines of at most 22 characters (110 / 5 panels), so neighbours never run into each other
    assert titles == ["P(met) (points)<br>base 25%", "EFLOPS at target<br>(EFLOPS)<br>base 180 EFLOPS",
                      "peak power 2026 (MW)<br>base 1,000 MW", "public money (bn CNY)<br>base 2 bn CNY",
                      "facility energy (TWh)<br>base 10 TWh"]
    assert all(len(line) <= 22 for t in titles for line in t.split("<br>"))
    assert all(layout[k].get("tickangle") == 0 for k in layout if k.startswith("xaxis"))  # upright tick labels
    assert not any("calibration" in t for t in titles)
    # rows by kind: policies, then risks, then views; 'same' differs in no run and is left out
    assert {tuple(t["y"]) for t in data} == {("fast", "capex subsidy"), ("late",), ("fp32",)}
    assert len(data) == 3 * 5  # three rows of five panels
    assert [layout[f"yaxis{n}"]["title"]["text"] for n in ("", "6", "11")] == [
        "policies", "risks and assumptions", "views (another way of counting)"]
    assert chart.description.endswith("No difference from the base in any run (left out): same.")
    # the P(met) panel of the policies: +20 and +10 points; hover names the description
    first = data[0]
    assert first["x"] == [20.0, 10.0] and first["y"] == ["fast", "capex subsidy"]
    assert first["customdata"][1] == ["capex subsidy (policy): 15% of equipment",
                                      "P(met): +10 points (95% interval +5 to +15)"]
    fp32 = next(t for t in data if t["y"] == ["fp32"] and t["name"] == "P(met)")
    assert fp32["customdata"] == [["fp32 (view): FP32-equivalent basis", "P(met): no difference"]]


def test_small_multiples_one_panel_per_variant_the_base_in_grey_but_not_under_a_view():
    months = ["2025-01", "2025-02"]
    monthly = pd.DataFrame([{"variant": v, "month": m, "metric": "total_eflops", "p10": 1.0 + i, "p50": 2.0 + i,
                             "p90": 3.0 + i} for v in ["base", *DIFFS] for i, m in enumerate(months)])
    chart = variants_chart(monthly, INFO, "as reported")
    assert plotly_json(chart.figure)
    medians = [t for t in chart.figure.data if t.get("line", {}).get("width") == 2.5]
    assert [t["name"] for t in medians] == ["fast", "capex subsidy", "late", "same", "fp32"]
    assert len({(t["xaxis"], t["yaxis"]) for t in medians}) == 5  # one panel each
    greys = [t for t in chart.figure.data if t["name"] == "base, median"]
    fp32_axis = next(t["xaxis"] for t in medians if t["name"] == "fp32")
    assert len(greys) == 4 and fp32_axis not in {t["xaxis"] for t in greys}
    assert all(t["line"]["color"] == "#9A9A9A" for t in greys)
    # every panel labels its years (not only the bottom row), and the unit is said
    layout = chart.figure.layout
    assert all(layout[k].get("showticklabels") is True for k in layout if k.startswith("xaxis"))
    assert all(layout[k]["title"]["text"].endswith("<br>EFLOPS") for k in layout
               if k.startswith("yaxis") and layout[k].get("title"))


def test_cost_against_effect_only_for_policies_that_add_public_money():
    ranking = pd.DataFrame([
        {"variant": "fast", "kind": "policy", "diff_mean": 0.2, "public_cny": 2e9},
        {"variant": "paid", "kind": "policy", "diff_mean": 0.1, "public_cny": 3e9},
        {"variant": "base", "kind": "base", "diff_mean": 0.0, "public_cny": 2e9},
        {"variant": "late", "kind": "risk", "diff_mean": -0.3, "public_cny": 5e9},
    ])
    chart = cost_effect_chart(ranking, INFO, "probability of meeting 'plan 2026'", "percentage points", 100.0)
    assert plotly_json(chart.figure)
    base, policies = chart.figure.data
    assert (base["x"], base["y"]) == ([0.0], [0.0])
    assert (policies["x"], policies["y"], policies["text"]) == ([1.0], [10.0], ["capex subsidy"])
    assert cost_effect_chart(ranking.assign(public_cny=2e9), INFO, "x", "points", 100.0) is None  # nobody pays more
    assert cost_effect_chart(ranking.assign(diff_mean=0.0), INFO, "x", "points", 100.0) is None  # money moves nothing


def test_a_difference_of_zero_in_every_run_reads_no_difference():
    row = pd.Series({"diff_mean": 0.0, "diff_ci_low": 0.0, "diff_ci_high": 0.0})
    assert _bracket(row, "%", 100.0) == "no difference"
    assert _bracket(row.assign() if False else pd.Series({"diff_mean": 0.0, "diff_ci_low": math.nan,
                                                          "diff_ci_high": math.nan}), "%", 100.0) == "no difference"
    assert _bracket(pd.Series({"diff_mean": 0.1, "diff_ci_low": 0.05, "diff_ci_high": 0.15}), "%", 100.0) == \
        "+10.0 [+5.0, +15.0]"


def test_the_growth_chart_states_the_finding_and_the_page_reads_the_bands_once(tmp_path):
    from report_folders import compare_folder

    from sim.report.page import build_html, charts_for
    from sim.report.read import read_folder
    from sim.report.findings import state_findings

    folder = read_folder(compare_folder(tmp_path / "cmp"))
    growth = next(c for c in state_findings(folder, charts_for(folder)) if c.id == "growth")
    title = growth.figure.layout["title"]["text"]
    # the base meets 'plan A' in 75% of the runs: "about 8 in 10"; reached_p50 of the base
    assert title.startswith("The base: plan A: met in about 8 in 10 simulated futures; ")
    assert "<br><sub>Compute capacity by class" in title
    page = build_html(folder, tmp_path)
    assert page.count('id="band-reading"') == 1
    assert ("each line is the middle estimate (the median) of 200 simulated futures; 8 in 10 of them fall inside "
            "the shaded band (P10 to P90)") in page


def test_a_label_is_shown_as_written_in_the_page_and_the_png():
    """A label is text: markup is not drawn as HTML, a $ is not matplotlib's mathtext."""
    from sim import plots

    info = variant_info({"variants": {"fast": {"kind": "policy", "label": "<b>$5 bn</b> & more", "set": {}}}})
    months = ["2025-01", "2025-02"]
    monthly = pd.DataFrame([{"variant": v, "month": m, "metric": "total_eflops", "p10": 1.0, "p50": 2.0, "p90": 3.0}
                            for v in ("base", "fast") for m in months])
    chart = variants_chart(monthly, info, "as reported")
    titles = [a["text"] for a in chart.figure.layout["annotations"] if a["text"]]
    assert titles == ["&lt;b&gt;$5 bn&lt;/b&gt; &amp; more"]
    context = plots.PlotContext(variants=(("fast", "policy", "<b>$5 bn</b> & more"),))
    with plots.font_context([]):  # as capsim draws: every text plain, never mathtext
        fig = plots.compare(monthly.assign(mean=2.0, p5=1.0, p95=3.0), pd.DataFrame(
            [{"variant": "fast", "output": "total_eflops", "when": "", "unit": "EFLOPS", "base": 2.0, "value": 3.0,
              "diff_mean": 1.0, "diff_ci_low": 0.5, "diff_ci_high": 1.5}]), context)
        fig.canvas.draw()  # mathtext would fail or eat the $ signs here
    panel = next(ax for ax in fig.axes if any(l.get_gid() == "variant:fast" for l in ax.get_lines()))
    title = next(t for t in panel.texts + [panel.title, panel._left_title] if "bn" in t.get_text())
    assert title.get_text() == "policies (choices)\n<b>$5 bn</b> & more"
    assert not title.get_parse_math()
