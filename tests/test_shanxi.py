"""The Shanxi scenario against the figures it was built from (docs/shanxi.md).

- the 2025-08 snapshot: 514,000 standard racks (S1, the ``racks`` metric) and 32 EFLOPS of AI
  compute (S2, also the calibration target), each within 2%;
- the construction pipeline: 1,012,000 racks in use or under construction in Aug 2024 (B2) less
  the 514,000 in use, split by the Aug-2023 count into the two tranches; how much of it each
  variant brings by 2030; the grid applications (B1) hold it in the base and not in grid-tight;
- Datong's share of the electricity from sites.csv (the model's figure, against B1's over 97%);
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

KW_PER_STANDARD_RACK = 2.5  # B8: a standard rack is 2.5 kW of IT power
REPORTED_RACKS = 514_000  # S1, Aug 2025
RACKS_AUG_2024 = 1_012_000  # B2: in use or under construction
RACKS_AUG_2023 = 827_800  # B2: in use or under construction
PIPELINE_RACKS = RACKS_AUG_2024 - REPORTED_RACKS  # 498,000 still being built in Aug 2025
DATONG_SITES = ("datong", "lingqiu", "yanggao", "hunyuan")  # Datong city and its counties
REPORTED_AI_EFLOPS = 32.0  # S2, Aug 2025, FP16 (the scenario's "as reported" basis)
SNAPSHOT_TOLERANCE = 0.02
REPORTED_PUE = 1.2  # S4
PUE_TOLERANCE = 0.01
# docs/shanxi.md, "Calibration": 2024 energy 4.0-4.4 TWh (State Grid Shanxi) x 1.58 (the 58% growth)
ENERGY_2025_TWH = (4.0 * 1.58, 4.4 * 1.58)  # 6.32 .. 6.952


@pytest.fixture(scope="module")
def scenario() -> sim.Scenario:
    return sim.load_scenario(SHANXI)


def without_uncertainty(scenario: sim.Scenario) -> sim.Scenario:
    """Every project on its planned month and going ahead, every value at its central figure (no
    `uncertainty` block, no project's own delay or go probability)."""
    projects = [p.model_copy(update={"delay_months": None, "go_probability": None}) for p in scenario.projects]
    return scenario.model_copy(update={"uncertainty": None, "projects": projects})


@pytest.fixture(scope="module")
def planned(scenario) -> sim.Results:
    """Deterministic run: every project on its planned month, every value at its central figure."""
    return sim.simulate(without_uncertainty(scenario), replications=1, seed=0)


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
    assert planned.scenario.accounting.rack_kw == KW_PER_STANDARD_RACK
    assert at_month(planned, "racks", "2025-08")[0] == pytest.approx(REPORTED_RACKS, rel=SNAPSHOT_TOLERANCE)


def test_snapshot_ai_eflops_as_planned(planned):
    assert planned.scenario.accounting.factors.FP16 == 1  # "as reported": FP16 added as quoted
    ai = at_month(planned, "intelligent_eflops", "2025-08")
    assert ai[0] == pytest.approx(REPORTED_AI_EFLOPS, rel=SNAPSHOT_TOLERANCE)


def test_snapshot_holds_in_every_replication(uncertain):
    """Delays only postpone; nothing but the operating fleet is due before 2025-10."""
    racks = at_month(uncertain, "racks", "2025-08")
    ai = at_month(uncertain, "intelligent_eflops", "2025-08")
    assert np.all(np.abs(racks / REPORTED_RACKS - 1) <= SNAPSHOT_TOLERANCE)
    assert np.all(np.abs(ai / REPORTED_AI_EFLOPS - 1) <= SNAPSHOT_TOLERANCE)


def test_ai_calibration_target_is_met_in_every_replication(scenario, uncertain):
    target = next(t for t in scenario.targets if t.role == "calibration")
    assert (target.by, target.intelligent_eflops) == ("2025-08", REPORTED_AI_EFLOPS)
    row = uncertain.targets[uncertain.targets.target == target.name].iloc[0]
    assert row["probability"] == 1.0
    assert [t.name for t in scenario.targets if t.role == "plan"] == ["plan 2025 (S15)"]  # kept as it was


# --- the construction pipeline (B2) ---------------------------------------------------------


def pipeline(scenario) -> list:
    return [p for p in scenario.projects if p.id.startswith("pipeline-")]


def racks_of(projects) -> float:
    return sum(p.it_mw for p in projects) * 1000 / KW_PER_STANDARD_RACK


def test_pipeline_is_what_was_counted_in_aug_2024_less_what_was_in_use_in_aug_2025(scenario):
    """498,000 racks; at most 184,200 (the growth of the count from Aug 2023) started after Aug
    2023 (tranche b), the other 313,800 before (tranche a)."""
    projects = pipeline(scenario)
    assert racks_of(projects) == pytest.approx(PIPELINE_RACKS)
    assert racks_of(p for p in projects if p.id.startswith("pipeline-b-")) == pytest.approx(RACKS_AUG_2024 - RACKS_AUG_2023)
    assert racks_of(p for p in projects if p.id.startswith("pipeline-a-")) == pytest.approx(313_800)
    assert all(p.status == "construction" and p.phases == (0.25, 0.25, 0.25, 0.25) for p in projects)


def test_pipeline_split_by_city_and_class(scenario):
    """Assumptions (docs/shanxi.md): Datong 80% (AI 10% of all, general 70% split 45/30/25),
    Yangquan 10%, Taiyuan 7%, Lüliang 3%; general at 3.8 PFLOPS FP32 per MW, AI 300 PFLOPS FP16
    per MW, as the operating fleet."""
    projects = pipeline(scenario)
    share = {}
    for p in projects:
        key = "datong-ai" if p.class_ == "intelligent" else p.site
        share[key] = share.get(key, 0.0) + p.it_mw / 1245
    assert share == pytest.approx({"datong": 0.315, "lingqiu": 0.21, "yanggao": 0.175, "datong-ai": 0.10,
                                   "yangquan": 0.10, "taiyuan": 0.07, "lvliang": 0.03}, abs=1e-5)
    for p in projects:
        per_mw = 300 if p.class_ == "intelligent" else 3.8
        assert p.compute.pflops == pytest.approx(p.it_mw * per_mw)


def test_planned_racks_in_2030_are_the_count_of_2024_plus_the_registered_batch(planned):
    """Every project on its planned month and going ahead: 514,000 + 498,000 + Taiyuan phase 1's
    7,625 + 15 x 4.228 MW (25,368 racks) = 1,044,993 standard racks at the end of 2030."""
    assert at_month(planned, "racks", "2030-12")[0] == pytest.approx(1_044_993, abs=1)


def test_pipeline_slow_brings_half_by_2030_on_planned_dates(scenario, planned):
    floor = REPORTED_RACKS + 7_625 + 25_368
    slow = at_month(planned_run(scenario, "pipeline-slow"), "racks", "2030-12")[0]
    assert (slow - floor) / PIPELINE_RACKS == pytest.approx(0.5)
    assert (at_month(planned, "racks", "2030-12")[0] - floor) / PIPELINE_RACKS == pytest.approx(1.0)


def test_pipeline_none_is_todays_floor(scenario):
    """No pipeline project comes online within the horizon: at most the Aug-2025 fleet, Taiyuan
    phase 1 and the registered batch (546,993 racks) in any replication."""
    none = sim.simulate(sim.apply_variant(scenario, "pipeline-none"), replications=20, seed=3)
    projects = none.projects.set_index("project")
    assert (projects.loc[[p.id for p in pipeline(scenario)], "online_p10"] == "never").all()
    assert none.series["racks"].max() <= REPORTED_RACKS + 7_625 + 25_368 + 1e-6


def test_grid_applications_hold_the_pipeline_and_the_tight_reading_does_not(scenario, planned):
    """B1: 2,228 MVA x 0.95 = 2,117 MW. Every reservation of the planned run fits (no queue); with
    435 MW (grid-tight) projects wait."""
    assert scenario.grid.headroom_mw == pytest.approx(2228 * 0.95, abs=0.5)
    assert planned.series["grid_queue_mw"].max() == 0
    assert planned.series["grid_free_mw"].min() > 0
    tight = planned_run(scenario, "grid-tight")
    assert tight.series["grid_queue_mw"].max() > 0


# --- Datong's share of the electricity (B1: over 97%) -----------------------------------------


def test_datong_share_of_energy_from_sites(uncertain):
    """sites.csv, 2025, means: Datong (city, Lingqiu, Yanggao, Hunyuan) takes 84% of the
    energy, not B1's over 97% (2024); docs/shanxi.md says why the difference remains. Pinned, so
    that a change to the split shows up."""
    table = uncertain.sites
    energy = table[(table.metric == "energy_mwh") & table.month.str.startswith("2025")]
    by_site = energy.groupby("site")["mean"].sum()
    share = by_site[list(DATONG_SITES)].sum() / by_site.sum()
    assert share == pytest.approx(0.842, abs=0.01)


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
    assert done.stdout.splitlines()[0].startswith("on track: P('plan 2025 (S15)' met by 2025-12)")  # the verdict first
    assert done.stdout.splitlines()[1].startswith("Shanxi province: 3 replications, seed 1")
    assert "plan 2025 (S15)" in done.stdout
    assert (out / "monthly.csv").is_file()


def test_capsim_validate_shanxi():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(SHANXI)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "ok (Shanxi province: 39 projects, 2025-01 to 2030-12, 16 variants)" in done.stdout


# --- policies and variants ------------------------------------------------------------------

REGISTERED_15 = {"reg-zhongke-ruihua", "reg-fanshi-zero-carbon-p1", "reg-hunyuan", "reg-datong-etdz-integrated",
                 *(f"reg-unnamed-{k:02d}" for k in range(1, 12))}
VARIANTS = ("no-subsidy", "subsidy-no-response", "subsidy-strong-response", "vouchers-x4", "pue-cap-strict",
            "fast-track", "pue-cap-vouchers", "taiyuan-late", "supply-shock", "carbon-location-based", "fp32-equivalent",
            "fp32-eq-high", "fp32-eq-low", "grid-tight", "pipeline-slow", "pipeline-none")
FP16_FACTORS = {"fp32-equivalent": 0.25, "fp32-eq-high": 0.5, "fp32-eq-low": 0.0625}


def test_the_variants_are_the_documented_ones(scenario):
    assert tuple(scenario.variants) == VARIANTS


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_applies_and_changes_the_scenario(scenario, name):
    derived = sim.apply_variant(scenario, name)
    assert derived.model_dump(exclude={"variants"}) != scenario.model_dump(exclude={"variants"})


@pytest.mark.parametrize("name", [None, *FP16_FACTORS])
def test_subsidy_is_for_taiyuan_phase1_the_15_registered_and_the_ai_pipeline(scenario, name):
    """S13: new projects (not operating) of at least 100 PFLOPS FP16. China Mobile Taiyuan (2,000
    PFLOPS) and the Datong AI fleet are large enough but operating; general compute is not AI. The
    threshold is at FP16, so the reporting basis does not change who qualifies."""
    view = scenario if name is None else sim.apply_variant(scenario, name)
    eligible = {p.id for p in view.projects if subsidy_eligible(view, p)}
    assert eligible == {"taiyuan-ai-phase1", "pipeline-a-datong-ai", "pipeline-b-datong-ai"} | REGISTERED_15


def planned_run(scenario, variant=None) -> sim.Results:
    view = scenario if variant is None else sim.apply_variant(scenario, variant)
    return sim.simulate(without_uncertainty(view), replications=1, seed=0)


@pytest.mark.parametrize("name", FP16_FACTORS)
def test_fp32_equivalent_rescales_fp16_capacity_by_its_factor(scenario, planned, name):
    """At 2025-08 (operating fleet only) FP16 is 32,000 PFLOPS (30,000 Datong + 2,000 China
    Mobile), general 4,389.00 PFLOPS FP32 (1,680.55 + 1,140 + 950 + 276.64 + 244.15 + 97.66) and
    the supercomputer 20 PFLOPS FP64, counted x 2 in the FP32-equivalent views. At 2025-12
    (planned dates) Taiyuan phase 1 adds 6,000 PFLOPS FP16 and the AI pipeline's first quarter
    (tranche a, 2025-10) 23,535 / 4 = 5,883.75. Energy is not an accounting matter:
    the voucher price is quoted at FP16, so the same capacity is bought on either basis."""
    f = FP16_FACTORS[name]
    view = planned_run(scenario, name)
    assert at_month(planned, "intelligent_eflops", "2025-08")[0] == pytest.approx(32.0)
    assert at_month(view, "intelligent_eflops", "2025-08")[0] == pytest.approx(32.0 * f)
    assert at_month(view, "intelligent_eflops", "2025-12")[0] == pytest.approx(43.88375 * f)
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
    # the package: the strict cap's upgrades and four times the vouchers
    "pue-cap-vouchers": [("voucher_cny", None, +1), ("subsidy_cny", None, +1), ("energy_mwh", "2025", +1)],
    # no longer exactly 0 in 2029: a later Taiyuan phase 1 takes its accelerators later, and the
    # AI pipeline waiting for accelerators comes online in another order
    "taiyuan-late": [("energy_mwh", "2026", -1), ("peak_facility_mw", "2026", -1)],
    "supply-shock": [("energy_mwh", "2026", -1), ("energy_mwh", "2027", -1), ("subsidy_cny", None, -1)],
    "carbon-location-based": [("carbon_t", None, +1), ("energy_mwh", "2027", 0)],
    "fp32-equivalent": [("total_eflops", TARGET, -1), ("target_probability", TARGET, 0), ("energy_mwh", "2027", 0)],
    "fp32-eq-high": [("total_eflops", TARGET, -1), ("target_probability", TARGET, 0), ("energy_mwh", "2027", 0)],
    "fp32-eq-low": [("target_probability", TARGET, -1), ("energy_mwh", "2027", 0), ("subsidy_cny", None, 0)],
    "grid-tight": [("energy_mwh", "2027", -1), ("energy_mwh", "2025", 0), ("grid_binds", None, +1)],
    "pipeline-slow": [("energy_mwh", "2027", -1), ("energy_mwh", "2030", -1), ("peak_facility_mw", "2030", -1)],
    "pipeline-none": [("energy_mwh", "2026", -1), ("energy_mwh", "2030", -1), ("subsidy_cny", None, -1)],
}


@pytest.mark.parametrize("name", VARIANTS)
def test_each_variant_changes_what_it_claims(comparison, name):
    for output, when, sign in CLAIMS[name]:
        value = diff(comparison, name, output, when)
        assert np.sign(value) == sign, (output, when, value)


def test_voucher_and_subsidy_totals(comparison):
    """S14: 50 M CNY a year, all spent (idle AI capacity is far larger), 6 years = 0.3 bn CNY; x4
    = 1.2 bn. The subsidy is 0.095 x investment of the eligible projects that come online: Taiyuan
    phase 1 always (0.304 bn), the registered 15 (67.4 M CNY each) and the AI pipeline (at Taiyuan
    phase 1's cost per MW: 13.17 and 7.73 bn CNY) when they go ahead."""
    t = comparison.table
    row = t[(t.variant == "vouchers-x4") & (t.output == "voucher_cny")].iloc[0]
    assert (row["base"], row["value"]) == (pytest.approx(3.0e8), pytest.approx(1.2e9))
    paid = t[(t.variant == "no-subsidy") & (t.output == "subsidy_cny")].iloc[0]
    assert 0.095 * 3.2e9 <= paid["base"] <= 0.095 * (13.846e9 + 1.31693e10 + 7.73036e9) and paid["value"] == 0
