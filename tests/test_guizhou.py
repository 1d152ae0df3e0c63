"""The Guizhou scenario against the figures it was built from (docs/guizhou.md).

- it validates, and every block says where its numbers come from;
- the end-2024 fleet is G1's 57 EFLOPS;
- the median run lands within 5% of each reported point of the 2025 path (the targets named
  with ``role: calibration``: G3 85 EFLOPS, G4 92.6, G5 150), and only the plan is ranked by;
- every variant applies and changes what its description claims.

Only the public API (``import sim``) is used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
GUIZHOU = ROOT / "scenarios" / "guizhou.yaml"
REPLICATIONS = 300  # the base, for the calibration
VARIANT_REPLICATIONS = 100  # variants against a base of the same size and seed (common random numbers)
SEED = 1
CALIBRATION_TOLERANCE = 0.05


@pytest.fixture(scope="module")
def scenario() -> sim.Scenario:
    return sim.load_scenario(GUIZHOU)


@pytest.fixture(scope="module")
def base(scenario) -> sim.Results:
    return sim.simulate(scenario, replications=REPLICATIONS, seed=SEED, jobs=1)


_runs: dict[str, sim.Results] = {}


def run_variant(scenario, name: str) -> sim.Results:
    """A variant ('base' for the scenario itself), VARIANT_REPLICATIONS replications, cached."""
    if name not in _runs:
        variant = scenario if name == "base" else sim.apply_variant(scenario, name)
        _runs[name] = sim.simulate(variant, replications=VARIANT_REPLICATIONS, seed=SEED, jobs=1)
    return _runs[name]


@pytest.fixture(scope="module")
def small_base(scenario) -> sim.Results:
    return run_variant(scenario, "base")


def p50(results: sim.Results, metric: str, month: str) -> float:
    table = results.monthly
    row = table[(table.metric == metric) & (table.month == month)]
    return float(row["p50"].iloc[0])


def annual_p50(results: sim.Results, metric: str, year: int) -> float:
    table = results.annual
    row = table[(table.metric == metric) & (table.year == year)]
    return float(row["p50"].iloc[0])


def probability(results: sim.Results, target: str) -> float:
    table = results.targets
    return float(table[table.target == target]["probability"].iloc[0])


PLAN = "plan 2026 (G5, G6)"


# --- the file ---------------------------------------------------------------------------------


def test_validates(scenario):
    assert scenario.name == "Guizhou province"
    assert scenario.targets[0].name == PLAN
    assert len(scenario.variants) >= 6


def test_every_block_names_its_source(scenario):
    u = scenario.uncertainty
    blocks = [scenario.accounting, *scenario.sites.values(), *scenario.cooling.values(), *scenario.projects,
              scenario.grid, scenario.supply, u, u.delay_months, u.go_probability, *u.parameters.values(),
              *scenario.targets, scenario.policies.pue_cap, scenario.policies.emissions]
    blocks += [getattr(u.delay_months, s) for s in ("construction", "registered", "planned")
               if getattr(u.delay_months, s) is not None]
    missing = [block for block in blocks if not (block.source or "").strip()]
    assert missing == []


def test_placeholders_are_labelled(scenario):
    for p in scenario.projects:
        if p.id.startswith(("bo2025-", "pipe2026-")) or p.id.endswith("-rest"):
            assert p.name.startswith("PLACEHOLDER"), p.id


def test_fleet_and_pipeline_sizes(scenario):
    """End-2024 fleet 57,000 PFLOPS (G1); the 2025 build-out +93,000 (G5: 150); the 2026 pipeline
    (190 - 150) / 0.85."""
    by_status = {}
    for p in scenario.projects:
        by_status[p.status] = by_status.get(p.status, 0.0) + p.compute.pflops
    assert by_status["operating"] == pytest.approx(57_000)
    assert by_status["construction"] == pytest.approx(93_000)
    assert by_status["planned"] == pytest.approx(40_000 / 0.85, rel=1e-4)


# --- calibration: the reported 2025 path -----------------------------------------------------


def test_calibration_targets_are_the_reported_path(scenario):
    reported = {t.name: (t.by, t.total_eflops) for t in scenario.targets if t.role == "calibration"}
    assert reported == {
        "calibration 2025-07 85 EFLOPS": ("2025-07", 85),
        "calibration 2025-08 92.6 EFLOPS": ("2025-08", 92.6),
        "calibration 2025-12 150 EFLOPS": ("2025-12", 150),
    }


def test_only_the_2026_plan_is_a_plan_target(scenario):
    assert [t.name for t in scenario.targets if t.role == "plan"] == [PLAN]


def test_end_2024_fleet(base):
    assert p50(base, "total_eflops", "2025-01") == pytest.approx(57, rel=CALIBRATION_TOLERANCE)


@pytest.mark.parametrize("name", ["calibration 2025-07 85 EFLOPS", "calibration 2025-08 92.6 EFLOPS",
                                  "calibration 2025-12 150 EFLOPS"])
def test_calibration_median_within_5_percent(scenario, base, name):
    target = next(t for t in scenario.targets if t.name == name)
    assert p50(base, "total_eflops", target.by) == pytest.approx(target.total_eflops, rel=CALIBRATION_TOLERANCE)


def test_plan_2026_is_uncertain_in_the_base(base):
    assert 0.05 < probability(base, PLAN) < 0.95


# --- variants ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["supply-shock", "grid-tight", "utilisation-low", "pue-cap-strict",
                                  "subsidy-shanxi-terms", "subsidy-strong", "fast-track",
                                  "pipeline-2025-pace", "pipeline-no-margin"])
def test_every_variant_applies(scenario, name):
    assert name in scenario.variants
    assert sim.apply_variant(scenario, name).projects


def test_supply_shock_slows_the_2025_path(scenario, small_base):
    shock = run_variant(scenario, "supply-shock")
    assert p50(shock, "total_eflops", "2025-12") < 0.95 * p50(small_base, "total_eflops", "2025-12")
    assert probability(shock, PLAN) < probability(small_base, PLAN)


def test_grid_tight_holds_projects_back(scenario, small_base):
    tight = run_variant(scenario, "grid-tight")
    assert p50(tight, "total_eflops", "2028-12") < p50(small_base, "total_eflops", "2028-12")
    assert probability(tight, PLAN) < probability(small_base, PLAN)


def test_utilisation_low_cuts_energy_not_capacity(scenario, small_base):
    low = run_variant(scenario, "utilisation-low")
    assert annual_p50(low, "energy_mwh", 2026) < 0.85 * annual_p50(small_base, "energy_mwh", 2026)
    assert np.array_equal(low.series["total_eflops"], small_base.series["total_eflops"])


def test_pue_cap_strict_upgrades_the_2026_pipeline(scenario, small_base):
    strict = sim.apply_variant(scenario, "pue-cap-strict")
    assert strict.policies.pue_cap.max_annual_pue == 1.2
    capped = run_variant(scenario, "pue-cap-strict")
    assert annual_p50(capped, "pue", 2028) < annual_p50(small_base, "pue", 2028)
    assert probability(capped, PLAN) < probability(small_base, PLAN)  # the upgrade costs 3 months


@pytest.mark.parametrize("name", ["subsidy-shanxi-terms", "subsidy-strong"])
def test_subsidy_variants_pay_and_help(scenario, small_base, name):
    assert scenario.policies.capex_subsidy is None  # no Guizhou subsidy in the figures
    run = run_variant(scenario, name)
    paid = run.series["subsidy_cny_cumulative"][:, -1]
    assert np.median(paid) > 0
    assert probability(run, PLAN) > probability(small_base, PLAN)


def test_fast_track_brings_2026_forward(scenario, small_base):
    fast = run_variant(scenario, "fast-track")
    assert probability(fast, PLAN) > probability(small_base, PLAN)
    assert p50(fast, "total_eflops", "2025-12") == p50(small_base, "total_eflops", "2025-12")  # from 2026-01


@pytest.mark.parametrize(("name", "pipeline_pflops"), [("pipeline-2025-pace", 93_000), ("pipeline-no-margin", 40_000)])
def test_pipeline_variants_resize_the_2026_pipeline(scenario, small_base, name, pipeline_pflops):
    variant = sim.apply_variant(scenario, name)
    planned = sum(p.compute.pflops for p in variant.projects if p.status == "planned")
    assert planned == pytest.approx(pipeline_pflops, rel=1e-4)
    run = run_variant(scenario, name)
    moved = probability(run, PLAN) - probability(small_base, PLAN)
    assert moved > 0 if pipeline_pflops > 47_000 else moved < 0


@pytest.mark.parametrize("name", ["subsidy-shanxi-terms", "fast-track-subsidy", "subsidy-strong"])
def test_a_subsidy_decided_now_acts_from_2026_and_leaves_the_reported_2025_path_alone(scenario, name):
    # a policy decided now acts from 2026-01, as the PUE cap and the fast track: nothing paid in 2025
    # (months 0-11), and 2025's capacity (the calibration path) is the base's, replication by replication
    variant = sim.apply_variant(scenario, name)
    assert variant.policies.capex_subsidy.from_ == "2026-01"
    run, base = run_variant(scenario, name), run_variant(scenario, "base")
    assert np.all(run.series["subsidy_cny_cumulative"][:, :12] == 0)
    assert run.series["subsidy_cny_cumulative"][:, -1].mean() > 0
    assert np.array_equal(run.series["total_eflops"][:, :12], base.series["total_eflops"][:, :12])
