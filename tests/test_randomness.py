"""Randomness: keyed streams, reproducibility, independence from blocks and from other projects."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import sim
from sim.run.simulate import run_block

from conftest import project, run, scenario_data

simulate_module = importlib.import_module("sim.run.simulate")

UNCERTAIN = {
    "delay_months": {
        "construction": {"dist": "triangular", "low": 0, "mode": 2, "high": 9},
        "registered": {"dist": "uniform", "low": 0, "high": 12},
        "planned": {"dist": "lognormal", "median": 6, "sigma": 0.5},
    },
    "go_probability": {"registered": 0.8, "planned": 0.5},
    "parameters": {"projects.b.it_mw": {"dist": "normal", "mean": 10, "sd": 2, "low": 5, "high": 15}},
}


def uncertain_data(extra_projects=()):
    return scenario_data(
        [
            project("a", status="construction", online="2025-03"),
            project("b", status="registered", online="2025-05"),
            project("c", status="planned", online="2025-02", **{"class": "intelligent"}),
            *extra_projects,
        ],
        end="2026-12",
        uncertainty=UNCERTAIN,
    )


def test_same_seed_same_arrays_different_seed_different():
    a = run(uncertain_data(), replications=50, seed=3)
    b = run(uncertain_data(), replications=50, seed=3)
    c = run(uncertain_data(), replications=50, seed=4)
    for name in a.series:
        np.testing.assert_array_equal(a.series[name], b.series[name])
    assert not np.array_equal(a.project_first_on, c.project_first_on)


def test_adding_a_project_leaves_other_projects_draws_unchanged():
    base = run(uncertain_data(), replications=40, seed=11)
    more = run(uncertain_data([project("z", status="planned", online="2025-08")]), replications=40, seed=11)
    np.testing.assert_array_equal(base.project_first_on, more.project_first_on[:, :3])
    np.testing.assert_array_equal(base.project_go, more.project_go[:, :3])


def with_override(**fields):
    """uncertain_data() with project b's own ``fields`` (its status, registered, has go 0.8, U(0, 12))."""
    data = uncertain_data()
    data["projects"][1].update(fields)
    return data


def test_a_projects_own_go_probability_replaces_its_statuss():
    base = run(uncertain_data(), replications=60, seed=11)
    assert 0 < base.project_go[:, 1].mean() < 1  # registered: 0.8
    certain = run(with_override(go_probability=1.0), replications=60, seed=11)
    never = run(with_override(go_probability=0.0), replications=60, seed=11)
    assert certain.project_go[:, 1].all() and not never.project_go[:, 1].any()
    assert np.isinf(never.project_first_on[:, 1]).all()
    for other in (certain, never):  # a and c keep their draws (their own keyed streams)
        np.testing.assert_array_equal(base.project_go[:, [0, 2]], other.project_go[:, [0, 2]])
        np.testing.assert_array_equal(base.project_first_on[:, [0, 2]], other.project_first_on[:, [0, 2]])


def test_a_projects_own_delay_replaces_its_statuss():
    base = run(uncertain_data(), replications=60, seed=11)
    fixed = run(with_override(delay_months={"dist": "fixed", "value": 4}), replications=60, seed=11)
    went = fixed.project_go[:, 1]
    np.testing.assert_array_equal(fixed.project_first_on[went, 1], 4.0 + 4.0)  # 2025-05 + 4 = month 8
    np.testing.assert_array_equal(went, base.project_go[:, 1])  # same go draws
    np.testing.assert_array_equal(base.project_first_on[:, [0, 2]], fixed.project_first_on[:, [0, 2]])
    # without an uncertainty block the project's own values still apply: default 1,000 replications
    data = scenario_data([project("p", status="planned", online="2025-02", go_probability=0.0)])
    assert sim.run.simulate.default_replications(sim.scenario_from_data(data)) == 1000
    assert not run(data, replications=5).project_go.any()


def test_a_projects_own_uncertainty_is_validated_like_the_defaults():
    bad = uncertain_data()
    bad["projects"][1]["delay_months"] = {"dist": "uniform", "low": 5, "high": 1}
    bad["projects"][0]["go_probability"] = 1.5
    with pytest.raises(sim.ScenarioError) as error:
        sim.scenario_from_data(bad)
    # one pass: the schema's problem in project a and the cross-field one of project b together
    assert [str(p) for p in error.value.problems] == [
        "<data>: projects[a].go_probability: must be at most 1 (got 1.5)",
        "<data>: projects[b].delay_months.low: low must not exceed high (got low 5, high 1)"]
    operating = scenario_data([project("p", go_probability=0.5)])
    with pytest.raises(sim.ScenarioError, match=r"projects\[p\]\.go_probability: an operating project"):
        sim.scenario_from_data(operating)


def test_results_do_not_depend_on_block_size(monkeypatch):
    reference = run(uncertain_data(), replications=23, seed=5)
    monkeypatch.setattr(simulate_module, "BLOCK_SIZE", 4)
    regrouped = run(uncertain_data(), replications=23, seed=5)
    for name in reference.series:
        np.testing.assert_array_equal(reference.series[name], regrouped.series[name])
    np.testing.assert_array_equal(reference.project_first_on, regrouped.project_first_on)


def test_a_replication_is_the_same_alone_or_in_a_block():
    scenario = sim.scenario_from_data(uncertain_data())
    block = run_block(scenario, seed=9, first=0, count=12)
    alone = run_block(scenario, seed=9, first=7, count=1)
    for name in block.series:
        np.testing.assert_array_equal(block.series[name][7], alone.series[name][0])


def test_first_replications_do_not_depend_on_how_many_are_run():
    short = run(uncertain_data(), replications=10, seed=2)
    long = run(uncertain_data(), replications=30, seed=2)
    np.testing.assert_array_equal(short.series["total_eflops"], long.series["total_eflops"][:10])


def test_parameters_are_drawn_per_replication_within_bounds():
    r = run(uncertain_data(), replications=200, seed=1)
    # b's IT MW ~ normal(10, 2) truncated to [5, 15]; b alone at month 23 when it went ahead
    it_mw = r.series["it_mw"][:, -1]
    went = r.project_go[:, 1]
    b_alone = it_mw[went & ~r.project_go[:, 2]] - 10  # minus a's 10 MW
    assert b_alone.min() >= 5 and b_alone.max() <= 15
    assert len(np.unique(b_alone)) > 10


@pytest.mark.slow
def test_share_online_by_month_matches_uniform_delay_within_binomial_bound():
    """One registered project planned for 2025-01 with delay ~ U(0, 12): online at the end of month
    m (t < m + 1) with probability min((m + 1) / 12, 1)."""
    data = scenario_data(
        [project("p", status="registered", online="2025-01")],
        end="2026-06",
        uncertainty={"delay_months": {"registered": {"dist": "uniform", "low": 0, "high": 12}}},
    )
    n = 4000
    r = run(data, replications=n, seed=20261127)
    observed = (r.series["projects_online"] > 0).mean(axis=0)
    for m, share in enumerate(observed):
        p = min((m + 1) / 12, 1.0)
        bound = 4.5 * np.sqrt(p * (1 - p) / n)  # two-sided ~1e-5 per month
        assert abs(share - p) <= bound, (m, share, p)
