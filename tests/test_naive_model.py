"""The naive monthly-tick SimPy model of benchmarks/naive.py computes what capsim computes.

On the shipped scenarios with their grid, supply, policies, variants, levers and utilisation ramps
taken out (the naive model has none of them), both give the same monthly EFLOPS by class, total
EFLOPS and facility MW in every replication, to 1e-9 relative, with the same seed: they use the same keyed draws. This
is what makes the benchmark's comparison of the two fair (issue 12).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.scenario.yamlio import read_yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from naive import simulate_naive  # noqa: E402

RELATIVE = 1e-9
LIMITS_AND_POLICIES = ("grid", "supply", "policies", "variants", "explore")


def without_limits(name: str) -> dict:
    """The shipped scenario ``name`` as data, without grid, supply, policies, variants and ramps."""
    data, _ = read_yaml(ROOT / "scenarios" / name)
    for key in LIMITS_AND_POLICIES:
        data.pop(key, None)
    for project in data["projects"]:
        project.pop("ramp", None)  # the naive model runs at full utilisation from the online month
    parameters = data.get("uncertainty", {}).get("parameters", {})
    for path in [p for p in parameters if p.split(".")[0] in ("grid", "supply")]:
        del parameters[path]
    return data


def assert_same(naive: np.ndarray, capsim: np.ndarray) -> None:
    np.testing.assert_allclose(naive, capsim, rtol=RELATIVE, atol=0.0)


@pytest.mark.parametrize("name", ["shanxi.yaml", "example.yaml"])
def test_same_monthly_eflops_and_facility_power_per_replication(name):
    scenario = sim.scenario_from_data(without_limits(name))
    capsim = sim.simulate(scenario, replications=60, seed=7)
    naive = simulate_naive(scenario, replications=60, seed=7)
    for cls in ("general", "intelligent", "supercomputing"):
        assert_same(naive.eflops[cls], capsim.series[f"{cls}_eflops"])
    assert_same(naive.total_eflops, capsim.series["total_eflops"])
    assert_same(naive.facility_mw, capsim.series["facility_mw"])


def test_draws_matter_so_the_comparison_is_not_vacuous():
    """Replications differ (delays, go, utilisations), and the naive model follows each one."""
    scenario = sim.scenario_from_data(without_limits("shanxi.yaml"))
    naive = simulate_naive(scenario, replications=20, seed=3)
    assert np.ptp(naive.total_eflops[:, -1]) > 1.0  # some registered projects go, some do not
    assert np.ptp(naive.facility_mw[:, 0]) > 1.0  # drawn utilisations of the operating fleet
    other_seed = simulate_naive(scenario, replications=20, seed=4)
    assert not np.array_equal(naive.facility_mw, other_seed.facility_mw)


def test_retirement_and_phases_by_hand():
    """An operating 10 MW general project retiring at month 2 and an AI project due at t = 1.5 in
    two halves 1 month apart, flat PUE 1.5: the recorder's numbers written out."""
    data = {
        "name": "hand", "horizon": {"start": "2025-01", "end": "2025-04"},
        "sites": {"s": {"monthly_temp_c": [10.0] * 12}},
        "cooling": {"flat": {"pue_curve": [[0, 1.5]]}},
        "projects": [
            {"id": "old", "class": "general", "site": "s", "cooling": "flat",
             "compute": {"pflops": 1000, "precision": "FP32"}, "it_mw": 10, "utilization": 0.5,
             "status": "operating", "retire": "2025-03"},
            {"id": "ai", "class": "intelligent", "site": "s", "cooling": "flat",
             "compute": {"pflops": 2000, "precision": "FP16"}, "it_mw": 20, "utilization": 0.5,
             "status": "construction", "online": "2025-02", "phases": [0.5, 0.5], "phase_gap_months": 1},
        ],
        "uncertainty": {"delay_months": {"construction": {"dist": "fixed", "value": 0.5}}},
    }
    scenario = sim.scenario_from_data(data)
    naive = simulate_naive(scenario, replications=1, seed=0)
    # general: 1 EFLOPS until the end of month 1 (retired at t = 2)
    assert naive.eflops["general"][0].tolist() == [1.0, 1.0, 0.0, 0.0]
    # AI halves of 1 EFLOPS due at t = 1.5 and t = 2.5
    assert naive.eflops["intelligent"][0].tolist() == [0.0, 1.0, 2.0, 2.0]
    # facility MW: old 5 MW x 1.5 in months 0-1; AI halves 5 MW x 1.5 each, for half of their first month
    np.testing.assert_allclose(naive.facility_mw[0], [7.5, 7.5 + 3.75, 7.5 + 3.75, 15.0], rtol=1e-12)
    capsim = sim.simulate(scenario, replications=1, seed=0)
    assert_same(naive.facility_mw, capsim.series["facility_mw"])
    assert_same(naive.total_eflops, capsim.series["total_eflops"])
