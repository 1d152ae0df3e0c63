"""Drawn values obey the rules of the value they replace; overrides of a drawn value; errors an
override causes name the override."""

from __future__ import annotations

import json

import numpy as np
import pytest

import sim
from conftest import REPO, project, run_cli, scenario_data
from sim import ScenarioError
from sim.scenario.support import mass_inside
from sim.scenario.validate import origin_of
from test_bad_input import refused

EXAMPLE = REPO / "scenarios" / "example.yaml"
HINT = "; keep the distribution inside the values allowed there"


def drawn(path: str, dist: dict, **fields) -> list[str]:
    data = scenario_data([project("a", phases=[0.5, 0.5], **fields)], uncertainty={"parameters": {path: dist}})
    with pytest.raises(ScenarioError) as info:
        sim.scenario_from_data(data)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("path, dist, message", [
    ("projects.a.utilization", {"dist": "normal", "mean": 0.5, "sd": 0.1},
     "can draw down to -inf (normal without low), but then projects.a.utilization: must be at least 0"),
    ("projects.a.utilization", {"dist": "uniform", "low": 0.5, "high": 1.2},
     "can draw 1.2 (its high), but then projects.a.utilization: must be at most 1"),
    ("projects.a.it_mw", {"dist": "normal", "mean": 10, "sd": 2, "high": 20},
     "can draw down to -inf (normal without low), but then projects.a.it_mw: must be greater than 0"),
    ("projects.a.it_mw", {"dist": "triangular", "low": -1, "mode": 5, "high": 10},
     "can draw -1 (its low), but then projects.a.it_mw: must be greater than 0"),
    ("projects.a.compute.pflops", {"dist": "fixed", "value": 0},
     "can draw 0 (its value), but then projects.a.compute.pflops: must be greater than 0"),
    ("cooling.seasonal.pue_curve.0.1", {"dist": "uniform", "low": 0.9, "high": 1.2},
     "can draw 0.9 (its low), but then cooling.seasonal.pue_curve[0][1]: PUE must be at least 1"),
    ("cooling.seasonal.pue_curve.0.0", {"dist": "uniform", "low": 0, "high": 30},
     "can draw 30 (its high), but then cooling.seasonal.pue_curve[1][0]: temperatures must increase"),
    ("projects.a.phases.0", {"dist": "uniform", "low": 0.4, "high": 0.6},
     "can draw 0.4 (its low), but then projects[a].phases: must sum to 1"),
    ("accounting.factors.FP32", {"dist": "normal", "mean": 1, "sd": 0.1, "low": 0},
     "can draw 0 (its low), but then accounting.factors.FP32: must be greater than 0"),
])
def test_distribution_that_can_leave_its_value_range_is_refused(path, dist, message):
    assert drawn(path, dist) == [f"<data>: uncertainty.parameters.{path}: {message}{HINT}"]


@pytest.mark.parametrize("path, dist", [
    ("projects.a.utilization", {"dist": "normal", "mean": 0.5, "sd": 0.1, "low": 0.2, "high": 1}),
    ("projects.a.it_mw", {"dist": "lognormal", "median": 10, "sigma": 0.5}),
    ("sites.s.monthly_temp_c.0", {"dist": "normal", "mean": 0, "sd": 5}),
    ("projects.a.utilization", {"dist": "normal", "mean": 0.5, "sd": 0, "low": 0, "high": 1}),
])
def test_distribution_inside_its_value_range_is_accepted(path, dist):
    data = scenario_data([project("a")], uncertainty={"parameters": {path: dist}})
    sim.scenario_from_data(data)


def test_truncation_that_leaves_almost_nothing_to_draw_is_refused():
    # N(10, 1) inside [20, 30]: Phi(20) - Phi(10) ~ 7.6e-24 of the mass, "could not draw" at run time before
    assert drawn("projects.a.it_mw", {"dist": "normal", "mean": 10, "sd": 1, "low": 20, "high": 30}) == [
        "<data>: uncertainty.parameters.projects.a.it_mw: only 0.00% of this normal distribution lies inside its "
        "bounds [20, 30]; at least 1% must (values are redrawn until they fall inside): move the bounds or the "
        "distribution"]
    data = scenario_data([project("a", status="planned", online="2025-06")], uncertainty={
        "delay_months": {"planned": {"dist": "lognormal", "median": 1, "sigma": 0.1, "low": 50}}})
    with pytest.raises(ScenarioError, match=r"uncertainty.delay_months.planned: only 0.00% of this lognormal"):
        sim.scenario_from_data(data)


def test_mass_inside_hand_computed():
    from sim.scenario.schema import Lognormal, Normal
    # N(0, 1) on [-1.959964, 1.959964]: 95%; lognormal median 1, sigma 1 above 1: half
    assert mass_inside(Normal(dist="normal", mean=0, sd=1, low=-1.959964, high=1.959964)) == pytest.approx(0.95, abs=1e-6)
    assert mass_inside(Lognormal(dist="lognormal", median=1, sigma=1, low=1)) == pytest.approx(0.5)
    assert mass_inside(Normal(dist="normal", mean=5, sd=0, low=0, high=1)) == 0.0


def test_drawn_values_stay_in_range_in_a_run():
    data = scenario_data([project("a")], uncertainty={"parameters": {
        "projects.a.utilization": {"dist": "normal", "mean": 0.9, "sd": 0.3, "low": 0.05, "high": 1}}})
    load = sim.simulate(sim.scenario_from_data(data), replications=200, seed=3).series["it_load_mw"][:, 0]
    assert load.min() >= 10 * 0.05 and load.max() <= 10 * 1.0


# --- an override of a drawn value ----------------------------------------------------------------


def test_override_of_a_drawn_value_replaces_the_draw_and_the_manifest_says_so(tmp_path):
    out = tmp_path / "o"
    done = run_cli("run", str(EXAMPLE), "-r", "20", "--seed", "1", "--set", "projects.north-ai-1.utilization=0.3",
                   "--out", str(out), "--no-plots", "-q")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["applied"]["overrides"] == {"projects.north-ai-1.utilization": 0.3}
    assert manifest["applied"]["undrawn"] == ["projects.north-ai-1.utilization"]
    resolved = manifest["resolved_scenario"]
    assert "projects.north-ai-1.utilization" not in resolved["uncertainty"]["parameters"]
    assert "supply.ai_pflops_per_month" in resolved["uncertainty"]["parameters"]
    assert [p["utilization"] for p in resolved["projects"] if p["id"] == "north-ai-1"] == [0.3]


def test_override_fixes_the_value_in_every_replication():
    base = sim.load_scenario(EXAMPLE)
    fixed = sim.apply_variant(base, None, ["projects.north-ai-1.utilization=0.3"])
    it_mw = fixed.project("north-ai-1").it_mw
    results = sim.simulate(fixed, replications=30, seed=2)
    j = results.plan.project_ids.index("north-ai-1")
    assert j >= 0
    drawn_before = sim.simulate(base, replications=30, seed=2)
    # the project's load share differs between replications before and is the same after
    assert "projects.north-ai-1.utilization" not in fixed.uncertainty.parameters
    assert fixed.project("north-ai-1").utilization == 0.3 and it_mw == base.project("north-ai-1").it_mw
    assert not np.array_equal(drawn_before.series["it_load_mw"], results.series["it_load_mw"])


def test_override_of_a_whole_block_stops_the_draws_below_it_and_a_later_draw_keeps_it():
    base = sim.load_scenario(EXAMPLE)
    no_supply = sim.apply_variant(base, None, ["supply=null"])
    assert origin_of(no_supply).applied["undrawn"] == ["supply.ai_pflops_per_month"]
    redrawn = sim.apply_variant(base, None, ["supply.ai_pflops_per_month=100",
                                             "uncertainty.parameters.supply.ai_pflops_per_month={dist: fixed, value: 90}"])
    assert origin_of(redrawn).applied["undrawn"] == []
    assert redrawn.uncertainty.parameters["supply.ai_pflops_per_month"].value == 90


def test_variant_of_a_drawn_value_replaces_the_draw():
    data = scenario_data([project("a")], uncertainty={"parameters": {
        "projects.a.utilization": {"dist": "uniform", "low": 0.2, "high": 0.8}}},
        variants={"full": {"set": {"projects.a.utilization": 1.0}}})
    full = sim.apply_variant(sim.scenario_from_data(data), "full")
    assert origin_of(full).applied["undrawn"] == ["projects.a.utilization"]
    load = sim.simulate(full, replications=5, seed=1).series["it_load_mw"][:, 0]
    assert load.tolist() == [10.0] * 5


# --- errors an override causes name it -----------------------------------------------------------


def test_error_caused_by_set_names_the_set_not_a_line_of_the_file(tmp_path):
    line = refused(tmp_path, "run", str(EXAMPLE), "--set", "grid.headroom_mw=5", "--set", "horizon.end=2030-06",
                   "-r", "2", "--out", str(tmp_path / "o"))
    assert line == ("--set horizon.end=2030-06: targets[plan 2030].by: must be inside the horizon "
                    "2025-01..2030-06 (got 2030-12)")


def test_error_caused_by_a_variant_points_at_the_variant(write_yaml):
    text = EXAMPLE.read_text().replace("variants:\n", "variants:\n  short:\n    set: {horizon.end: 2026-06}\n", 1)
    path = write_yaml(text)
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    lines = [str(p).replace(str(path), "F") for p in info.value.problems]
    row = text.splitlines().index("    set: {horizon.end: 2026-06}") + 1
    assert all(line.startswith(f"F:{row}:24: targets[plan 20") for line in lines), lines
    assert all("variant 'short': must be inside the horizon 2025-01..2026-06" in line for line in lines)
