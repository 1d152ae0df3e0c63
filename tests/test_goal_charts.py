"""Every target criterion drawn on the chart of its measure, in the PNG plots and in the report.

The scenario is tests/test_target_criteria.py's (its docstring has every value by hand): each
criterion has a target by 2025-12 and one by 2026-01 with a figure between the 2025 and the 2026
value, so one of the two is met at the median and the other missed; plus 'AI 2026' (intelligent
EFLOPS >= 2 by 2026-12, met: 3) and 'all 2025' (racks >= 3,000, PUE <= 1.6, energy <= 1e5 MWh,
carbon <= 3e4 t, all met in 2025). Whether the median meets an aim:

=================  ===========  =========  ==========  ===========================
criterion          figure       2025 / 26  '… 2025-12'  '… 2026-01'
=================  ===========  =========  ==========  ===========================
racks >=           6,000        4,000/8,000  missed    met
it_mw >=           15           10 / 20    missed      met
utilization >=     0.6 (60%)    50% / 70%  missed      met
green_share >=     0.4 (40%)    20% / 50%  missed      met
public_cost <=     2e8 (200 M)  1e8 / 3e8  met         missed
pue <=             1.4          1.5 / 1.307  missed    met
carbon_t <=        30,000       26,280 / 40,077  met   missed
facility_mw <=     10           7.5 / 18.3  met        missed
energy_mwh <=      0.1 TWh      0.0657 / 0.1603  met   missed
=================  ===========  =========  ==========  ===========================
"""

from __future__ import annotations

import json

import matplotlib.dates as mdates
import numpy as np
import pytest
from safety import capsim
from test_target_criteria import data

import sim
from sim import plots
from sim.plots.style import month_dates
from sim.report.goal_charts import goals_chart

MONTHLY = {  # criterion: (scale, met by 2025-12 at the median)
    "racks": (1.0, False), "it_mw": (1.0, False), "utilization": (100.0, False), "green_share": (100.0, False),
    "public_cost_cny": (1e-6, True),
}
FIGURES = {"racks": 6000, "it_mw": 15, "utilization": 0.6, "green_share": 0.4, "public_cost_cny": 2e8, "pue": 1.4,
           "carbon_t": 30_000, "facility_mw": 10, "energy_mwh": 100_000}


@pytest.fixture(scope="module")
def results():
    return sim.simulate(sim.scenario_from_data(data()), replications=2, seed=0)


@pytest.fixture(scope="module")
def context(results):
    return plots.PlotContext.from_scenario(results.scenario, replications=2)


def marks(ax, name):
    """The marker of target ``name`` on ``ax``: (x as a date number, y, met at the median?)."""
    for line in ax.lines:
        if line.get_gid() in (f"target:{name}", f"target-missed:{name}"):
            assert line.get_marker() == ("*" if line.get_gid().startswith("target:") else "X")
            x, y = line.get_xdata()[0], line.get_ydata()[0]
            x = mdates.date2num(x) if not isinstance(x, (int, float, np.floating, np.integer)) else float(x)
            return x, float(y), line.get_gid().startswith("target:")
    raise AssertionError(f"no marker of {name!r} on {ax.get_title(loc='left')!r}")


def in_month(x, month):
    start, end = (mdates.date2num(month_dates([month], w)[0]) for w in ("start", "end"))
    return start <= x <= end


def test_context_keeps_every_criterion(context):
    targets = {t.name: t.criteria for t in context.targets}
    assert targets["pue 2025-12"] == {"pue": 1.4}
    assert targets["all 2025"] == {"racks": 3000, "pue": 1.6, "energy_mwh": 1e5, "carbon_t": 3e4}
    assert plots.goal_measures(context) == ["racks", "it_mw", "intelligent_eflops", "utilization", "green_share",
                                            "carbon_t", "public_cost_cny"]
    assert plots.goal_measures(plots.PlotContext(targets=(plots.TargetMark("t", "2026-01", {"pue": 1.2}),))) == []


def test_png_goals_has_each_aim_on_its_panel(results, context):
    fig = plots.goals(results.monthly, results.annual, results.targets, context)
    panels = {ax.get_title(loc="left").replace("\n", " "): ax for ax in fig.axes}
    titles = {"racks": "standard racks, end of month", "it_mw": "design IT power online, end of month",
              "utilization": "utilisation (IT load / design IT), by month",
              "green_share": "green share of energy, by month",
              "public_cost_cny": "public cost to date (subsidy + vouchers)"}
    assert len(fig.axes) == 7  # one panel per measure, the grid's empty cell removed
    for name, (scale, met_2025) in MONTHLY.items():
        ax = panels[titles[name]]
        for by, met in (("2025-12", met_2025), ("2026-01", not met_2025)):
            x, y, shown_met = marks(ax, f"{name} {by}")
            assert in_month(x, by) and y == pytest.approx(FIGURES[name] * scale) and shown_met == met, (name, by)
    x, y, met = marks(panels["standard racks, end of month"], "all 2025")
    assert in_month(x, "2025-12") and y == 3000 and met
    x, y, met = marks(panels["intelligent (AI) EFLOPS, end of month"], "AI 2026")
    assert in_month(x, "2026-12") and y == 2 and met
    carbon = panels["grid carbon per calendar year"]  # bars: 2025 at 0, 2026 at 1; kt
    assert marks(carbon, "carbon_t 2026-01") == (1.0, 30.0, False)
    assert marks(carbon, "carbon_t 2025-12 + all 2025") == (0.0, 30.0, True)  # the same year and figure: one mark


def test_png_pue_and_power_carry_their_aims(results, context):
    pue = plots.pue(results.monthly, results.annual, context, targets=results.targets).axes[0]
    mid_2025 = (mdates.date2num(np.datetime64("2025-01-01")) + mdates.date2num(np.datetime64("2026-01-01"))) / 2
    mid_2026 = (mdates.date2num(np.datetime64("2026-01-01")) + mdates.date2num(np.datetime64("2027-01-01"))) / 2
    assert marks(pue, "pue 2025-12") == (pytest.approx(mid_2025), 1.4, False)  # 1.5 > 1.4
    assert marks(pue, "pue 2026-01") == (pytest.approx(mid_2026), 1.4, True)  # 1.307
    assert marks(pue, "all 2025") == (pytest.approx(mid_2025), 1.6, True)
    year = next(line for line in pue.lines if line.get_gid() == "aim-year:2026")  # across 2026's months
    assert [float(x) for x in year.get_xdata()] == [mdates.date2num(np.datetime64("2026-01-01")),
                                                       mdates.date2num(np.datetime64("2027-01-01"))]
    labels = {t.get_gid(): t.get_text() for t in pue.texts}
    assert labels["target-label:pue 2026-01"] == "pue 2026-01:\n≤ 1.4 in 2026\nmet in 100% of runs"
    top, bottom = plots.power(results.monthly, results.annual, context, targets=results.targets).axes
    assert marks(top, "facility_mw 2025-12") == (pytest.approx(mid_2025), 10.0, True)
    assert marks(top, "facility_mw 2026-01") == (pytest.approx(mid_2026), 10.0, False)
    assert marks(bottom, "energy_mwh 2025-12 + all 2025") == (0.0, pytest.approx(0.1), True)
    assert marks(bottom, "energy_mwh 2026-01") == (1.0, pytest.approx(0.1), False)


def test_report_goals_chart_has_each_aim_on_its_panel(results):
    specs = [{**t.model_dump(mode="json"), "role": t.role} for t in results.scenario.targets]
    chart = goals_chart(results.monthly, results.annual, specs, results.targets)
    figure = chart.figure.to_dict()
    titles = [a["text"] for a in figure["layout"]["annotations"]]
    assert titles == ["Standard racks, end of month", "Design IT power online (MW), end of month",
                      "Intelligent (AI) EFLOPS, end of month", "Utilisation (IT load / design IT, %), by month",
                      "Green share of facility energy (%), by month", "PUE per calendar year",
                      "Grid carbon per calendar year (t CO2)", "Public cost to date (million CNY: subsidy + vouchers)"]
    axis = {"racks": "x", "it_mw": "x2", "intelligent_eflops": "x3", "utilization": "x4", "green_share": "x5",
            "pue": "x6", "carbon_t": "x7", "public_cost_cny": "x8"}
    aims = {t["xaxis"]: t for t in figure["data"] if t.get("name") == "target"}
    for name, (scale, met_2025) in MONTHLY.items():
        trace = aims[axis[name]]
        points = dict(zip(trace["customdata"], zip(trace["x"], trace["y"], trace["marker"]["symbol"])))
        for by, end, met in (("2025-12", "2025-12-31", met_2025), ("2026-01", "2026-01-31", not met_2025)):
            hover = next(h for h in points if h.startswith(f"{name} {by} (plan)"))
            assert points[hover] == (end, pytest.approx(FIGURES[name] * scale), "star" if met else "x"), (name, by)
            assert ("meets it" if met else "misses it") in hover
    pue = aims["x6"]
    assert pue["x"] == ["2025", "2026", "2025"] and pue["y"] == [1.4, 1.4, 1.6]
    assert pue["marker"]["symbol"] == ["x", "star", "star"]
    assert pue["customdata"][0] == ("pue 2025-12 (plan): ≤ 1.4 by 2025-12; median 1.50 misses it; "
                                    "whole target met in 0% of runs")
    carbon = aims["x7"]
    assert carbon["x"] == ["2025", "2026", "2025"] and carbon["marker"]["symbol"] == ["star", "x", "star"]
    ai = aims["x3"]
    assert ai["x"] == ["2026-12-31"] and ai["y"] == [2] and ai["text"] == ["AI 2026"]
    racks = aims["x"]  # the two 6,000 aims a month apart share one label; 'all 2025' has its own
    assert sorted(racks["text"]) == ["", "all 2025", "racks 2025-12, racks 2026-01"]
    # the measure itself, at each month's end, with its band
    line = next(t for t in figure["data"] if t.get("xaxis") == "x4" and t.get("name", "").endswith("median"))
    assert line["x"][:2] == ["2025-01-31", "2025-02-28"] and line["y"][11:13] == [50, 70]
    assert figure["layout"]["yaxis6"]["rangemode"] == "normal"  # PUE not from 0


def test_no_goals_chart_without_such_targets(results):
    specs = [{"name": "t", "by": "2026-01", "total_eflops": 2, "pue": 1.3, "role": "plan"}]
    assert goals_chart(results.monthly, results.annual, specs) is not None  # PUE has its panel in the report
    specs = [{"name": "t", "by": "2026-01", "total_eflops": 2, "facility_mw": 20, "role": "plan"}]
    assert goals_chart(results.monthly, results.annual, specs) is None


def test_a_calibration_target_is_not_an_other_goal(results):
    """A calibration target (reported past figures) is not a goal: no "Other goals" panel for it, in
    the report or the PNG."""
    specs = [{"name": "calibration 2025", "by": "2026-01", "racks": 100, "role": "calibration"}]
    assert goals_chart(results.monthly, results.annual, specs) is None
    context = plots.PlotContext(name="T", targets=(plots.TargetMark("calibration 2025", "2026-01", {"racks": 100.0},
                                                                    "calibration"),))
    assert plots.goal_measures(context, results.monthly, results.annual) == []
    with pytest.raises(ValueError):
        plots.goals(results.monthly, results.annual, None, context)


def test_run_writes_goals_png_and_the_report_chart(tmp_path):
    path = tmp_path / "criteria.yaml"
    path.write_text(json.dumps(data()), encoding="utf-8")
    run = capsim("run", path, "-r", "1", "--out", tmp_path / "run", "-j", "1")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "run" / "plots" / "goals.png").is_file()
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert 'id="chart-goals"' in html and "Other goals" in html
    from sim.output.plotfiles import kinds, read_tables

    tables = read_tables(tmp_path / "run")
    assert "goals" in kinds(tables)
    plain = plots.PlotContext(targets=(plots.TargetMark("only EFLOPS", "2026-01", {"total_eflops": 2.0}),))
    assert "goals" not in kinds(type(tables)(**{**tables.__dict__, "context": plain}))
