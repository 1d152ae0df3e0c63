"""The Shanxi scenario against the figures it was built from (docs/shanxi.md).

- the 2025-08 snapshot: 514,000 standard racks (S1) and 32 EFLOPS of AI compute (S2), each within 2%;
- the provincial average PUE of 1.2 (S4), weighted by the 2025 fleet's IT energy;
- the energy of the first full year (2025) inside the range derived from State Grid Shanxi's 2024
  figures (4.0-4.4 TWh, growing 58% a year);
- every shipped scenario loads; every block of the Shanxi file says where its numbers come from;
- ``capsim run`` with no file runs it, through a real subprocess;
- the policies (S13 subsidy eligibility, S14 vouchers) and every variant: each applies, changes
  what its description claims, and the FP32-equivalent views rescale FP16 capacity by exactly
  their factor while the physics (energy) stays the same.
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
from sim.engine.policies import apply_pue_cap, subsidy_eligible
from sim.scenario.load import shipped_scenario

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
              scenario.uncertainty.go_probability, *scenario.uncertainty.parameters.values(), *scenario.targets,
              scenario.policies.capex_subsidy, scenario.policies.compute_vouchers, scenario.policies.emissions]
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
    assert "ok (Shanxi province: 25 projects, 2025-01 to 2030-12, 12 variants)" in done.stdout


# --- policies and variants ------------------------------------------------------------------

REGISTERED_15 = {"reg-zhongke-ruihua", "reg-fanshi-zero-carbon-p1", "reg-hunyuan", "reg-datong-etdz-integrated",
                 *(f"reg-unnamed-{k:02d}" for k in range(1, 12))}
VARIANTS = ("no-subsidy", "subsidy-no-response", "subsidy-strong-response", "vouchers-x4", "pue-cap-strict",
            "fast-track", "taiyuan-late", "supply-shock", "carbon-location-based", "fp32-equivalent",
            "fp32-eq-high", "fp32-eq-low")
FP16_FACTORS = {"fp32-equivalent": 0.25, "fp32-eq-high": 0.5, "fp32-eq-low": 0.0625}


def test_the_variants_are_the_documented_ones(scenario):
    assert tuple(scenario.variants) == VARIANTS


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_applies_and_changes_the_scenario(scenario, name):
    derived = sim.apply_variant(scenario, name)
    assert derived.model_dump(exclude={"variants"}) != scenario.model_dump(exclude={"variants"})


@pytest.mark.parametrize("name", [None, *FP16_FACTORS])
def test_subsidy_is_for_taiyuan_phase1_and_the_15_registered_projects(scenario, name):
    """S13: new projects (not operating) of at least 100 PFLOPS FP16. China Mobile Taiyuan (2,000
    PFLOPS) and the Datong AI fleet are large enough but operating; general compute is not AI. The
    threshold is at FP16, so the reporting basis does not change who qualifies."""
    view = scenario if name is None else sim.apply_variant(scenario, name)
    eligible = {p.id for p in view.projects if subsidy_eligible(view, p)}
    assert eligible == {"taiyuan-ai-phase1"} | REGISTERED_15


def planned_run(scenario, variant=None) -> sim.Results:
    view = scenario if variant is None else sim.apply_variant(scenario, variant)
    return sim.simulate(view.model_copy(update={"uncertainty": None}), replications=1, seed=0)


@pytest.mark.parametrize("name", FP16_FACTORS)
def test_fp32_equivalent_rescales_fp16_capacity_by_its_factor(scenario, planned, name):
    """At 2025-08 (operating fleet only) FP16 is 32,000 PFLOPS (30,000 Datong + 2,000 China
    Mobile), general 4,389.00 PFLOPS FP32 (1,680.55 + 1,140 + 950 + 276.64 + 244.15 + 97.66) and
    the supercomputer 20 PFLOPS FP64, counted x 2 in the FP32-equivalent views. At 2025-12
    (planned dates) Taiyuan phase 1 adds 6,000 PFLOPS FP16. Energy is not an accounting matter:
    the voucher price is quoted at FP16, so the same capacity is bought on either basis."""
    f = FP16_FACTORS[name]
    view = planned_run(scenario, name)
    assert at_month(planned, "intelligent_eflops", "2025-08")[0] == pytest.approx(32.0)
    assert at_month(view, "intelligent_eflops", "2025-08")[0] == pytest.approx(32.0 * f)
    assert at_month(view, "intelligent_eflops", "2025-12")[0] == pytest.approx(38.0 * f)
    assert at_month(planned, "total_eflops", "2025-08")[0] == pytest.approx(32.0 + 4.389 + 0.020)
    assert at_month(view, "total_eflops", "2025-08")[0] == pytest.approx(32.0 * f + 4.389 + 0.040)
    np.testing.assert_array_equal(view.series["energy_mwh"], planned.series["energy_mwh"])
    assert view.scenario.accounting.label.startswith("FP32-equivalent")


def test_strict_pue_cap_upgrades_the_registered_batch_and_leaves_taiyuan_phase1(scenario):
    """New builds are indirect evaporative, design annual PUE 1.190-1.205 at the Shanxi sites: all
    above 1.15, all below the national 1.25. The cap applies from 2026-01, after Taiyuan phase 1's
    planned 2025-12; immersion (1.085-1.088) meets it."""
    capped, outcomes = apply_pue_cap(sim.apply_variant(scenario, "pue-cap-strict"))
    by_id = dict(zip((p.id for p in capped.projects), outcomes))
    assert {i for i, o in by_id.items() if o == "upgraded"} == REGISTERED_15
    assert set(by_id.values()) == {"none", "upgraded"}
    upgraded = capped.project("reg-hunyuan")
    assert (upgraded.cooling, upgraded.online) == ("immersion_liquid", "2026-09")
    assert upgraded.investment_cny == pytest.approx(7.0973e8 * 1.1)
    assert apply_pue_cap(scenario.model_copy(update={"policies": scenario.policies.model_copy(update={
        "pue_cap": capped.policies.pue_cap.model_copy(update={"max_annual_pue": 1.25})})}))[1] == \
        ("none",) * len(scenario.projects)


@pytest.fixture(scope="module")
def comparison(scenario) -> sim.Comparison:
    return sim.compare(scenario, replications=30, seed=20250823)


def diff(comparison, variant: str, output: str, when: str | None = None) -> float:
    t = comparison.table
    rows = t[(t.variant == variant) & (t.output == output)]
    return float(rows[rows["when"] == (when or "")]["diff_mean"].iloc[0])


TARGET = "plan 2025 (S15)"
CLAIMS = {  # variant: [(output, when, sign of the mean paired difference)]
    "no-subsidy": [("subsidy_cny", None, -1), ("energy_mwh", "2026", -1)],
    "subsidy-no-response": [("subsidy_cny", None, -1), ("energy_mwh", "2027", -1)],
    "subsidy-strong-response": [("subsidy_cny", None, +1), ("total_eflops", TARGET, +1), ("energy_mwh", "2027", +1)],
    "vouchers-x4": [("voucher_cny", None, +1), ("energy_mwh", "2025", +1), ("peak_facility_mw", "2025", +1)],
    "pue-cap-strict": [("energy_mwh", "2028", -1), ("subsidy_cny", None, +1), ("energy_mwh", "2025", 0)],
    "fast-track": [("energy_mwh", "2026", +1), ("energy_mwh", "2025", 0)],
    "taiyuan-late": [("energy_mwh", "2026", -1), ("peak_facility_mw", "2026", -1), ("energy_mwh", "2029", 0)],
    "supply-shock": [("energy_mwh", "2026", -1), ("energy_mwh", "2027", -1), ("subsidy_cny", None, -1)],
    "carbon-location-based": [("carbon_t", None, +1), ("energy_mwh", "2027", 0)],
    "fp32-equivalent": [("total_eflops", TARGET, -1), ("target_probability", TARGET, 0), ("energy_mwh", "2027", 0)],
    "fp32-eq-high": [("total_eflops", TARGET, -1), ("target_probability", TARGET, 0), ("energy_mwh", "2027", 0)],
    "fp32-eq-low": [("target_probability", TARGET, -1), ("energy_mwh", "2027", 0), ("subsidy_cny", None, 0)],
}


@pytest.mark.parametrize("name", VARIANTS)
def test_each_variant_changes_what_it_claims(comparison, name):
    for output, when, sign in CLAIMS[name]:
        value = diff(comparison, name, output, when)
        assert np.sign(value) == sign, (output, when, value)


def test_voucher_and_subsidy_totals(comparison):
    """S14: 50 M CNY a year, all spent (idle AI capacity is far larger), 6 years = 0.3 bn CNY; x4
    = 1.2 bn. The subsidy is 0.095 x investment of the eligible projects that come online: Taiyuan
    phase 1 always (0.304 bn), the registered 15 (67.4 M CNY each) when they go ahead."""
    t = comparison.table
    row = t[(t.variant == "vouchers-x4") & (t.output == "voucher_cny")].iloc[0]
    assert (row["base"], row["value"]) == (pytest.approx(3.0e8), pytest.approx(1.2e9))
    paid = t[(t.variant == "no-subsidy") & (t.output == "subsidy_cny")].iloc[0]
    assert 0.095 * 3.2e9 <= paid["base"] <= 0.095 * 13.846e9 and paid["value"] == 0
