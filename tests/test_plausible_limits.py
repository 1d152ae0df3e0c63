"""Huge finite values, far-off years, absurd design sizes, leaking warnings and many sites: each is
one line and exit 2 at the start (nothing on disk changed), or a run whose stderr holds no raw
Python warning and whose plots stay readable."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

import sim
from conftest import project, scenario_data
from safety import EXAMPLE, capsim, one_line, snapshot
from sim.errors import ScenarioError
from sim.output.destination import PLOT_FILE
from sim.scenario import schema

EXAMPLE_DATA = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def _write(tmp_path, data, name="s.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _refused(data):
    with pytest.raises(ScenarioError) as refused:
        sim.scenario_from_data(data)
    return str(refused.value)


# --- the schema's limits ---------------------------------------------------------------------


@pytest.mark.parametrize("field, value, message", [
    ("it_mw", 1e308, "projects[a].it_mw: must be at most 100000 (got 1e+308)"),
    ("it_mw", 100_000.5, "projects[a].it_mw: must be at most 100000 (got 100000)"),
    ("investment_cny", 1e16, "projects[a].investment_cny: must be at most 1e+15 (got 1e+16)"),
    ("phase_gap_months", 1201, "projects[a].phase_gap_months: must be at most 1200 (got 1201)"),
    ("online", "9999-01", "projects[a].online: must be a month in the years 1900..2200 (got '9999-01')"),
])
def test_a_project_value_beyond_its_plausible_limit_is_refused(field, value, message):
    fields = {"status": "planned", "online": "2025-06", field: value}
    data = scenario_data([project("a", **fields)])
    assert message in _refused(data)


@pytest.mark.parametrize("where, value, message", [
    (("sites", "s", "monthly_temp_c"), [10.0] * 11 + [61.0], "sites.s.monthly_temp_c[11]: must be at most 60 (got 61)"),
    (("sites", "s", "monthly_temp_c"), [-91.0] + [10.0] * 11, "sites.s.monthly_temp_c[0]: must be at least -90 (got -91)"),
    (("cooling", "flat", "pue_curve"), [[0, 1e308]], "cooling.flat.pue_curve[0][1]: must be at most 5 (got 1e+308)"),
    (("horizon", "start"), "0001-01", "horizon.start: must be a month in the years 1900..2200 (got '0001-01')"),
    (("horizon", "end"), "9999-12", "horizon.end: must be a month in the years 1900..2200 (got '9999-12')"),
])
def test_places_cooling_and_horizon_have_plausible_limits(where, value, message):
    data = scenario_data([project("a")])
    node = data
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    assert message in _refused(data)


def test_the_limits_themselves_validate_and_run_to_finite_numbers():
    data = scenario_data([project("a", it_mw=schema.MAX_IT_MW, compute={"pflops": schema.MAX_PFLOPS,
                                                                      "precision": "FP32"},
                                  investment_cny=schema.MAX_CNY)],
                         start="2200-01", end="2200-12",
                         cooling={"flat": {"pue_curve": [[schema.MIN_TEMP_C, schema.MAX_PUE]]}})
    results = sim.simulate(sim.scenario_from_data(data), replications=1)
    monthly = results.monthly
    numbers = monthly[~monthly["metric"].isin(["green_mwh", "carbon_t"])].select_dtypes("number").to_numpy()
    assert (numbers == numbers).all()  # no NaN (carbon is NaN without policies.emissions)
    assert abs(numbers).max() < 1e300
    # 100,000 MW x 50 % utilisation x PUE 5 = 250,000 MW of facility power
    assert monthly[monthly["metric"] == "facility_mw"]["p50"].max() == pytest.approx(250_000)


def test_an_unbounded_draw_is_checked_at_the_limit_when_almost_nothing_lies_beyond():
    base = scenario_data([project("a")])
    data = copy.deepcopy(base)
    data["uncertainty"] = {"parameters": {"projects.a.it_mw": {"dist": "lognormal", "median": 10, "sigma": 0.5}}}
    sim.scenario_from_data(data)  # P(it_mw > 100,000) = P(z > 18.4): nothing
    data["uncertainty"]["parameters"]["projects.a.it_mw"] = {"dist": "lognormal", "median": 50_000, "sigma": 1}
    assert "can draw up to inf (lognormal without high), but then projects.a.it_mw: must be at most 100000" in \
        _refused(data)


def test_a_delay_that_can_be_longer_than_a_century_is_refused():
    data = scenario_data([project("a", status="planned", online="2025-06")])
    data["uncertainty"] = {"delay_months": {"planned": {"dist": "fixed", "value": 1e308}}}
    assert "uncertainty.delay_months.planned: can draw 1e+308 (its value); a delay must stay within 1200 months either way" in \
        _refused(data)


@pytest.mark.parametrize("path", [p for p in sorted((EXAMPLE.parent).glob("*.yaml"))], ids=lambda p: p.name)
def test_the_shipped_scenarios_keep_validating(path):
    done = capsim("validate", path)
    assert done.returncode == 0, done.stderr


def test_a_huge_value_in_a_file_is_one_line_with_file_line_and_column(tmp_path):
    data = copy.deepcopy(EXAMPLE_DATA)
    next(p for p in data["projects"] if p["id"] == "capital-super")["it_mw"] = 1e308
    path = _write(tmp_path, data)
    before = snapshot(tmp_path)
    done = capsim("run", path, "-r", "2", "--out", tmp_path / "o", cwd=tmp_path)
    assert done.returncode == 2
    assert re.fullmatch(r".*s\.yaml:\d+:\d+: projects\[capital-super\]\.it_mw: must be at most 100000 \(got 1e\+308\)",
                        one_line(done))
    assert snapshot(tmp_path) == before


# --- ranges on the command line ----------------------------------------------------------------


@pytest.mark.parametrize("args, shown", [
    (["solve", "--lever", "supply.ai_pflops_per_month", "--target", "plan 2030", "--low", "1", "--high", "1e308"],
     "--lever supply.ai_pflops_per_month: high 1e+308 makes the scenario invalid: must be at most 1e+09 (got 1e+308)"),
    (["explore", "--vary", "grid.headroom_mw=0:1e300", "--method", "lhs"],
     "--vary grid.headroom_mw=0:1e300: high 1e+300 makes the scenario invalid: must be at most 1e+07 (got 1e+300)"),
    (["explore", "--vary", "projects.north-ai-1.it_mw=1:1e6", "--method", "lhs"],
     "--vary projects.north-ai-1.it_mw=1:1e6: high 1e+06 makes the scenario invalid: must be at most 100000 (got 1e+06)"),
])
def test_a_range_beyond_the_paths_limit_is_one_line_exit_2(tmp_path, args, shown):
    done = capsim(args[0], EXAMPLE, *args[1:], "-r", "2", "--out", tmp_path / "o", cwd=tmp_path)
    assert done.returncode == 2
    assert one_line(done).endswith(shown)
    assert list(tmp_path.iterdir()) == []


def test_a_scheduler_timeout_beyond_a_day_is_refused(tmp_path):
    done = capsim("run", EXAMPLE, "--scheduler", "tcp://127.0.0.1:1", "--scheduler-timeout", "1e300",
                  "--out", tmp_path / "o", cwd=tmp_path)
    assert done.returncode == 2
    assert "argument --scheduler-timeout: must be at most 86,400 seconds, a day (got '1e300')" in one_line(done)


# --- the size of an exploration ----------------------------------------------------------------


@pytest.mark.parametrize("method, n, evaluations", [("sobol", 70368744177664, 4 * 70368744177664),
                                                     ("lhs", 70368744177664, 70368744177664)])
def test_an_exploration_too_large_for_memory_is_refused_before_any_work(tmp_path, method, n, evaluations):
    done = capsim("explore", EXAMPLE, "--method", method, "-n", str(n), "--out", tmp_path / "o", cwd=tmp_path,
                  env={"CAPSIM_MEMORY_LIMIT": "8G"})
    assert done.returncode == 2
    line = one_line(done)
    # the example explores 2 inputs: Sobol makes N x (2 + 2) evaluations
    assert line.startswith(f"capsim: error: --samples: N = {n:,} makes {evaluations:,} evaluations x ")
    assert line.endswith("more than the 8.6 GB available; use a smaller N (or set CAPSIM_MEMORY_LIMIT)")
    assert list(tmp_path.iterdir()) == []


def test_the_design_estimate_counts_every_evaluation():
    from sim.run.memory import design_bytes

    # 10 evaluations, 2 inputs, 3 outputs: 4 copies x 10 x 8 x (2 x 2 + 3) + 2 x 8 x 10 x 2
    assert design_bytes(10, 2, 3) == 4 * 10 * 8 * 7 + 320


# --- warnings ---------------------------------------------------------------------------------

RAW_WARNING = re.compile(r"\w*Warning: |^\s+\S|warnings\.warn")


def _chinese_extreme(tmp_path):
    data = copy.deepcopy(EXAMPLE_DATA)
    data["name"] = "极端地区"
    for item in data["projects"]:
        item["it_mw"] = schema.MAX_IT_MW
        item["compute"]["pflops"] = schema.MAX_PFLOPS
        item["name"] = "项目" + item["id"]
        if "investment_cny" in item:
            item["investment_cny"] = schema.MAX_CNY
    for cooling in data["cooling"].values():
        cooling["pue_curve"] = [[schema.MIN_TEMP_C, schema.MAX_PUE], [schema.MAX_TEMP_C, schema.MAX_PUE]]
    for target in data["targets"]:
        target["name"] = "规划" + target["name"]
    return _write(tmp_path, data)


def _tiny(tmp_path):
    # phases of 5e-324 MW become 0 MW: the vouchers' idle share divided 0 by 0 (numpy warned)
    data = copy.deepcopy(EXAMPLE_DATA)
    for item in data["projects"]:
        item["it_mw"] = 5e-324
        item["compute"]["pflops"] = 5e-324
        item["utilization"] = 0
    return _write(tmp_path, data)


@pytest.mark.parametrize("command, make", [
    ("run", _chinese_extreme), ("compare", _chinese_extreme), ("explore", _chinese_extreme),
    ("solve", _chinese_extreme), ("run", _tiny), ("explore", _tiny)])
def test_no_raw_python_warning_reaches_stderr(tmp_path, command, make):
    path = make(tmp_path)
    extra = {"explore": ["--method", "lhs", "-n", "4"],
             "solve": ["--lever", "supply.ai_pflops_per_month", "--target", "规划plan 2030", "--low", "1",
                       "--high", "1e9"]}.get(command, [])
    done = capsim(command, path, "-r", "2", *extra, "--no-report", "--out", tmp_path / "o", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert not [line for line in lines if RAW_WARNING.search(line)], done.stderr
    assert all(line.startswith("capsim: warning: ") for line in lines), done.stderr
    sanity = [line for line in lines if "'Sanity warnings'" in line]  # the extremes' own figures (sim.scenario.sanity)
    assert len(lines) - len(sanity) <= 1  # the fonts' one warning, on a machine without a CJK font
    assert len(sanity) == len(set(sanity))  # each once
    assert "nan" not in done.stdout


# --- many sites ---------------------------------------------------------------------------------


def test_many_sites_are_drawn_a_page_of_24_at_a_time(tmp_path):
    sites = {f"site-{i}": {"monthly_temp_c": [10.0] * 12} for i in range(50)}
    data = scenario_data([project(f"p{i}", site=f"site-{i}") for i in range(50)], sites=sites)
    path = _write(tmp_path, data)
    done = capsim("run", path, "--no-report", "--out", tmp_path / "o", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    drawn = sorted(p.name for p in (tmp_path / "o" / "plots").iterdir() if p.name.startswith("sites"))
    assert drawn == ["sites-2.png", "sites-3.png", "sites.png"]  # 24 + 24 + 2
    assert all(PLOT_FILE.fullmatch(name) for name in drawn)
    again = capsim("run", path, "--no-report", "--out", tmp_path / "o", "-q", "--force", cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # capsim's own folder, sites-2.png included


def test_sites_figures_pages_keep_the_tables_order():
    import pandas as pd

    from sim.plots import sites_figures

    rows = [{"variant": "base", "month": "2025-01", "site": f"s{i}", "metric": metric, "p10": 1.0, "p50": 2.0,
             "p90": 3.0} for i in range(25) for metric in ("facility_mw", "it_load_mw")]
    figures = sites_figures(pd.DataFrame(rows))
    assert list(figures) == ["sites", "sites-2"]
    titles = [[ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()] for fig in figures.values()]
    # the first page opens with the stack of every site; each panel its site and peak (issue 25)
    assert titles == [["all sites, stacked (median facility power)"] + [f"s{i}: peak 2 MW" for i in range(24)],
                      ["s24: peak 2 MW"]]
    stacked = figures["sites"].axes[0].get_legend().get_texts()
    assert [t.get_text() for t in stacked] == [f"s{i}" for i in range(11)] + ["14 other sites"]
    assert "(page 2 of 2)" in figures["sites-2"]._suptitle.get_text()


def test_a_levers_range_in_the_file_beyond_the_limit_is_one_line_at_the_lever(tmp_path):
    data = copy.deepcopy(EXAMPLE_DATA)
    data["explore"] = {"levers": {"supply.ai_pflops_per_month": {"low": 10, "high": 1e308}}}
    path = _write(tmp_path, data)
    before = snapshot(tmp_path)
    done = capsim("explore", path, "-r", "2", "--out", tmp_path / "o", cwd=tmp_path)
    assert done.returncode == 2
    # one line (the drawn parameter on the same path no longer adds a second), at the lever's position
    assert re.fullmatch(r".*s\.yaml:\d+:\d+: supply\.ai_pflops_per_month: high 1e\+308 makes the scenario invalid: "
                        r"must be at most 1e\+09 \(got 1e\+308\)",
                        one_line(done))
    assert snapshot(tmp_path) == before


def test_names_too_long_for_the_figures_give_no_layout_warning(tmp_path):
    # matplotlib: "constrained_layout not applied because axes sizes collapsed to zero", five times
    data = copy.deepcopy(EXAMPLE_DATA)
    data["name"] = "A" * 3000
    for target in data["targets"]:
        target["name"] += " " + "B" * 500
    path = _write(tmp_path, data)
    done = capsim("run", path, "-r", "2", "--no-report", "--out", tmp_path / "o", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


@pytest.mark.parametrize("command, extra, samples", [
    ("explore", ["--method", "lhs", "-n", "4"], 4),
    ("solve", ["--lever", "supply.ai_pflops_per_month", "--target", "plan 2030", "--low", "1", "--high", "1000"], 2),
])
def test_replications_too_many_to_keep_are_refused_before_any_work(tmp_path, command, extra, samples):
    # -r 1e14 listed 4e11 tasks (and kept every replication's outputs) until the machine ran out of memory
    done = capsim(command, EXAMPLE, "-r", "99999999999999", *extra, "--out", tmp_path / "o", cwd=tmp_path,
                  env={"CAPSIM_MEMORY_LIMIT": "8G"})
    assert done.returncode == 2
    assert one_line(done).startswith(f"capsim: error: --replications: 99,999,999,999,999 replications of each of "
                                     f"{samples} samples run together keep ")
    assert list(tmp_path.iterdir()) == []


def test_the_evaluation_estimate_counts_every_replication_and_task():
    from sim.run.memory import TASK_BYTES, evaluation_bytes

    # 3 samples x (2 copies x 1000 replications x 5 outputs x 8 bytes + 4 blocks of 250 x TASK_BYTES)
    assert evaluation_bytes(3, 1000, 5, 250) == 3 * (2 * 1000 * 5 * 8 + 4 * TASK_BYTES)
