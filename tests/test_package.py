"""capsim solve with several levers: the cheapest package (sim/explore/package.py).

The hand-computed case: a deterministic scenario (no uncertainty: every replication the same, P is
0 or 1). An operating 1,000 PFLOPS project 'old'; an operating project 'c' whose PFLOPS are lever
2 (1,000 to 3,000); a planned 2,000 PFLOPS project 'big' of 10 MW IT at a flat PUE of 1.5 (15 MW
of peak facility power) that comes online only if grid.headroom_mw (lever 1, 0 to 40 MW) is at
least 15. The target (3 EFLOPS by 2025-12) is met iff headroom >= 15 MW (1,000 + c + 2,000 >=
3,000) or c >= 2,000 PFLOPS (1,000 + c >= 3,000): a step response in each lever.

Costs declared (from each lever's low end): headroom 1 M CNY per MW, c 100,000 CNY per PFLOPS.
The headroom corner costs 15 x 1 M = 15 M CNY; the c corner (2,000 - 1,000) x 0.1 M = 100 M CNY:
the cheapest package is headroom 15 MW, c 1,000 PFLOPS, cost 15,000,000 CNY. The search finds it
exactly: the grid (0, 10, 20, 30, 40 MW x 1,000, 1,500, 2,000, 2,500, 3,000 PFLOPS) has (20 MW,
1,000) met at 20 M CNY next to (10 MW, 1,000) missed; bisecting headroom between them evaluates
15 (met), 12.5, 13.75, 14.375, 14.6875 (missed) and stops at a width of 0.3125 <= 0.4 (1% of 40).
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import project, run_cli, scenario_data
from safety import snapshot

import sim
from sim.errors import ScenarioError
from sim.explore.package import PackageLever, grid_counts, package_levers, parse_lever, solve_package

TARGET = "3 EFLOPS"


def step_data(c_pflops: float = 1000) -> dict:
    return scenario_data(
        [project("old"), project("c", compute={"pflops": c_pflops, "precision": "FP32"}),
         project("big", status="planned", online="2025-03", compute={"pflops": 2000, "precision": "FP32"})],
        grid={"headroom_mw": 0},
        targets=[{"name": TARGET, "by": "2025-12", "total_eflops": 3}],
    )


def levers(scenario, headroom=(0, 40, 1e6), c=(1000, 3000, 1e5)):
    return package_levers(scenario, [f"grid.headroom_mw:{headroom[0]}:{headroom[1]}:{headroom[2]}",
                                     f"projects.c.compute.pflops:{c[0]}:{c[1]}:{c[2]}"])


def test_cheapest_package_is_the_headroom_corner_exactly():
    scenario = sim.scenario_from_data(step_data())
    solution = solve_package(scenario, levers(scenario), TARGET, 0.8, replications=2)
    assert solution.status == "solved"
    best = solution.best
    assert (best["grid.headroom_mw"], best["projects.c.compute.pflops"]) == (15.0, 1000.0)
    assert best["cost_cny"] == 15_000_000 and best["public_cost_cny"] == 0 and best["probability"] == 1.0
    grid = solution.packages[solution.packages.phase == "grid"]
    assert len(grid) == 25 and solution.grid_points == 5
    # met iff headroom >= 15 or c >= 2000, at every grid package
    expected = (grid["grid.headroom_mw"] >= 15) | (grid["projects.c.compute.pflops"] >= 2000)
    assert grid.met.tolist() == expected.tolist()
    refined = solution.packages[(solution.packages.phase == "refine")
                                & (solution.packages["projects.c.compute.pflops"] == 1000)]
    assert refined["grid.headroom_mw"].tolist() == [15, 12.5, 13.75, 14.375, 14.6875]
    text = solution.summary_text()
    assert "answer: grid headroom = 15 MW, compute of c = 1,000 PFLOPS" in text  # the inputs' plain labels
    assert "P 100.0% [" in text and "cost 15,000,000 CNY" in text


def test_the_other_corner_when_compute_is_cheaper():
    # c at 1,000 CNY per PFLOPS: (2,000 - 1,000) x 1,000 = 1 M CNY < 15 M for the headroom
    scenario = sim.scenario_from_data(step_data())
    solution = solve_package(scenario, levers(scenario, c=(1000, 3000, 1000)), TARGET, 0.8, replications=1)
    best = solution.best
    assert (best["grid.headroom_mw"], best["projects.c.compute.pflops"], best["cost_cny"]) == (0, 2000, 1_000_000)


def test_frontier_is_the_pareto_front_of_p_against_cost():
    scenario = sim.scenario_from_data(step_data())
    solution = solve_package(scenario, levers(scenario), TARGET, 0.8, replications=1)
    # P is 0 or 1: the front is the free package (P 0) and the cheapest met package (P 1)
    front = solution.frontier
    assert front.cost_cny.tolist() == [0, 15_000_000] and front.probability.tolist() == [0.0, 1.0]
    assert solution.packages.on_front.sum() == 2


def test_no_package_suffices_says_so_and_the_best_reached():
    scenario = sim.scenario_from_data(step_data())
    chosen = levers(scenario, headroom=(0, 10, 1e6), c=(1000, 1900, 1e5))
    solution = solve_package(scenario, chosen, TARGET, 0.8, replications=1)
    assert solution.status == "missed"
    assert not solution.packages.met.any() and (solution.packages.phase == "grid").all()
    assert (solution.best["grid.headroom_mw"], solution.best["projects.c.compute.pflops"]) == (0, 1000)
    text = solution.summary_text()
    # P is 0 at every package: no "best reached", but that nothing in the ranges moves P above 0
    assert ("no package in the ranges moves P above 0: the target is missed in every replication of every package "
            "evaluated (P 0.0% [0.0%, 79.3%] (95% Wilson interval)); widen the ranges or add levers") in text
    assert "best reached" not in text
    assert "1 replication per package" in text and "Pareto front of P against cost, 1 package):" in text


def test_package_text_uses_declared_labels_and_says_the_best_reached_above_zero():
    data = step_data()
    data["explore"] = {"levers": {"grid.headroom_mw": {"low": 0, "high": 10, "label": "new grid for the park"}}}
    scenario = sim.scenario_from_data(data)
    solution = solve_package(scenario, levers(scenario, headroom=(0, 10, 1e6), c=(1000, 1900, 1e5)), TARGET, 0.8,
                             replications=1)
    # P above 0 but below 0.8 somewhere: the best reached is named (a table where package 2 reaches 50%)
    solution.packages.loc[1, "probability"] = 0.5
    solution.best = {**solution.packages.loc[1].to_dict()}
    text = solution.summary_text()
    assert "  lever new grid for the park (grid.headroom_mw in [0 MW, 10 MW], 1,000,000 CNY per unit above 0)" in text
    assert "the best reached is new grid for the park = " in text and "grid.headroom_mw =" not in text


def test_declared_cost_from_the_free_end():
    up = PackageLever("x", 2, 10, "", False, 3.0, "--lever")
    down = PackageLever("x", 2, 10, "", False, -3.0, "--lever")
    free = PackageLever("x", 2, 10, "", False, None, "--lever")
    assert (up.declared_cost(2), up.declared_cost(5)) == (0, 9)
    assert (down.declared_cost(10), down.declared_cost(4)) == (0, 18)
    assert free.declared_cost(7) == 0


def test_grid_is_capped():
    assert [grid_counts(k) for k in (1, 2, 3, 4, 5, 6)] == [5, 5, 5, 3, 2, 2]


@pytest.mark.parametrize("text, message", [
    ("grid.headroom_mw:0", "must be written PATH, PATH:LOW:HIGH or PATH:LOW:HIGH:COST_PER_UNIT"),
    ("grid.headroom_mw:a:5", "LOW must be a number (got 'a')"),
    ("grid.headroom_mw:0:5:inf", "COST_PER_UNIT must be a finite number"),
])
def test_bad_lever_text(text, message):
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_lever(text)


def test_bare_path_needs_a_declared_range_and_takes_its_cost():
    data = step_data()
    scenario = sim.scenario_from_data(data)
    with pytest.raises(ScenarioError, match="give its range as grid.headroom_mw:LOW:HIGH"):
        package_levers(scenario, ["grid.headroom_mw", "projects.c.compute.pflops:1000:3000"])
    data["explore"] = {"levers": {"grid.headroom_mw": {"low": 0, "high": 40, "cost_cny_per_unit": 1e6},
                                  "projects.c.compute.pflops": {"low": 1000, "high": 3000}}}
    scenario = sim.scenario_from_data(data)
    found = package_levers(scenario)
    assert [(x.path, x.low, x.high, x.cost_per_unit) for x in found] == [
        ("grid.headroom_mw", 0, 40, 1e6), ("projects.c.compute.pflops", 1000, 3000, None)]
    with pytest.raises(ScenarioError, match="given twice"):
        package_levers(scenario, ["grid.headroom_mw", "grid.headroom_mw:0:5"])
    with pytest.raises(ScenarioError, match=r"projects.1.compute.pflops is given twice \(also as projects.c"):
        package_levers(scenario, ["projects.c.compute.pflops:1000:2000", "projects.1.compute.pflops:1000:2000"])


def test_cli_prints_the_package_and_writes_frontier(tmp_path):
    import json

    path = tmp_path / "step.yaml"
    path.write_text(json.dumps(step_data()), encoding="utf-8")
    out = tmp_path / "out"
    done = run_cli("solve", str(path), "--lever", "grid.headroom_mw:0:40:1e6", "--lever",
                   "projects.c.compute.pflops:1000:3000:1e5", "--target", TARGET, "--probability", "0.8", "-r", "2",
                   "-j", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "answer: grid headroom = 15 MW, compute of c = 1,000 PFLOPS" in done.stdout
    assert "cost 15,000,000 CNY" in done.stdout
    front = pd.read_csv(out / "frontier.csv")
    assert front.cost_cny.tolist() == [0, 15_000_000]
    packages = pd.read_csv(out / "packages.csv")
    assert {"grid.headroom_mw", "projects.c.compute.pflops", "cost_cny", "met", "on_front"} <= set(packages.columns)
    assert (out / "plots" / "frontier.png").is_file() and (out / "report.html").is_file()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert ("The cheapest package found at which target &#x27;3 EFLOPS&#x27; is met with probability at least 80% is "
            "grid headroom = 15 MW, compute of c = 1,000") in report  # the levers by their plain labels
    assert "The trade-off: the Pareto front of P(target met) against cost" in report
    assert "Solve: the cheapest package, P(target met) against cost" in report
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["package"]["answer"] == {"grid.headroom_mw": 15.0, "projects.c.compute.pflops": 1000.0}
    assert manifest["package"]["answer_cost_cny"] == 15_000_000


@pytest.mark.parametrize("extra, message", [
    (["--low", "0"], "--low: applies to one lever"),
    (["--direction", "largest"], "--direction: applies to one lever"),
    (["--lever", "grid.headroom_mw:0"], "must be written PATH, PATH:LOW:HIGH"),
])
def test_cli_package_bad_input_one_line_exit_2(tmp_path, extra, message):
    import json

    path = tmp_path / "step.yaml"
    path.write_text(json.dumps(step_data()), encoding="utf-8")
    before = snapshot(tmp_path)
    done = run_cli("solve", str(path), "--lever", "grid.headroom_mw:0:40:1e6", "--lever",
                   "projects.c.compute.pflops:1000:3000", "--target", TARGET, "-r", "1", "-j", "1",
                   "--out", str(tmp_path / "out"), *extra)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    # one error line (the hand-made scenario's PFLOPS per MW also draws a sanity warning, not an error)
    assert len([line for line in done.stderr.strip().splitlines() if not line.startswith("capsim: warning:")]) == 1
    assert snapshot(tmp_path) == before


def test_frontier_plot_draws_the_table_met_and_missed_by_shape_and_colour():
    from matplotlib.colors import to_hex

    from sim.plots import frontier_chart
    from sim.plots.solve import MET_COLOUR, MISSED_COLOUR

    table = pd.DataFrame({"step": [0, 1, 2, 3], "cost_cny": [0, 5e6, 15e6, 20e6],
                          "probability": [0.0, 0.5, 1.0, 1.0], "met": [False, False, True, True],
                          "on_front": [True, True, True, False]})
    fig = frontier_chart(table, TARGET, 0.8, answer_step=2)
    ax = fig.axes[0]
    by_gid = {c.get_gid(): c for c in ax.collections}
    met, missed = by_gid["points:met"], by_gid["points:missed"]
    assert met.get_offsets().tolist() == [[15, 100], [20, 100]]  # million CNY, percent
    assert missed.get_offsets().tolist() == [[0, 0], [5, 50]]
    assert to_hex(met.get_facecolor()[0]) == MET_COLOUR.lower() and to_hex(missed.get_facecolor()[0]) == MISSED_COLOUR.lower()
    assert met.get_paths()[0] is not missed.get_paths()[0]  # a circle and a cross
    assert by_gid["answer"].get_offsets().tolist() == [[15, 100]]
    front = next(line for line in ax.lines if line.get_gid() == "front")
    assert list(front.get_xdata()) == [0, 5, 15]
    threshold = next(line for line in ax.lines if line.get_gid() == "threshold")
    assert list(threshold.get_ydata()) == [80, 80]


def test_cli_without_lever_uses_explore_levers(tmp_path):
    import json

    data = step_data()
    data["explore"] = {"levers": {"grid.headroom_mw": {"low": 0, "high": 40, "cost_cny_per_unit": 1e6},
                                  "projects.c.compute.pflops": {"low": 1000, "high": 3000, "cost_cny_per_unit": 1e5}}}
    path = tmp_path / "step.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    done = run_cli("solve", str(path), "--target", TARGET, "--probability", "0.8", "-r", "1", "-j", "1",
                   "--no-plots", "--no-report", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "answer: grid headroom = 15 MW, compute of c = 1,000 PFLOPS" in done.stdout
    assert "lever grid headroom (grid.headroom_mw in [0 MW, 40 MW], 1,000,000 CNY per unit above 0)" in done.stdout


def test_public_cost_is_the_simulated_subsidy_and_a_negative_cost_counts_from_high():
    # big carries 1 bn CNY of investment and a subsidy of `rate` x investment is paid when it comes
    # online (headroom >= 15 MW); the rate lever has no declared cost: it costs the subsidy paid.
    data = step_data()
    data["projects"][2]["investment_cny"] = 1e9
    data["policies"] = {"capex_subsidy": {"rate": 0.05}}
    scenario = sim.scenario_from_data(data)
    chosen = package_levers(scenario, ["grid.headroom_mw:0:40:1e6", "policies.capex_subsidy.rate:0.02:0.1"])
    solution = solve_package(scenario, chosen, TARGET, 0.8, replications=1)
    best = solution.best
    assert (best["grid.headroom_mw"], best["policies.capex_subsidy.rate"]) == (15, 0.02)
    assert best["public_cost_cny"] == pytest.approx(0.02 * 1e9) and best["declared_cost_cny"] == 15e6
    assert best["cost_cny"] == pytest.approx(35e6)
    missed = solution.packages[~solution.packages.met]
    assert missed.public_cost_cny.eq(0).all()  # big never online: no subsidy paid
    # the same headroom priced from its high end (a negative cost): 40 MW is free, 15 MW costs 25 M
    chosen = package_levers(scenario, ["grid.headroom_mw:0:40:-1e6", "policies.capex_subsidy.rate:0.02:0.1"])
    solution = solve_package(scenario, chosen, TARGET, 0.8, replications=1)
    assert (solution.best["grid.headroom_mw"], solution.best["declared_cost_cny"]) == (40, 0)


def test_the_report_draws_the_solve_as_the_png_does():
    """The report drew only the front, joined, on its own x range and without the answer ringed, while
    frontier.png drew every package: now both draw every package, the front as a step, the answer
    ringed, on one x range (0 to 20 M CNY, 4% room: -0.8 to 20.8); a P of 79.96% [79.2, 80.7] next to an
    80% threshold reads 79.96%, not 80%."""
    from sim.plots import frontier_chart as png
    from sim.report.study_charts import frontier_chart as html

    packages = pd.DataFrame({"step": [0, 1, 2, 3], "cost_cny": [0, 5e6, 15e6, 20e6],
                             "probability": [0.0, 0.7996, 1.0, 1.0], "ci_low": [0.0, 0.792, 0.99, 0.99],
                             "ci_high": [0.01, 0.807, 1.0, 1.0], "met": [False, False, True, True],
                             "on_front": [True, True, True, False]})
    settings = {"target": TARGET, "probability": 0.8, "status": "solved", "answer_step": 2}
    figure = html(packages[packages["on_front"]], settings, packages).figure.to_dict()
    traces = {t["name"]: t for t in figure["data"]}
    assert traces["package: met"]["x"] == [15, 20] and traces["package: missed"]["x"] == [0, 5]
    assert traces["Pareto front (highest P for the cost)"]["line"]["shape"] == "hv"
    assert traces["Pareto front (highest P for the cost)"]["x"] == [0, 5, 15]
    assert traces["cheapest package met"]["x"] == [15] and traces["cheapest package met"]["y"] == [100]
    assert figure["layout"]["xaxis"]["range"] == pytest.approx([-0.8, 20.8])
    assert png(packages, TARGET, 0.8, answer_step=2).axes[0].get_xlim() == pytest.approx((-0.8, 20.8))
    assert traces["package: missed"]["customdata"][1].startswith("5.0 M CNY: P 79.96%, missed")
