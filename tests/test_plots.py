"""Plots: each one built from a small result, checked for what it shows.

The scenarios are small and written out here. Artists the tests look for carry a ``gid``
("median:total", "target:plan 2026", "p50:<project>", ...), so a test can find them by name.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import matplotlib.collections
import matplotlib.container
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import sim
from sim import plots
from sim.output import plotfiles

ROOT = Path(__file__).resolve().parents[1]

SMALL = {
    "name": "Testland",
    "horizon": {"start": "2025-01", "end": "2026-12"},
    "accounting": {"label": "FP16 equivalent"},
    "sites": {"s": {"monthly_temp_c": [-5, -3, 2, 8, 14, 19, 22, 20, 14, 7, 0, -4]}},
    "cooling": {"air": {"pue_curve": [[-5, 1.2], [25, 1.5]]}},
    "projects": [
        {"id": "old-general", "class": "general", "site": "s", "cooling": "air",
         "compute": {"pflops": 1000, "precision": "FP32"}, "it_mw": 100, "utilization": 0.5,
         "status": "operating"},
        {"id": "new-ai", "class": "intelligent", "site": "s", "cooling": "air",
         "compute": {"pflops": 3000, "precision": "FP16"}, "it_mw": 50, "utilization": 0.6,
         "status": "construction", "online": "2025-07"},
        {"id": "hpc", "class": "supercomputing", "site": "s", "cooling": "air",
         "compute": {"pflops": 500, "precision": "FP64"}, "it_mw": 10, "utilization": 0.7,
         "status": "planned", "online": "2026-03"},
    ],
    "uncertainty": {
        "delay_months": {"construction": {"dist": "uniform", "low": 0, "high": 6}},
        "go_probability": {"planned": 0.5},
    },
    "targets": [
        {"name": "plan 2025", "by": "2025-12", "total_eflops": 4, "intelligent_share": 0.5},
        {"name": "plan 2026", "by": "2026-12", "total_eflops": 4.5},
    ],
}
"""Two years, one project of each class: 1 + 3 + 0.5 EFLOPS at most; two targets."""


@pytest.fixture(scope="module")
def results() -> sim.Results:
    return sim.simulate(sim.scenario_from_data(SMALL), replications=40, seed=3)


@pytest.fixture(scope="module")
def context(results) -> plots.PlotContext:
    return plots.PlotContext.from_scenario(results.scenario, replications=results.replications)


def by_gid(fig: Figure, prefix: str) -> list:
    return [a for ax in fig.axes for a in ax.findobj() if (a.get_gid() or "").startswith(prefix)]


def legend_texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


# --- shared conventions ----------------------------------------------------------------------


def test_context_from_scenario_and_from_manifest_agree(results, context):
    dumped = results.scenario.model_dump(mode="json", by_alias=True)
    assert plots.PlotContext.from_scenario(dumped, replications=40) == context
    assert context.name == "Testland" and context.accounting == "FP16 equivalent"
    assert [(t.name, t.by, dict(t.criteria)) for t in context.targets] == [
        ("plan 2025", "2025-12", {"total_eflops": 4.0, "intelligent_share": 0.5}),
        ("plan 2026", "2026-12", {"total_eflops": 4.5}),
    ]


def test_month_dates_start_mid_end():
    assert list(plots.month_dates(["2024-02"], "start")) == [np.datetime64("2024-02-01")]
    assert list(plots.month_dates(["2024-02"], "end")) == [np.datetime64("2024-03-01")]
    assert list(plots.month_dates(["2024-02"], "mid")) == [np.datetime64("2024-02-15T12:00")]  # 29 days


def test_thousands_formatter_uses_separators_and_needed_decimals():
    f = plots.Thousands()
    f.set_locs([0, 500, 1000, 1500])
    assert [f(x) for x in (0, 1500)] == ["0", "1,500"]
    f.set_locs([0.0, 0.25, 0.5])
    assert f(0.25) == "0.25" and f(0.5) == "0.50"
    f.set_locs([1e6, 2e6])
    assert f(2e6) == "2,000,000"


def test_variant_colours_are_fixed_by_order_with_base_dark():
    colours = plots.variant_colours(["base", "subsidy", "base", "grid+"])
    assert colours == {"base": plots.MEDIAN_COLOUR, "subsidy": plots.VARIANT_PALETTE[0],
                       "grid+": plots.VARIANT_PALETTE[1]}
    assert plots.variant_colours(["subsidy", "grid+"]) == {k: v for k, v in colours.items() if k != "base"}


def test_plots_do_not_touch_pyplot():
    code = ("import sys, sim, sim.plots, sim.output.plotfiles; "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


# --- 1. growth -------------------------------------------------------------------------------


def test_a_long_basis_is_stated_in_the_title_and_not_repeated_on_the_axis(results, context):
    """Shanxi's basis "as reported (AI at FP16, ...)" on the axis too made a three-line label with
    nested brackets, "EFLOPS (as reported (AI ...)), end of month"."""
    long = dataclasses.replace(context, accounting="as reported (AI at FP16, general at FP32)")
    ax = plots.growth(results.monthly, results.targets, long).axes[0]
    assert ax.get_ylabel() == "EFLOPS (basis in the title), end of month"
    assert "as reported (AI at FP16, general at FP32)" in " ".join(ax.get_title(loc="left").split())


def test_growth_shows_classes_total_band_and_targets(results, context):
    fig = plots.growth(results.monthly, results.targets, context)
    (ax,) = fig.axes
    assert ax.get_title(loc="left") == "Testland: compute capacity, FP16 equivalent"
    assert ax.get_ylabel() == "EFLOPS (FP16 equivalent), end of month"
    assert ax.get_xlabel() == "month"
    # hpc is built in under half the runs: the supercomputing median is 0, no area
    assert [a.get_gid() for a in by_gid(fig, "class:")] == ["class:general", "class:intelligent"]
    colours = [matplotlib.colors.to_hex(a.get_facecolor()[0]) for a in by_gid(fig, "class:")]
    assert colours == [plots.CLASS_COLOURS[c].lower() for c in ("general", "intelligent")]
    assert len(by_gid(fig, "median:total")) == 1 and len(by_gid(fig, "band:total")) == 1
    stars = [m for m in by_gid(fig, "target") if hasattr(m, "get_marker")]  # a star met, an X missed
    assert [s.get_gid().split(":", 1)[1] for s in stars] == ["plan 2025", "plan 2026"]
    # markers at the end of month `by` (where its value is drawn), at the target value
    assert [s.get_xdata()[0] for s in stars] == [np.datetime64("2026-01-01"), np.datetime64("2027-01-01")]
    assert [s.get_ydata()[0] for s in stars] == [4.0, 4.5]
    probability = results.targets.set_index("target").loc["plan 2026", "probability"]
    labels = [a.get_text() for a in by_gid(fig, "target-label:")]
    assert labels[0].startswith("plan 2025: ≥ 4 EFLOPS\nwhole target met by 2025-12 in")
    assert labels[1] == f"plan 2026: ≥ 4.5 EFLOPS\nmet by 2026-12 in {probability:.0%} of runs"
    assert legend_texts(ax)[:4] == ["general, median", "intelligent (AI), median", "total, P10 to P90",
                                    "total, median"]
    assert set(legend_texts(ax)[4:]) <= {"target, met at the median", "target, missed at the median"}
    assert ax.get_legend().get_title().get_text() == (
        "line: median of 40 replications\nband: P10 to P90\nsupercomputing: median 0 EFLOPS")


def test_growth_median_line_is_the_table_median(results, context):
    fig = plots.growth(results.monthly, results.targets, context)
    (line,) = by_gid(fig, "median:total")
    median = results.monthly.query("metric == 'total_eflops'")["p50"].to_numpy()
    np.testing.assert_array_equal(line.get_ydata(), np.append(median, median[-1]))  # steps: one per month


def test_growth_draws_on_a_given_axes(results, context):
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.growth(results.monthly, None, context, ax=ax) is fig
    assert by_gid(fig, "target-label:")[0].get_text() == "plan 2025: ≥ 4 EFLOPS"  # no probabilities given


def metric_table(**metrics) -> pd.DataFrame:
    """A monthly table from 2025-01 of ``metric=(p10, p50, p90)``, each a number or one per month."""
    frames = []
    for metric, (p10, p50, p90) in metrics.items():
        months = max(np.size(p10), np.size(p50), np.size(p90), 24)
        labels = [f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(months)]
        frames.append(pd.DataFrame({"variant": "base", "month": labels, "metric": metric, "mean": p50, "p5": p10,
                                    "p10": p10, "p50": p50, "p90": p90, "p95": p90}))
    return pd.concat(frames, ignore_index=True)


LIKE_SHANXI = metric_table(  # about 100 EFLOPS, of which supercomputing 0.02: less than a pixel at this scale
    total_eflops=(np.linspace(36, 85, 24), np.linspace(37, 97, 24), np.linspace(38, 101, 24)),
    general_eflops=(4.0, 4.5, 5.0), intelligent_eflops=(np.linspace(31, 80, 24), np.linspace(32.5, 92.5, 24),
                                                        np.linspace(33, 96, 24)),
    supercomputing_eflops=(0.02, 0.02, 0.02))


def test_growth_leaves_out_a_class_too_thin_to_see():
    context = plots.PlotContext(name="Like Shanxi", start="2025-01", end="2026-12")
    fig = plots.growth(LIKE_SHANXI, None, context)
    (ax,) = fig.axes
    assert [a.get_gid() for a in by_gid(fig, "class:")] == ["class:general", "class:intelligent"]
    assert "supercomputing, median" not in legend_texts(ax)
    assert ax.get_legend().get_title().get_text().endswith(
        "supercomputing: median at most\n0.02 EFLOPS, too little to show")


@pytest.mark.parametrize("plot, metric, value", [(plots.growth, "total_eflops", 9.0),
                                                 (plots.share, "intelligent_share", 0.35)])
def test_a_target_star_sits_at_the_end_of_its_month_where_the_step_ends(plot, metric, value):
    """'by 2025-12' is the value at the end of December: the star sits where December's step ends
    (issue 25: the PNG and the report draw every monthly value at its month's end)."""
    context = plots.PlotContext(name="Star", start="2025-01", end="2026-12",
                                targets=(plots.TargetMark("plan 2025", "2025-12", {metric: value}),))
    table = LIKE_SHANXI if metric == "total_eflops" else share_table(0.85, 0.9, 0.95)
    (star,) = by_gid(plot(table, None, context), "target:")
    x = star.get_xdata()[0]
    assert x == np.datetime64("2026-01-01")  # the instant December ends
    fig = plot(table, None, context)
    median = [line for line in fig.axes[0].get_lines() if str(line.get_gid()).startswith("median:")][0]
    xs, ys = list(median.get_xdata()), median.get_ydata()
    december = table[(table["metric"] == metric) & (table["month"] == "2025-12")]["p50"].iloc[0]
    scale = 100 if metric == "intelligent_share" else 1
    assert ys[xs.index(np.datetime64("2026-01-01")) - 1] == pytest.approx(december * scale)  # the step up to it


def test_a_target_label_stays_inside_the_axes_under_a_high_curve():
    """Shanxi's 9-EFLOPS target under a 37-EFLOPS curve: the label goes up (there is room below the
    curve), not down across the month axis."""
    context = plots.PlotContext(name="Like Shanxi", start="2025-01", end="2026-12",
                                targets=(plots.TargetMark("plan 2025", "2025-12", {"total_eflops": 9.0}),))
    met = pd.DataFrame({"variant": ["base"], "target": ["plan 2025"], "probability": [1.0]})
    fig = plots.growth(LIKE_SHANXI, met, context)
    renderer = drawn(fig)
    (label,) = by_gid(fig, "target-label:")
    assert label.get_text() == "plan 2025: ≥ 9 EFLOPS\nmet by 2025-12 in 100% of runs"
    box, frame = label.get_window_extent(renderer), fig.axes[0].get_window_extent(renderer)
    assert box.y0 >= frame.y0 and box.y1 <= frame.y1


# --- 2. share --------------------------------------------------------------------------------


def test_share_shows_median_band_and_the_share_target_only(results, context):
    fig = plots.share(results.monthly, results.targets, context)
    (ax,) = fig.axes
    assert ax.get_title(loc="left") == "Testland: AI-compute share of capacity, FP16 equivalent"
    assert "(%)" in ax.get_ylabel()
    share = results.monthly.query("metric == 'intelligent_share'")
    highest = max(share["p90"].max() * 100, 50.0)  # the band or the 50% target; the curve starts at 0
    assert ax.get_ylim() == pytest.approx((0, highest * 1.15))
    assert ax.yaxis.get_major_formatter()(50) == "50%"
    assert len(by_gid(fig, "median:AI share")) == 1 and len(by_gid(fig, "band:AI share")) == 1
    stars = by_gid(fig, "target:")
    assert [(s.get_gid(), s.get_ydata()[0]) for s in stars] == [("target:plan 2025", 50.0)]
    assert legend_texts(ax) == ["AI share, P10 to P90", "AI share, median", "target, met at the median"]


def share_table(p10: float, p50: float, p90: float, months: int = 24) -> pd.DataFrame:
    labels = [f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(months)]
    return pd.DataFrame({"variant": "base", "month": labels, "metric": "intelligent_share", "mean": p50,
                         "p5": p10, "p10": p10, "p50": p50, "p90": p90, "p95": p90})


def test_share_y_axis_starts_at_zero_as_the_report():
    context = plots.PlotContext(name="Narrow", start="2025-01", end="2026-12", targets=(
        plots.TargetMark("ninety-five", "2026-06", {"intelligent_share": 0.95}),))
    fig = plots.share(share_table(0.92, 0.95, 0.98), None, context)
    bottom, top = fig.axes[0].get_ylim()
    # from 0 as the report's chart (issue 25: the PNG started at 88%, the HTML at 0); 98% + 15% over 100%
    assert (bottom, top) == pytest.approx((0, 100))


def label_boxes(fig: Figure) -> list:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    return [a.get_window_extent(renderer) for a in by_gid(fig, "target-label:")]


def test_target_labels_never_overlap():
    targets = (  # two at the same share and month, a third one month later and one point higher
        plots.TargetMark("plan A", "2026-06", {"intelligent_share": 0.5}),
        plots.TargetMark("plan B", "2026-06", {"intelligent_share": 0.5}),
        plots.TargetMark("plan C", "2026-07", {"intelligent_share": 0.51}),
        plots.TargetMark("far", "2025-03", {"intelligent_share": 0.1}),
    )
    context = plots.PlotContext(name="Crowded", start="2025-01", end="2026-12", targets=targets)
    probabilities = pd.DataFrame({"variant": "base", "target": ["plan A", "plan B", "plan C", "far"],
                                  "probability": [0.4, 0.3, 0.2, 1.0]})
    fig = plots.share(share_table(0.3, 0.4, 0.6), probabilities, context)
    labels = {a.get_gid(): a.get_text() for a in by_gid(fig, "target-label:")}
    assert set(labels) == {"target-label:plan C + plan A + plan B", "target-label:far"}
    assert labels["target-label:plan C + plan A + plan B"].split("\n") == [
        "plan C: ≥ 51%", "met by 2026-07 in 20% of runs", "plan A: ≥ 50%", "met by 2026-06 in 40% of runs",
        "plan B: ≥ 50%", "met by 2026-06 in 30% of runs"]
    boxes = label_boxes(fig)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert len([m for m in by_gid(fig, "target") if hasattr(m, "get_marker")]) == 4  # every marker is still drawn


@pytest.mark.parametrize("plot, metric, table", [
    (plots.growth, "total_eflops", LIKE_SHANXI), (plots.share, "intelligent_share", share_table(0.3, 0.4, 0.6))])
def test_a_target_the_median_misses_is_an_x_as_on_the_goals_chart(plot, metric, table):
    """One convention on every chart (the goals and power panels already had it): a star where the
    median meets the aim at the target's month, an X where it misses it, and the legend says which."""
    december = float(table[(table["metric"] == metric) & (table["month"] == "2025-12")]["p50"].iloc[0])
    context = plots.PlotContext(name="Stars", start="2025-01", end="2026-12", targets=(
        plots.TargetMark("within", "2025-12", {metric: december * 0.9}),
        plots.TargetMark("beyond", "2025-12", {metric: december * 1.1})))
    fig = plot(table, None, context)
    assert [(m.get_gid(), m.get_marker()) for m in by_gid(fig, "target") if hasattr(m, "get_marker")] == [
        ("target:within", "*"), ("target-missed:beyond", "X")]
    assert legend_texts(fig.axes[0])[-2:] == ["target, met at the median", "target, missed at the median"]


def test_target_labels_lie_under_the_median_lines():
    """Label boxes covered the lines (gansu's goals.png, the 2025 PUE peak in pue.png): a label is drawn
    under every data line, its faint box over the bands only."""
    context = plots.PlotContext(name="Under", start="2025-01", end="2026-12", targets=(
        plots.TargetMark("plan", "2025-12", {"intelligent_share": 0.5}),))
    fig = plots.share(share_table(0.3, 0.4, 0.6), None, context)
    (label,) = by_gid(fig, "target-label:")
    lines = [line for line in fig.axes[0].get_lines() if str(line.get_gid()).startswith("median:")]
    assert lines and all(label.get_zorder() < line.get_zorder() for line in lines)
    assert label.get_bbox_patch().get_alpha() < 0.6


# --- 3. power --------------------------------------------------------------------------------


def test_power_has_monthly_mw_and_annual_twh_panels(results, context):
    fig = plots.power(results.monthly, results.annual, context)
    top, bottom = fig.axes
    assert top.get_ylabel() == "MW, monthly average"
    assert top.get_title(loc="left") == "Testland: IT load and facility power"
    assert legend_texts(top) == ["facility power, P10 to P90", "facility power, median",
                                 "IT load, P10 to P90", "IT load, median"]
    assert bottom.get_ylabel() == "TWh per year" and bottom.get_xlabel() == "calendar year"
    assert bottom.get_title(loc="left") == "Testland: facility energy per year"
    bars = by_gid(fig, "bars:energy")
    energy = results.annual.query("metric == 'energy_mwh'")["p50"].to_numpy()
    assert [round(b.get_height(), 9) for b in bars] == [round(e / 1e6, 9) for e in energy]
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["2025", "2026"]
    (whiskers,) = [a for a in by_gid(fig, "range:energy") if isinstance(a, matplotlib.collections.LineCollection)]
    rows = results.annual.query("metric == 'energy_mwh'")
    ends = [(round(seg[0][1], 9), round(seg[1][1], 9)) for seg in whiskers.get_segments()]
    assert ends == [(round(lo / 1e6, 9), round(hi / 1e6, 9)) for lo, hi in zip(rows["p10"], rows["p90"])]


# --- 4. pue ----------------------------------------------------------------------------------


def test_pue_shows_monthly_seasons_and_annual_steps(results, context):
    fig = plots.pue(results.monthly, results.annual, context)
    (ax,) = fig.axes
    assert ax.get_ylabel() == "PUE (facility energy / IT energy)"
    assert ax.get_title(loc="left") == "Testland: power usage effectiveness by month"
    (line,) = by_gid(fig, "median:monthly PUE")
    y = line.get_ydata()
    assert len(y) == 24 and y[6] > y[0]  # July above January: the seasons show
    assert [a.get_gid() for a in by_gid(fig, "annual-pue:")] == ["annual-pue:2025", "annual-pue:2026"]


def test_pue_leaves_out_a_band_too_narrow_to_see():
    seasons = 1.14 + 0.17 * np.sin(np.arange(24) * np.pi / 12) ** 2
    narrow = plots.pue(metric_table(pue=(seasons - 0.001, seasons, seasons + 0.001)))
    (ax,) = narrow.axes
    assert not by_gid(narrow, "band:") and legend_texts(ax) == ["monthly PUE, median"]
    assert ax.get_legend().get_title().get_text() == "line: median\nP10 to P90: too close to it to show"
    wide = plots.pue(metric_table(pue=(seasons - 0.02, seasons, seasons + 0.02)))
    assert by_gid(wide, "band:") and legend_texts(wide.axes[0]) == ["monthly PUE, P10 to P90", "monthly PUE, median"]


# --- 5. timeline -----------------------------------------------------------------------------


def test_timeline_rows_grouped_by_class_with_markers(results, context):
    fig = plots.timeline(results.projects, context)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["old-general", "new-ai", "hpc"]
    assert [a.get_text() for a in by_gid(fig, "group:")] == [
        "general (1)", "intelligent (AI) (1)", "supercomputing (1)"]
    assert {a.get_gid() for a in by_gid(fig, "planned:")} == {"planned:new-ai", "planned:hpc"}
    assert {a.get_gid() for a in by_gid(fig, "p50:")} == {"p50:old-general", "p50:new-ai", "p50:hpc"}
    go = results.projects.set_index("project")["go_share"]
    assert {a.get_gid(): a.get_text() for a in by_gid(fig, "go:")} == {
        f"go:{p}": f"{go[p]:.0%}" for p in ("old-general", "new-ai", "hpc")}
    assert ax.get_xlabel() == "online month"
    assert ax.get_title(loc="left") == "Testland: when projects come online (3 projects)"


def test_timeline_arrows_a_planned_month_moved_by_a_policy(context):
    # new-ai goes through a PUE cap of 1.2 (its 'air' cooling is above it): upgraded to 'cold'
    # cooling and 3 months later (hpc, planned online after the cap's `until`, is not). The arrow
    # runs from the file's month to the moved one.
    data = {**SMALL, "cooling": {**SMALL["cooling"], "cold": {"pue_curve": [[0, 1.1]]}},
            "policies": {"pue_cap": {"max_annual_pue": 1.2, "action": "upgrade", "cooling": "cold",
                                     "delay_months": 3, "until": "2025-12"}}}
    moved = sim.simulate(sim.scenario_from_data(data), replications=1, seed=0).projects
    assert moved.set_index("project").policy_shift_months["new-ai"] == 3
    fig = plots.timeline(moved, context)
    (arrow,) = by_gid(fig, "shift:")
    assert arrow.get_gid() == "shift:new-ai"
    start, end = (pd.Timestamp(x).strftime("%Y-%m") for x in (arrow.xyann[0], arrow.xy[0]))
    assert (start, end) == ("2025-07", "2025-10")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "moved by policies (mean months)" in labels


def test_timeline_rows_are_names_shortened_at_word_ends_and_its_arrow_is_not_the_reports_red(results, context):
    """The PNG listed ids (reg-unnamed-05) where the report lists names: both use sim.colours.row_names
    (a long name shortened between words, never 'Construc…'); its arrow (moved by policies) is purple,
    the report's (slip: planned -> median month) red."""
    import importlib

    from matplotlib.colors import to_hex

    from sim.report.plan_charts import SLIP_COLOUR
    from sim.report.plan_charts import timeline_chart as html

    long = "Construction pipeline, tranche a (started before Aug 2023): Datong city and ETDZ general-purpose centres"
    names = {"old-general": "Old general centre", "new-ai": long}
    fig = plots.timeline(results.projects, dataclasses.replace(context, project_names=names))
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert shown == ["Old general centre", "Construction pipeline, tranche a…centres", "hpc"]
    rows = html(results.projects, names).figure.layout["yaxis"]["categoryarray"]
    assert "Construction pipeline, tranche a…centres" in rows and set(rows) <= set(shown)  # the same names
    shift = importlib.import_module("sim.plots.timeline").SHIFT_COLOUR
    assert to_hex(shift) != to_hex(SLIP_COLOUR)


def many_projects(n: int) -> dict:
    classes = ("general", "intelligent", "supercomputing")
    statuses = ("operating", "construction", "registered", "planned")
    projects = []
    for i in range(n):
        status = statuses[i % 4]
        project = {"id": f"project-{i:02d}", "class": classes[i % 3], "site": "s", "cooling": "air",
                   "compute": {"pflops": 100 + 10 * i, "precision": "FP16"}, "it_mw": 5 + i,
                   "utilization": 0.5, "status": status}
        if status != "operating":
            project["online"] = f"{2025 + i % 5}-{1 + i % 12:02d}"
        projects.append(project)
    return {**SMALL, "name": "Bigland", "horizon": {"start": "2025-01", "end": "2030-12"}, "projects": projects,
            "uncertainty": {"delay_months": {"construction": {"dist": "uniform", "low": 0, "high": 12},
                                             "registered": {"dist": "uniform", "low": 0, "high": 24},
                                             "planned": {"dist": "uniform", "low": 6, "high": 48}},
                            "go_probability": {"registered": 0.7, "planned": 0.3}},
            "targets": []}


def test_timeline_grows_with_34_projects_and_keeps_rows_apart():
    big = sim.simulate(sim.scenario_from_data(many_projects(34)), replications=30, seed=1)
    fig = plots.timeline(big.projects, plots.PlotContext.from_scenario(big.scenario))
    (ax,) = fig.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 34 and sorted(labels) == sorted(big.projects["project"])
    assert [a.get_text() for a in by_gid(fig, "group:")] == [
        "general (12)", "intelligent (AI) (11)", "supercomputing (11)"]
    assert len(by_gid(fig, "go:")) == 34
    width, height = fig.get_size_inches()
    assert height >= 34 * plots.TIMELINE_ROW_IN
    # rows at least a 7-point tick label apart once drawn
    fig.canvas.draw()
    points_per_row = height * 72 / (34 + 3 + 1)
    assert points_per_row >= 8 >= ax.get_yticklabels()[0].get_fontsize()
    never_online = big.projects[big.projects["online_p90"] == "never"]["project"]
    assert {a.get_gid() for a in by_gid(fig, "beyond:")} == {f"beyond:{p}" for p in never_online}


def many_project_rows(n: int) -> pd.DataFrame:
    """A projects table of ``n`` made-up projects over 3 classes and 4 sites: project j has a
    peak facility MW of j (so the largest are the last ones), online P10/P50/P90 months in 2026."""
    classes, rows = ("general", "intelligent", "supercomputing"), []
    for j in range(n):
        rows.append({"variant": "base", "project": f"p{j}", "class": classes[j % 3], "site": f"site{j % 4}",
                     "status": "planned", "planned_online": "2026-01", "go_share": 0.5 if j % 2 else 1.0,
                     "online_p10": f"2026-{1 + j % 6:02d}", "online_p50": "2026-07",
                     "online_p90": "never" if j % 10 == 0 else f"2026-{7 + j % 6:02d}", "peak_facility_mw": float(j)})
    return pd.DataFrame(rows)


def test_timeline_of_3000_projects_shows_the_largest_and_aggregates_the_rest():
    table = many_project_rows(3000)
    fig = plots.timeline(table, plots.PlotContext(name="Big", start="2025-01", end="2027-12"))
    (ax,) = fig.axes
    assert fig.get_size_inches()[1] * plotfiles.DPI <= 1300
    labels = [t.get_text() for t in ax.get_yticklabels()]
    aggregates = [label for label in labels if label.startswith("+")]
    shown = [label for label in labels if not label.startswith("+")]
    assert len(aggregates) == 12  # one per site and class (4 x 3)
    assert sum(int(label.split()[0][1:]) for label in aggregates) + len(shown) == 3000
    assert set(shown) == {f"p{j}" for j in range(3000 - len(shown), 3000)}  # the largest peak MW
    assert ax.get_title(loc="left").replace("\n", " ") == (
        f"Big: when projects come online (3,000 projects; the {len(shown)} largest by peak facility MW shown, "
        f"the other {3000 - len(shown):,} aggregated per site and class)")
    assert [a.get_text() for a in by_gid(fig, "group:")] == [
        "general (1,000)", "intelligent (AI) (1,000)", "supercomputing (1,000)"]
    # an aggregate: earliest P10 to the end of the axis (some member has P90 'never'), mean share built
    go = {a.get_gid(): a.get_text() for a in by_gid(fig, "go:+")}
    assert set(go.values()) == {"mean 50%", "mean 100%"}  # project j is built in 50% or 100% by parity
    assert len(by_gid(fig, "aggregate:")) == 12 and len(by_gid(fig, "range:")) == len(shown)


def test_timeline_that_fits_is_not_aggregated():
    fig = plots.timeline(many_project_rows(40), plots.PlotContext(name="Forty", start="2025-01", end="2027-12"))
    assert len(fig.axes[0].get_yticklabels()) == 40 and not by_gid(fig, "aggregate:")
    assert fig.axes[0].get_title(loc="left") == "Forty: when projects come online (40 projects)"
    assert fig.get_size_inches()[1] * plotfiles.DPI <= 1300
    fig = plots.timeline(many_project_rows(41), plots.PlotContext(name="Forty-one", start="2025-01", end="2027-12"))
    assert by_gid(fig, "aggregate:") and fig.get_size_inches()[1] * plotfiles.DPI <= 1300


def test_timeline_of_39_projects_fits_a_screen_with_rows_apart():
    """Shanxi's 39 projects in 3 classes: at most about 1,300 px at 150 dpi, names still a row apart."""
    fig = plots.timeline(many_project_rows(39), plots.PlotContext(name="Like Shanxi", start="2025-01", end="2027-12"))
    (ax,) = fig.axes
    assert len(ax.get_yticklabels()) == 39 and not by_gid(fig, "aggregate:")
    assert fig.get_size_inches()[1] * plotfiles.DPI <= 1300
    fig.canvas.draw()
    labels = [t.get_window_extent() for t in ax.get_yticklabels()]
    assert all(upper.y0 >= lower.y1 for upper, lower in zip(labels, labels[1:]))  # names do not touch


def drawn(fig: Figure):
    """``fig`` laid out and drawn at the files' resolution; its renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig.set_dpi(plotfiles.DPI)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    return renderer


def test_timeline_column_header_has_room_inside_the_picture():
    fig = plots.timeline(many_project_rows(39), plots.PlotContext(name="Like Shanxi", start="2025-01", end="2027-12"))
    renderer = drawn(fig)
    (header,) = by_gid(fig, "go-header")
    assert header.get_text() == "built in\n% of runs"
    assert header.get_window_extent(renderer).x1 <= fig.bbox.width - 0.15 * plotfiles.DPI  # 22 px clear of the edge


def test_timeline_legend_lists_only_the_marks_drawn():
    context = plots.PlotContext(name="Marks", start="2025-01", end="2027-12")
    inside = many_project_rows(9).assign(online_p90="2026-12")  # every P90 inside the horizon
    fig = plots.timeline(inside, context)
    assert not by_gid(fig, "beyond:") and not by_gid(fig, "shift:")
    assert legend_texts(fig.axes[0]) == ["planned online", "simulated online, median",
                                         "simulated online, P10 to P90 (runs where built)"]
    late = inside.assign(online_p90=["never"] + ["2026-12"] * 8, policy_shift_months=[0.0] * 8 + [2.0])
    fig = plots.timeline(late, context)
    assert [a.get_gid() for a in by_gid(fig, "beyond:")] == ["beyond:p0"]
    assert [a.get_gid() for a in by_gid(fig, "shift:")] == ["shift:p8"]
    assert legend_texts(fig.axes[0])[3:] == ["P90 after the horizon (no dot: the median too)",
                                             "moved by policies (mean months)"]


# --- 5b. limits -----------------------------------------------------------------------------


def with_limit_metrics(monthly: pd.DataFrame, names=("grid_free_mw", "grid_queue_mw", "supply_backlog_pflops",
                                                      "supply_stock_pflops")) -> pd.DataFrame:
    """``monthly`` plus synthetic rows of the limit metrics (the engine writes them for a scenario
    with a grid or supply block): headroom falling 100 -> 0 MW, a queue rising once it is gone."""
    months = list(dict.fromkeys(monthly["month"]))
    rows = []
    for i, month in enumerate(months):
        free = max(100.0 - 6 * i, 0.0)
        values = {"grid_free_mw": free, "grid_queue_mw": max(6 * i - 100.0, 0.0),
                  "supply_backlog_pflops": 50.0 * (i % 5), "supply_stock_pflops": 20.0 * (i % 3)}
        for name in names:
            v = values[name]
            rows.append({"variant": "base", "month": month, "metric": name, "mean": v, "p5": 0.8 * v,
                         "p10": 0.9 * v, "p50": v, "p90": 1.1 * v, "p95": 1.2 * v})
    return pd.concat([monthly, pd.DataFrame(rows)], ignore_index=True)


def test_limits_draws_each_limit_present_as_median_and_band(results, context):
    assert not plots.has_limits(results.monthly)
    monthly = with_limit_metrics(results.monthly)
    fig = plots.limits(monthly, context)
    grid, supply = fig.axes
    assert grid.get_ylabel() == "grid headroom, facility MW"
    assert legend_texts(grid) == ["free headroom, P10 to P90", "free headroom, median",
                                  "grid requested, waiting, P10 to P90", "grid requested, waiting, median"]
    assert legend_texts(supply)[1::2] == ["accelerators delivered, not allocated, median",
                                          "accelerators requested, waiting, median"]
    (free,) = [l for l in grid.get_lines() if l.get_gid() == "median:free headroom"]
    assert free.get_ydata()[:3].tolist() == [100.0, 94.0, 88.0]  # steps at the end of each month
    only_grid = plots.limits(with_limit_metrics(results.monthly, ("grid_free_mw", "grid_queue_mw")), context)
    assert len(only_grid.axes) == 1
    with pytest.raises(ValueError, match="none of the limit metrics"):
        plots.limits(results.monthly, context)


def test_limits_leave_out_a_series_that_is_zero_in_every_month(results, context):
    monthly = with_limit_metrics(results.monthly)
    queue = monthly["metric"] == "grid_queue_mw"
    monthly.loc[queue, ["mean", "p5", "p10", "p50", "p90", "p95"]] = 0.0  # the grid never binds
    fig = plots.limits(monthly, context)
    grid, supply = fig.axes
    assert grid.get_title(loc="left") == "grid: never binds (nothing waits in any month)"
    assert legend_texts(grid) == ["free headroom, P10 to P90", "free headroom, median"]
    assert supply.get_title(loc="left") == "supply: binds while anything waits"
    supply_rows = monthly["metric"].str.startswith("supply_")
    monthly.loc[supply_rows, ["mean", "p5", "p10", "p50", "p90", "p95"]] = 0.0  # nothing delivered, nothing waits
    fig = plots.limits(monthly, context)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["grid: never binds (nothing waits in any month)"]
    assert fig.get_supxlabel() == (
        "supply: never binds (accelerators delivered, not allocated; accelerators requested, waiting: 0 in every month)")


def test_limits_file_is_written_only_when_the_metrics_are_there(results, tmp_path):
    sim.write_results(results, tmp_path / "run")
    assert "limits.png" not in {p.name for p in plotfiles.write_plots(tmp_path / "run")}
    monthly = pd.read_csv(tmp_path / "run" / "monthly.csv")
    with_limit_metrics(monthly).to_csv(tmp_path / "run" / "monthly.csv", index=False)
    assert "limits.png" in {p.name for p in plotfiles.write_plots(tmp_path / "run")}


# --- 6. compare ------------------------------------------------------------------------------


def compare_inputs(results):
    """Stacked monthly table of three variants and a hand-made compare table."""
    monthly = pd.concat([
        results.monthly,
        results.monthly.assign(variant="subsidy", p50=results.monthly["p50"] * 1.2),
        results.monthly.assign(variant="grid+", p50=results.monthly["p50"] * 0.9),
    ], ignore_index=True)
    rows = []
    for variant, sign in (("subsidy", 1), ("grid+", -1)):
        rows += [
            {"variant": variant, "output": "target_probability", "when": "plan 2025", "unit": "share",
             "base": 0.3, "value": 0.5, "diff_mean": 0.2 * sign, "diff_ci_low": min(0.1 * sign, 0.3 * sign),
             "diff_ci_high": max(0.1 * sign, 0.3 * sign)},
            {"variant": variant, "output": "target_probability", "when": "plan 2026", "unit": "share",
             "base": 0.5, "value": 0.6, "diff_mean": 0.1 * sign, "diff_ci_low": min(0.0, 0.2 * sign),
             "diff_ci_high": max(0.0, 0.2 * sign)},
            {"variant": variant, "output": "energy_mwh", "when": "2026", "unit": "MWh", "base": 8.5e5,
             "value": 9e5, "diff_mean": 5e4 * sign, "diff_ci_low": 5e4 * sign - 1e4, "diff_ci_high": 5e4 * sign + 1e4},
            {"variant": variant, "output": "subsidy_cny", "when": "", "unit": "CNY", "base": 0.0,
             "value": 2e9, "diff_mean": 2e9, "diff_ci_low": 1.5e9, "diff_ci_high": 2.5e9},
            {"variant": variant, "output": "made_up_output", "when": "", "unit": "widgets", "base": 0,
             "value": 1, "diff_mean": 1, "diff_ci_low": np.nan, "diff_ci_high": np.nan},
        ]
    return monthly, pd.DataFrame(rows)


def kinded(context, **kinds):
    """``context`` with variants of the given kinds (name=kind; the label is the name with spaces)."""
    return dataclasses.replace(context, variants=tuple((n.replace("_", "+"), k, n.replace("_", "+"))
                                                       for n, k in kinds.items()))


def test_compare_small_multiples_one_panel_per_variant_with_the_base_in_grey(results, context):
    monthly, table = compare_inputs(results)
    fig = plots.compare(monthly, table, kinded(context, subsidy="policy", grid_="risk"))
    assert fig.get_suptitle() == "Testland: variants compared, capacity, FP16 equivalent"
    panels = [ax for ax in fig.axes if any((l.get_gid() or "").startswith("variant:") for l in ax.get_lines())]
    # one panel per variant, never two variants on one axis; kinds in their own rows
    assert [[l.get_gid() for l in ax.get_lines() if (l.get_gid() or "").startswith("variant:")] for ax in panels] == [
        ["variant:subsidy"], ["variant:grid+"]]
    assert [ax.get_title(loc="left") for ax in panels] == ["policies (choices)\nsubsidy",
                                                           "risks and assumptions (not choices)\ngrid+"]
    colours = plots.variant_colours(["base", "subsidy", "grid+"])
    for ax, name in zip(panels, ("subsidy", "grid+")):
        base = next(l for l in ax.get_lines() if l.get_gid() == f"base-of:{name}")
        assert matplotlib.colors.to_hex(base.get_color()) == "#9a9a9a"  # the base in grey
        line = next(l for l in ax.get_lines() if l.get_gid() == f"variant:{name}")
        assert line.get_color() == colours[name]
        assert any(c.get_gid() == f"band:{name}" for c in ax.collections)  # with its P10-P90 band
    # the first row of panels and the second: policies and risks never share a row
    assert panels[0].get_subplotspec().rowspan.start != panels[1].get_subplotspec().rowspan.start


def test_views_have_their_own_panels_and_no_base_line(results, context):
    monthly, table = compare_inputs(results)
    fig = plots.compare(monthly, table, kinded(context, subsidy="policy", grid_="view"))
    view = next(ax for ax in fig.axes if any(l.get_gid() == "variant:grid+" for l in ax.get_lines()))
    assert view.get_title(loc="left").startswith("views: the same runs counted another way")
    assert not any(l.get_gid() == "base-of:grid+" for l in view.get_lines())  # another basis: no base line


def test_compare_differences_one_panel_per_output_and_kind_with_units(results, context):
    monthly, table = compare_inputs(results)
    figures = plots.compare_figures(monthly, table, kinded(context, subsidy="policy", grid_="risk"))
    assert list(figures) == ["compare-capacity", "compare-power", "compare-policy"]
    panels = {name: [ax for ax in fig.axes if "minus base" in ax.get_xlabel() + ax.get_ylabel()]
              for name, fig in figures.items()}
    assert [ax.get_xlabel() for ax in panels["compare-capacity"]] == [
        "probability target met: variant minus base (percentage points)"] * 2
    # policies and risks in their own panels, each titled with its kind and the base's own values
    assert [ax.get_title(loc="left") for ax in panels["compare-capacity"]] == [
        "policies (choices); base: plan 2025 30%, plan 2026 50%",
        "risks and assumptions (not choices); base: plan 2025 30%, plan 2026 50%"]
    assert [ax.get_xlabel() for ax in panels["compare-power"]] == ["energy: variant minus base (TWh)"] * 2
    assert [ax.get_xlabel() for ax in panels["compare-policy"]] == [
        "subsidy: variant minus base (billion CNY)", "subsidy: variant minus base (billion CNY)",
        "made_up_output: variant minus base (widgets)", "made_up_output: variant minus base (widgets)"]
    probability = panels["compare-capacity"][0]
    assert [t.get_text() for t in probability.get_yticklabels()] == ["plan 2025 · subsidy", "plan 2026 · subsidy"]
    bars = [a for a in probability.patches if (a.get_gid() or "").startswith("diff:")]
    assert [(b.get_gid(), round(b.get_width(), 9)) for b in bars] == [
        ("diff:target_probability:plan 2025:subsidy", 20.0), ("diff:target_probability:plan 2026:subsidy", 10.0)]
    energy = panels["compare-power"][0]  # one year only: 2026, +50,000 MWh = +0.05 TWh
    bars = [a for a in energy.patches if (a.get_gid() or "").startswith("diff:")]
    assert [(b.get_gid(), round(b.get_width(), 9)) for b in bars] == [("diff:energy_mwh:2026:subsidy", 0.05)]
    assert energy.get_title(loc="left") == "policies (choices); base: 2026 0.85 TWh"


def test_calibration_targets_and_all_zero_variants_are_left_out_and_named(results, context):
    monthly, table = compare_inputs(results)
    calibration = dataclasses.replace(context, targets=(*context.targets, plots.TargetMark("cal 2025", "2025-06", {},
                                                                                          "calibration")))
    extra = [{"variant": v, "output": "target_probability", "when": "cal 2025", "unit": "share", "base": 1.0,
              "value": 0.0, "diff_mean": -1.0, "diff_ci_low": -1.0, "diff_ci_high": -1.0} for v in ("subsidy", "grid+")]
    extra += [{"variant": "same", "output": o, "when": w, "unit": u, "base": 0.3, "value": 0.3, "diff_mean": 0.0,
               "diff_ci_low": 0.0, "diff_ci_high": 0.0}
              for o, w, u in (("target_probability", "plan 2025", "share"), ("target_probability", "plan 2026", "share"),
                              ("energy_mwh", "2026", "MWh"))]
    monthly = pd.concat([monthly, results.monthly.assign(variant="same")], ignore_index=True)
    figures = plots.compare_figures(monthly, pd.concat([table, pd.DataFrame(extra)], ignore_index=True), calibration)
    ticks = [t.get_text() for fig in figures.values() for ax in fig.axes for t in ax.get_yticklabels()]
    assert not any("cal 2025" in t or t.endswith("same") for t in ticks)
    gids = [a.get_gid() or "" for fig in figures.values() for ax in fig.axes for a in ax.patches + ax.get_lines()]
    assert not any(":same" in g or "cal 2025" in g for g in gids if g.startswith(("diff", "bound")))
    notes = [t.get_text() for fig in figures.values() for ax in fig.axes for t in ax.texts
             if (t.get_gid() or "").startswith("zero-note:")]
    assert notes == ["probability target met: no difference from the base in any run for same",
                     "energy: no difference from the base in any run for same"]


def test_policies_that_spend_public_money_get_a_cost_against_effect_panel(results, context):
    monthly, table = compare_inputs(results)  # both add 2 bn CNY; P(plan 2026) +10 and -10 points
    fig = plots.compare_figures(monthly, table, kinded(context, subsidy="policy", grid_="risk"))["compare-policy"]
    panel = next(ax for ax in fig.axes if ax.get_xlabel().startswith("extra public money"))
    points = {l.get_gid(): l.get_xydata().round(9).tolist() for l in panel.get_lines()
              if (l.get_gid() or "").startswith("cost-effect:")}
    assert points == {"cost-effect:base": [[0.0, 0.0]], "cost-effect:subsidy": [[2.0, 10.0]]}  # the risk is no choice
    assert panel.get_ylabel() == "P(plan 2026 met):\nchange (percentage points)"


def test_compare_panels_of_zeros_become_one_line_of_text(results, context):
    monthly, table = compare_inputs(results)
    zeros = [{"variant": v, "output": o, "when": "", "unit": "share", "stat": "mean", "base": 0.25, "value": 0.25,
              "diff_mean": 0.0, "diff_ci_low": 0.0, "diff_ci_high": 0.0, "bound": ""}
             for o in ("grid_binds", "carbon_t") for v in ("subsidy", "grid+")]
    figures = plots.compare_figures(monthly, pd.concat([table, pd.DataFrame(zeros)], ignore_index=True), context)
    labels = [ax.get_xlabel() for fig in figures.values() for ax in fig.axes]
    assert not any(label.startswith(("carbon", "share of runs")) for label in labels)  # no empty panels
    notes = [t.get_text() for fig in figures.values() for ax in fig.axes for t in ax.texts
             if (t.get_gid() or "").startswith("zero-note:")]
    assert notes == [
        "carbon emissions: every variant equals the base (difference 0 in every run)",
        "share of runs in which the grid limit binds: every variant equals the base (difference 0 in every run); "
        "the limit binds in 25% of the runs"]


def test_compare_figures_stay_under_3000_px_with_many_variants_and_targets(results, context):
    monthly, _ = compare_inputs(results)
    rows = [{"variant": f"v{i}", "output": o, "when": f"target {t}", "unit": "share", "stat": "mean", "base": 0.5,
             "value": 0.6, "diff_mean": 0.1, "diff_ci_low": 0.05, "diff_ci_high": 0.15, "bound": ""}
            for o in ("target_probability", "total_eflops", "intelligent_share", "reached_month")
            for t in range(4) for i in range(15)]
    figures = plots.compare_figures(monthly, pd.DataFrame(rows), context)
    # 60 rows a panel (17.7 in): the curves alone on the first page, then one panel a page
    assert list(figures) == ["compare-capacity"] + [f"compare-capacity-{n}" for n in range(2, 6)]
    for fig in figures.values():
        assert fig.get_size_inches()[1] * plotfiles.DPI <= 3000
    assert figures["compare-capacity-2"].get_suptitle().startswith("Testland: variants compared, capacity (2 of 5)")


def test_compare_notes_fold_under_the_panels_and_only_capacity_names_the_basis(results, context):
    """Shanxi's compare-power-2.png was a 255-px image of text notes alone: the notes now sit under the
    last page's panels; and power and carbon say no EFLOPS accounting basis in their titles."""
    monthly, _ = compare_inputs(results)
    row = {"when": "", "unit": "MW", "stat": "mean", "base": 100.0, "value": 101.0, "bound": ""}
    rows = [{**row, "variant": f"v{i}", "output": "peak_facility_mw", "diff_mean": 1.0 + i, "diff_ci_low": 0.5 + i,
             "diff_ci_high": 1.5 + i} for i in range(64)]  # one panel of 19 inches: the page is full
    rows += [{**row, "variant": f"v{i}", "output": "carbon_t", "unit": "t", "diff_mean": 0.0, "diff_ci_low": 0.0,
              "diff_ci_high": 0.0} for i in range(64)]  # all 0: a line of text
    figures = plots.compare_figures(monthly, pd.DataFrame(rows), context)
    assert [stem for stem in figures if stem.startswith("compare-power")] == ["compare-power"]
    power = figures["compare-power"]
    assert by_gid(power, "zero-note:") and power.get_suptitle() == "Testland: variants compared, power"
    assert figures["compare-capacity"].get_suptitle().endswith(", FP16 equivalent")


def test_compare_per_year_outputs_are_one_line_per_variant(results, context):
    monthly, table = compare_inputs(results)
    extra = table[table.output == "energy_mwh"].assign(when="2027", diff_mean=lambda t: t.diff_mean * 2,
                                                      diff_ci_low=lambda t: t.diff_ci_low * 2,
                                                      diff_ci_high=lambda t: t.diff_ci_high * 2)
    fig = plots.compare_figures(monthly, pd.concat([table, extra], ignore_index=True), context)["compare-power"]
    energy = next(ax for ax in fig.axes if ax.get_ylabel().startswith("energy"))
    lines = {l.get_gid(): l for l in energy.get_lines() if (l.get_gid() or "").startswith("diffline:")}
    assert sorted(lines) == ["diffline:energy_mwh:grid+", "diffline:energy_mwh:subsidy"]
    # TWh: +0.05 in 2026 and +0.1 in 2027 for 'subsidy', the mirror image for 'grid+'
    assert lines["diffline:energy_mwh:subsidy"].get_xydata().round(9).tolist() == [[2026, 0.05], [2027, 0.1]]
    assert lines["diffline:energy_mwh:grid+"].get_xydata().round(9).tolist() == [[2026, -0.05], [2027, -0.1]]
    assert energy.get_ylabel() == "energy: variant minus base (TWh)"
    assert energy.get_xlabel() == "calendar year"


def test_compare_bounds_are_drawn_as_open_bars_with_arrows_not_as_numbers(results, context):
    monthly, _ = compare_inputs(results)
    rows = [{"variant": v, "output": "reached_month", "when": "plan 2026", "unit": "months from 2025-01",
             "stat": "p50", "base": 10.0, "value": 24.0, "diff_mean": d, "diff_ci_low": d - 1, "diff_ci_high": d + 1,
             "bound": b} for v, d, b in (("subsidy", 14.0, "lower"), ("grid+", -3.0, ""), ("late", 2.0, "censored"))]
    fig = plots.compare_figures(monthly, pd.DataFrame(rows), context)["compare-capacity"]
    panel = next(ax for ax in fig.axes if ax.get_xlabel().startswith("month target first met"))
    gids = sorted(a.get_gid() for a in panel.patches if a.get_gid())
    assert gids == ["bound:reached_month:plan 2026:late:censored", "bound:reached_month:plan 2026:subsidy:lower",
                    "diff:reached_month:plan 2026:grid+"]
    lower = next(a for a in panel.patches if a.get_gid() == "bound:reached_month:plan 2026:subsidy:lower")
    assert lower.get_facecolor()[3] == 0 and lower.get_hatch() == "///" and lower.get_width() == 14.0
    arrow = next(a for a in panel.get_lines() if a.get_gid() == "bound-end:reached_month:plan 2026:subsidy")
    assert arrow.get_marker() == ">" and arrow.get_xydata().tolist() == [[14.0, 0.0]]
    notes = {a.get_gid(): a.get_text() for a in panel.texts if (a.get_gid() or "").startswith("bound-note:")}
    assert notes == {"bound-note:reached_month:plan 2026:subsidy": "at least +14",
                     "bound-note:reached_month:plan 2026:late": "unknown: both never met in some runs"}
    errorbars = [c for c in panel.containers if isinstance(c, matplotlib.container.ErrorbarContainer)]
    assert len(errorbars) == 1  # whiskers only for the ordinary difference


# --- files and the command line --------------------------------------------------------------


def test_write_plots_from_a_results_folder(results, tmp_path):
    sim.write_results(results, tmp_path / "run")
    written = plotfiles.write_plots(tmp_path / "run", "svg")
    assert [p.name for p in written] == ["growth.svg", "share.svg", "power.svg", "pue.svg", "timeline.svg",
                                         "sites.svg"]
    assert sorted(os.listdir(tmp_path / "run" / "plots")) == sorted(p.name for p in written)
    pdf = plotfiles.write_plots(tmp_path / "run", "pdf")
    assert pdf[0].read_bytes().startswith(b"%PDF")
    assert len(os.listdir(tmp_path / "run" / "plots")) == 12  # another format leaves the first in place


def test_a_failing_plot_leaves_no_folder(results, tmp_path):
    def boom(folder):
        raise RuntimeError("plot failed")

    with pytest.raises(RuntimeError):
        sim.write_results(results, tmp_path / "run", then=boom)
    assert list(tmp_path.iterdir()) == []


def capsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"})


def test_cli_run_writes_plots_and_plot_redraws_them(tmp_path):
    out = tmp_path / "out"
    done = capsim("run", str(ROOT / "scenarios" / "example.yaml"), "-r", "20", "--out", str(out), "-q",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = ["growth", "share", "power", "pue", "timeline", "limits", "sites"]  # the example has a grid and a supply
    assert sorted(os.listdir(out / "plots")) == sorted(f"{n}.png" for n in names)
    first = {n: (out / "plots" / f"{n}.png").read_bytes() for n in names}
    assert all(data.startswith(b"\x89PNG") for data in first.values())

    done = capsim("plot", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(out / "plots" / f"{n}.png") for n in names]
    assert {n: (out / "plots" / f"{n}.png").read_bytes() for n in names} == first  # same tables, same files



def test_cli_run_no_plots_and_plot_of_a_compare_folder(tmp_path, results):
    out = tmp_path / "out"
    done = capsim("run", str(ROOT / "scenarios" / "example.yaml"), "-r", "5", "--out", str(out), "-q",
                  "--no-plots", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (out / "plots").exists()
    _, table = compare_inputs(results)
    table.to_csv(out / "compare.csv", index=False)
    done = capsim("plot", str(out), "--format", "svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (out / "plots").glob("compare*")) == [
        "compare-capacity.svg", "compare-policy.svg", "compare-power.svg"]


def test_cli_plot_of_a_folder_without_results_is_bad_input(tmp_path):
    done = capsim("plot", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"capsim: error: {tmp_path}: not a capsim results folder (no monthly.csv")
    assert "Traceback" not in done.stderr


# --- names in other scripts ------------------------------------------------------------------


CHINESE = {**SMALL, "name": "山西省 测试"}


def test_names_dejavu_lacks_are_found_and_a_missing_font_is_one_warning(tmp_path, monkeypatch):
    from sim.plots import fonts

    assert fonts.missing_characters(["Testland", "plan 2025"]) == ""
    assert fonts.missing_characters(["山西省 测试", "山西"]) == "山西省测试"
    chinese = sim.simulate(sim.scenario_from_data(CHINESE), replications=5, seed=1)
    sim.write_results(chinese, tmp_path / "run")
    monkeypatch.setattr(fonts, "fallback_font", lambda characters: None)  # as on a machine without one
    with pytest.warns(fonts.MissingFontWarning) as caught:
        written = plotfiles.write_plots(tmp_path / "run")
    assert len(caught) == 1 and "fonts-noto-cjk" in str(caught[0].message)
    assert "growth.png" in {p.name for p in written}


def test_a_font_that_has_the_names_is_used_inside_the_block_only(monkeypatch):
    from sim.plots import fonts

    monkeypatch.setattr(fonts, "fallback_font", lambda characters: "WenQuanYi Zen Hei")
    before = list(matplotlib.rcParams["font.family"])
    with fonts.font_context(["山西省"]) as name:
        assert name == "WenQuanYi Zen Hei"
        assert list(matplotlib.rcParams["font.family"]) == ["DejaVu Sans", "WenQuanYi Zen Hei"]
    assert list(matplotlib.rcParams["font.family"]) == before
    with fonts.font_context(["Shanxi"]) as name:
        assert name is None and list(matplotlib.rcParams["font.family"]) == before


def test_chinese_names_render_with_an_installed_cjk_font(tmp_path):
    from sim.plots import fonts

    if fonts.fallback_font("山西省测试") is None:
        pytest.skip("no CJK font installed (e.g. Debian's fonts-noto-cjk or fonts-wqy-zenhei)")
    import warnings

    chinese = sim.simulate(sim.scenario_from_data(CHINESE), replications=5, seed=1)
    sim.write_results(chinese, tmp_path / "run")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-glyph warning from matplotlib, none of ours
        plotfiles.write_plots(tmp_path / "run")


def test_a_zero_note_stays_inside_its_panel_when_every_other_difference_is_negative():
    """'0 (no difference)' beside zero goes to the side that has room: with every other bar left
    of zero, zero is the right edge and the note must not run into the legend."""
    import pandas as pd

    rows = [{"variant": v, "output": "total_eflops", "when": "plan", "unit": "EFLOPS", "stat": "mean", "base": 10.0,
             "value": 10.0 + d, "diff_mean": d, "diff_ci_low": d, "diff_ci_high": d, "bound": ""}
            for v, d in (("cut", -5.0), ("same", 0.0))]
    fig = plots.compare_differences(pd.DataFrame(rows), "total_eflops")
    fig.canvas.draw()
    ax = fig.axes[0]
    note = next(t for t in ax.texts if (t.get_gid() or "").startswith("zero:"))
    box, frame = note.get_window_extent(), ax.get_window_extent()
    assert frame.x0 <= box.x0 and box.x1 <= frame.x1 + 1
