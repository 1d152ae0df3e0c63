"""capsim explore: inputs and units, the design's marginals, common random numbers, indices that
are known by hand, PRIM boxes, and the printed summary.

The hand-computed case: two operating projects at a flat PUE of 1.5, A with IT power x1 (a lever,
uniform 10-30 MW) at utilisation 0.5, B of 10 MW at utilisation x2 (drawn, uniform 0.2-0.8). The
facility energy of the year is 1.5 x 8,760 h x (0.5 x1 + 10 x2) MWh: linear in two independent
uniform inputs, so S1 = ST = a_i^2 var_i / sum_j a_j^2 var_j with a = (0.5, 10) and var =
(20^2 / 12, 0.6^2 / 12) = (33.33, 0.03): 8.333 / 11.333 = 0.7353 for x1 and 3 / 11.333 = 0.2647
for x2. Morris' mu* is the change over the full range: 1.5 x 8,760 x 0.5 x 20 = 131,400 MWh for
x1 and 1.5 x 8,760 x 10 x 0.6 = 78,840 MWh for x2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from explore_scenarios import TARGET, grid_pair

import sim
from conftest import project, scenario_data
from sim.errors import ScenarioError
from sim.explore.design import explore_inputs, lever_unit, make_design, parse_vary, quantile
from sim.explore.discovery import prim_trajectory, prune
from sim.explore.study import explore
from sim.scenario.schema import Normal, Triangular
from sim.scenario.variants import with_fixed_values

HOURS = 8760.0
S1_X1, S1_X2 = 8.333333 / 11.333333, 3.0 / 11.333333
A = "projects.a.it_mw"
B = "projects.b.utilization"


def linear() -> sim.Scenario:
    data = scenario_data([project("a", it_mw=20), project("b", utilization=0.5)],
                         uncertainty={"parameters": {B: {"dist": "uniform", "low": 0.2, "high": 0.8}}},
                         explore={"levers": {A: {"low": 10, "high": 30}}})
    return sim.scenario_from_data(data)


def test_inputs_are_the_drawn_parameters_then_the_levers_with_units():
    inputs = explore_inputs(linear())
    assert [(i.path, i.kind, i.low, i.high, i.unit) for i in inputs] == [
        (B, "uncertainty", 0.2, 0.8, ""), (A, "lever", 10.0, 30.0, "MW")]
    varied = explore_inputs(linear(), [f"{A}=12:14", "projects.a.compute.pflops=500:900"])
    assert [(i.path, i.low, i.high, i.unit, i.where) for i in varied][1:] == [
        (A, 12.0, 14.0, "MW", f"--vary {A}=12:14"),
        ("projects.a.compute.pflops", 500.0, 900.0, "PFLOPS", "--vary projects.a.compute.pflops=500:900")]


def test_units_come_from_the_field_names_on_the_path():
    s = sim.load_scenario("scenarios/shanxi.yaml")
    assert lever_unit(s, "grid.headroom_mw") == ("MW", False)
    assert lever_unit(s, "supply.ai_pflops_per_month") == ("PFLOPS/month", False)
    assert lever_unit(s, "policies.compute_vouchers.price_cny_per_pflops_hour") == ("CNY/PFLOPS-hour", False)
    assert lever_unit(s, "uncertainty.delay_months.registered.high") == ("months", False)
    assert lever_unit(s, "policies.capex_subsidy.rate") == ("", False)


def test_marginals_hand_computed():
    # triangular(0, 4, 12): below the mode u = x^2 / (12 x 4); above, 1 - u = (12 - x)^2 / (12 x 8)
    tri = Triangular(dist="triangular", low=0, mode=4, high=12)
    assert quantile(tri, np.array([0.0, 1 / 3, 0.5, 1.0])) == pytest.approx([0, 4, 12 - 48 ** 0.5, 12])
    normal = Normal(dist="normal", mean=0, sd=1, low=-1, high=1)
    assert quantile(normal, np.array([0.0, 0.5, 1.0])) == pytest.approx([-1, 0, 1])
    # truncated to [-1, 1]: u = (Phi(x) - Phi(-1)) / (Phi(1) - Phi(-1)); x = 0.5 at u = 0.5328072 / 0.6826895
    assert quantile(normal, np.array([(0.6914625 - 0.1586553) / 0.6826895])) == pytest.approx([0.5], abs=1e-6)


def test_fixing_a_drawn_parameter_keeps_every_other_draw():
    data = grid_pair(100, uncertain=True)
    data["uncertainty"]["parameters"] = {"projects.a.utilization": {"dist": "uniform", "low": 0.2, "high": 0.8},
                                         "projects.b.utilization": {"dist": "uniform", "low": 0.2, "high": 0.8}}
    base = sim.scenario_from_data(data)
    fixed = with_fixed_values(base, {"projects.a.utilization": 0.3}, "test")
    assert list(fixed.uncertainty.parameters) == ["projects.b.utilization"]
    assert fixed.project("a").utilization == 0.3
    other = with_fixed_values(base, {"projects.a.utilization": 0.6}, "test")
    r0, r1, r2 = (sim.simulate(s, 50, seed=4) for s in (base, fixed, other))
    assert np.array_equal(r0.project_first_on, r1.project_first_on)  # the same delays
    assert np.array_equal(r1.project_first_on, r2.project_first_on)
    # b's drawn utilisation is the same in both fixed runs: facility power differs by a's alone,
    # 10 MW x 1.5 x (0.6 - 0.3) = 4.5 MW in every replication (all online by the last month)
    diff = r2.series["facility_mw"][:, -1] - r1.series["facility_mw"][:, -1]
    assert diff == pytest.approx(np.full(50, 4.5))
    assert not np.allclose(r0.series["facility_mw"][:, -1] - r1.series["facility_mw"][:, -1], 0)


def sobol_run(samples: int = 256) -> pd.DataFrame:
    return explore(linear(), method="sobol", samples=samples, replications=1, seed=2).sensitivity


@pytest.mark.slow
def test_sobol_indices_of_a_linear_output_match_the_hand_computed_ones():
    table = sobol_run(512)
    for output, year in (("energy_mwh", None), ("energy_mwh", 2025)):
        rows = table[(table.output == output) & (table.year.isna() if year is None else table.year == year)]
        got = rows.set_index(["parameter", "index"])
        for parameter, truth in ((A, S1_X1), (B, S1_X2)):
            for index in ("S1", "ST"):
                row = got.loc[(parameter, index)]
                assert row.ci_low <= truth <= row.ci_high, (parameter, index, row.value)
                assert row.value == pytest.approx(truth, abs=0.05)


def test_sobol_indices_small_n_are_close_and_flagged_when_unstable():
    table = sobol_run(64)
    rows = table[(table.output == "energy_mwh") & table.year.isna()].set_index(["parameter", "index"])
    assert rows.loc[(A, "ST")].value == pytest.approx(S1_X1, abs=0.15)
    assert rows.loc[(B, "ST")].value == pytest.approx(S1_X2, abs=0.15)
    half = (rows.ci_high - rows.ci_low) / 2
    assert (rows.stable == (half <= 0.1) & ~(rows.index.get_level_values(1).isin(["S1"]) & (rows.value < -0.05))).all()


def test_morris_mu_star_is_the_change_over_the_full_range():
    exploration = explore(linear(), method="morris", samples=10, replications=1, seed=1)
    rows = exploration.sensitivity
    rows = rows[(rows.output == "energy_mwh") & rows.year.isna()].set_index(["parameter", "index"])
    assert rows.loc[(A, "mu_star")].value == pytest.approx(1.5 * HOURS * 0.5 * 20)
    assert rows.loc[(B, "mu_star")].value == pytest.approx(1.5 * HOURS * 10 * 0.6)
    assert rows.loc[(A, "sigma")].value == pytest.approx(0, abs=1e-6)  # linear: every effect the same
    assert len(exploration.samples) == 10 * (2 + 1)


def test_lhs_ranks_by_rank_correlation():
    exploration = explore(linear(), method="lhs", samples=64, replications=1, seed=1)
    rows = exploration.sensitivity
    rows = rows[(rows.output == "energy_mwh") & rows.year.isna()].set_index("parameter")
    assert rows.loc[A].value > rows.loc[B].value > 0
    assert list(exploration.ranking().parameter) == [A, B]


def test_prim_peels_to_the_box_where_the_target_is_missed_and_prunes_what_does_not_matter():
    # g = 0, 1, ..., 100 and a binary z; missed where g < 30 (30 of 101 samples)
    x = pd.DataFrame({"g": np.linspace(0, 100, 101), "z": np.tile([0.0, 1.0], 51)[:101]})
    y = (x.g < 30).to_numpy()
    trajectory, limits = prim_trajectory(x, y)
    assert trajectory.iloc[0].tolist() == [1.0, 30 / 101, 1.0, 0]
    last = trajectory.iloc[-1]
    # the last peel cuts 29 and 30 off g <= 30 (the 95% quantile of 31 samples, ties together)
    assert (last.density, last.coverage, last.res_dim) == (1.0, 29 / 30, 1) and limits[-1].g.tolist() == [0, 28]
    assert trajectory.mass.is_monotonic_decreasing and trajectory.density.is_monotonic_increasing
    box = limits[-1].copy()
    box.loc[0, "z"] = 1.0  # a restriction that does not matter: only z = 1 (half the misses)
    pruned, stats = prune(x, y, box, limits[0])
    assert pruned.z.tolist() == [0, 1] and pruned.g.tolist() == [0, 28]
    assert stats == {"coverage": 29 / 30, "density": 1.0, "mass": 29 / 101, "res_dim": 1}


def test_exploration_of_the_grid_pair_finds_the_headroom():
    data = grid_pair(uncertain=True, explore={"levers": {"grid.headroom_mw": {"low": 0, "high": 60}}})
    exploration = explore(sim.scenario_from_data(data), method="lhs", samples=40, replications=10, seed=0)
    met = exploration.samples[f"p_met[{TARGET}]"]
    assert ((exploration.samples["grid.headroom_mw"] >= 30) == (met == 1)).all()
    box = exploration.discovery[exploration.discovery.chosen]
    assert list(box.parameter) == ["grid.headroom_mw"] and np.isnan(box.low.iloc[0]) and box.high.iloc[0] < 30
    text = exploration.summary_text()
    assert "lhs, N = 40, 1 inputs -> 40 samples x 10 replications" in text
    assert f"target '{TARGET}' missed in" in text and "the misses gather where grid headroom <= " in text


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "fast"}, "--method: unknown method 'fast'; choose one of sobol, morris, lhs"),
    ({"samples": 100}, "--samples: Sobol needs N a power of two (got 100; use 64 or 128)"),
    ({"samples": 1, "method": "lhs"}, "--samples: must be at least 2 (got 1)"),
    ({"vary": ["grid.nope=1:2"]}, "--vary grid.nope=1:2: path 'grid.nope' does not exist"),
    ({"vary": [f"{A}=5:5"]}, f"--vary {A}=5:5: low must be below high (got low 5, high 5)"),
    ({"vary": [f"{A}=5"]}, f"--vary {A}=5: must be written PATH=LOW:HIGH"),
    ({"vary": [f"{A}=a:b"]}, f"--vary {A}=a:b: LOW and HIGH must be numbers (got 'a' and 'b')"),
    ({"vary": [f"{A}=-5:5"]}, f"--vary {A}=-5:5: low -5 makes the scenario invalid: must be greater than 0 (got -5)"),
    ({"probability": 1.5}, "--probability: must be between 0 and 1, exclusive (got 1.5)"),
])
def test_bad_arguments_are_refused_before_any_run(kwargs, message):
    with pytest.raises(ScenarioError) as err:
        explore(linear(), replications=1, **kwargs)
    assert len(err.value.problems) == 1 and message in str(err.value)


def test_parse_vary():
    assert parse_vary(" grid.headroom_mw = 500:2e3") == ("grid.headroom_mw", 500.0, 2000.0)


def test_design_is_reproducible_and_sobol_has_n_times_k_plus_2_rows():
    inputs = explore_inputs(linear())
    a, b = make_design(inputs, "sobol", 16, seed=3), make_design(inputs, "sobol", 16, seed=3)
    assert a.values.shape == (16 * 4, 2) and np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, make_design(inputs, "sobol", 16, seed=4).values)
    assert a.values[:, 1].min() >= 10 and a.values[:, 1].max() <= 30


def test_evaluator_without_jobs_uses_every_core():
    """jobs=None is the CLI's default (no --jobs): capsim explore used to stop on int(None)."""
    from sim.explore.evaluate import Evaluator
    from sim.run.parallel import cores

    assert Evaluator(10, 0, jobs=None).jobs == cores()
    assert Evaluator(10, 0, jobs=1).jobs == 1
