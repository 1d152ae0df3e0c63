"""The Shanxi scenario against the figures it was built from (docs/shanxi.md).

- the 2025-08 snapshot: 514,000 standard racks (S1) and 32 EFLOPS of AI compute (S2), each within 2%;
- the provincial average PUE of 1.2 (S4), weighted by the 2025 fleet's IT energy;
- the energy of the first full year (2025) inside the range derived from State Grid Shanxi's 2024
  figures (4.0-4.4 TWh, growing 58% a year);
- every shipped scenario loads; every block of the Shanxi file says where its numbers come from;
- ``capsim run`` with no file runs it, through a real subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.months import month_index
from sim.scenario import shipped_scenario

ROOT = Path(__file__).resolve().parent.parent
SHANXI = ROOT / "scenarios" / "shanxi.yaml"

KW_PER_STANDARD_RACK = 2.5  # FACTS B: a standard rack is 2.5 kW of IT power
REPORTED_RACKS = 514_000  # S1, Aug 2025
REPORTED_AI_EFLOPS = 32.0  # S2, Aug 2025, FP16 (the scenario's "as reported" basis)
SNAPSHOT_TOLERANCE = 0.02
REPORTED_PUE = 1.2  # S4
PUE_TOLERANCE = 0.01
# docs/shanxi.md, "Calibration": 2024 energy 4.0-4.4 TWh (State Grid Shanxi) x 1.58 (the 58% growth)
ENERGY_2025_TWH = (4.0 * 1.58, 4.4 * 1.58)  # 6.32 .. 6.952


@pytest.fixture(scope="module")
def scenario() -> sim.Scenario:
    return sim.load_scenario(SHANXI)


@pytest.fixture(scope="module")
def planned(scenario) -> sim.Results:
    """Deterministic run: every project on its planned month, every value at its central figure."""
    return sim.simulate(scenario.model_copy(update={"uncertainty": None}), replications=1, seed=0)


@pytest.fixture(scope="module")
def uncertain(scenario) -> sim.Results:
    """A small run of the default (uncertain) scenario."""
    return sim.simulate(scenario, replications=200, seed=20250823)


def at_month(results: sim.Results, metric: str, month: str) -> np.ndarray:
    return results.series[metric][:, month_index(month, results.scenario.horizon.start)]


def annual(results: sim.Results, metric: str, year: int) -> float:
    table = results.annual
    row = table[(table.metric == metric) & (table.year == year)]
    return float(row["mean"].iloc[0])


# --- files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.y*ml")), ids=lambda p: p.name)
def test_every_shipped_scenario_loads(path):
    assert sim.load_scenario(path).projects


def test_the_default_scenario_is_shanxi():
    assert shipped_scenario().resolve() == SHANXI.resolve()


def test_every_block_names_its_source(scenario):
    blocks = [scenario.accounting, *scenario.sites.values(), *scenario.cooling.values(), *scenario.projects,
              scenario.grid, scenario.supply, scenario.uncertainty, scenario.uncertainty.delay_months,
              scenario.uncertainty.go_probability, *scenario.uncertainty.parameters.values(), *scenario.targets]
    for status in ("construction", "registered", "planned"):
        if getattr(scenario.uncertainty.delay_months, status) is not None:
            blocks.append(getattr(scenario.uncertainty.delay_months, status))
    missing = [block for block in blocks if block is not None and not (block.source or "").strip()]
    assert missing == []


def test_registered_projects_share_the_reported_investment(scenario):
    """S9: 16 registered projects, 13.846 bn CNY; Taiyuan phase 1 (S10) and 15 sized by its ratio."""
    batch = [p for p in scenario.projects if p.status == "registered" or p.id == "taiyuan-ai-phase1"]
    assert len(batch) == 16
    assert sum(p.investment_cny for p in batch) == pytest.approx(13.846e9, rel=1e-4)
    taiyuan = scenario.project("taiyuan-ai-phase1")
    for p in batch:
        assert p.compute.pflops / p.investment_cny == pytest.approx(6000 / 3.2e9, rel=1e-3)
        assert p.it_mw / p.investment_cny == pytest.approx(taiyuan.it_mw / 3.2e9, rel=1e-3)
    assert sum(p.id.startswith("reg-unnamed-") for p in batch) == 11


# --- the 2025-08 snapshot (S1, S2) ----------------------------------------------------------


def test_snapshot_racks_as_planned(planned):
    racks = at_month(planned, "it_mw", "2025-08") / (KW_PER_STANDARD_RACK / 1000)
    assert racks[0] == pytest.approx(REPORTED_RACKS, rel=SNAPSHOT_TOLERANCE)


def test_snapshot_ai_eflops_as_planned(planned):
    assert planned.scenario.accounting.factors.FP16 == 1  # "as reported": FP16 added as quoted
    ai = at_month(planned, "intelligent_eflops", "2025-08")
    assert ai[0] == pytest.approx(REPORTED_AI_EFLOPS, rel=SNAPSHOT_TOLERANCE)


def test_snapshot_holds_in_every_replication(uncertain):
    """Delays only postpone; nothing but the operating fleet is due before 2025-12."""
    racks = at_month(uncertain, "it_mw", "2025-08") / (KW_PER_STANDARD_RACK / 1000)
    ai = at_month(uncertain, "intelligent_eflops", "2025-08")
    assert np.all(np.abs(racks / REPORTED_RACKS - 1) <= SNAPSHOT_TOLERANCE)
    assert np.all(np.abs(ai / REPORTED_AI_EFLOPS - 1) <= SNAPSHOT_TOLERANCE)


# --- PUE (S4) -------------------------------------------------------------------------------


def test_fleet_pue_is_the_reported_average(planned):
    """Fleet-weighted PUE = facility energy / IT energy over calendar 2025, planned dates."""
    assert annual(planned, "pue", 2025) == pytest.approx(REPORTED_PUE, abs=PUE_TOLERANCE)


def test_pue_is_lowest_in_winter_and_highest_in_july(planned):
    pue = planned.series["pue"][0, :12]
    assert pue.argmax() == 6  # July, the hottest month at every site
    assert pue[[0, 1, 11]].max() < pue[5:8].min()


# --- energy calibration (State Grid Shanxi) -------------------------------------------------


def test_first_full_year_energy_as_planned(planned):
    low, high = ENERGY_2025_TWH
    assert low <= annual(planned, "energy_mwh", 2025) / 1e6 <= high


def test_first_full_year_energy_median(uncertain):
    low, high = ENERGY_2025_TWH
    table = uncertain.annual
    row = table[(table.metric == "energy_mwh") & (table.year == 2025)].iloc[0]
    assert low <= row["p50"] / 1e6 <= high


# --- the CLI --------------------------------------------------------------------------------


def test_capsim_run_without_a_file_runs_shanxi(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", "--replications", "3", "--seed", "1", "--out", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Shanxi province: 3 replications, seed 1")
    assert "plan 2025 (S15)" in done.stdout
    assert (out / "monthly.csv").is_file()


def test_capsim_validate_shanxi():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(SHANXI)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "ok (Shanxi province: 25 projects, 2025-01 to 2030-12)" in done.stdout
