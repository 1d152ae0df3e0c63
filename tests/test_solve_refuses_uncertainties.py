"""capsim solve pulls levers, never uncertainties: a path under ``uncertainty.`` is refused (one
line, exit 2) unless the scenario's explore.levers declares it a lever (sim/explore/pullable.py)."""

from __future__ import annotations

import pytest
from safety import capsim, one_line

import sim
from sim.explore.pullable import is_uncertainty

SHANXI = "scenarios/shanxi.yaml"
WORDS = ("uncertainty.go_probability.planned is an uncertainty, not a lever a region can pull; use capsim explore "
         "to see how much it matters")


@pytest.mark.parametrize("levers", [
    ("--lever", "uncertainty.go_probability.planned:0.5:1", "--lever", "grid.headroom_mw:0:500:1e6"),
    ("--lever", "uncertainty.go_probability.planned", "--low", "0.5", "--high", "1"),
], ids=["package", "one-lever"])
def test_an_uncertainty_is_refused_as_a_lever(tmp_path, levers):
    out = tmp_path / "solve"
    run = capsim("solve", SHANXI, "--target", "plan 2025 (S15)", *levers, "-r", "5", "--out", out)
    assert run.returncode == 2, run.stderr
    line = one_line(run)
    assert line.startswith("capsim: error: --lever uncertainty.go_probability.planned"), line
    assert WORDS in line
    assert not out.exists() and "best reached" not in run.stdout


def test_declared_levers_and_the_regions_values_stay_levers():
    scenario = sim.load_scenario(SHANXI)
    assert is_uncertainty(scenario, "uncertainty.go_probability.planned")
    assert is_uncertainty(scenario, "uncertainty.delay_months.planned.high")
    # explore.levers declares these two: levers, as explore counts them
    assert not is_uncertainty(scenario, "uncertainty.go_probability.registered")
    assert not is_uncertainty(scenario, "uncertainty.delay_months.registered.high")
    assert not is_uncertainty(scenario, "grid.headroom_mw")
    assert not is_uncertainty(scenario, "policies.capex_subsidy.rate")
