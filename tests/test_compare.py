"""capsim compare: common random numbers, paired differences, compare.csv and the ranked table."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pandas as pd
import pytest

import sim
from sim.run.compare import COLUMNS, Z_95, key_outputs

from policy_scenarios import capsim, project, scenario_data, write

UNCERTAIN = {
    "delay_months": {
        "construction": {"dist": "triangular", "low": 0, "mode": 2, "high": 9},
        "registered": {"dist": "uniform", "low": 0, "high": 18},
        "planned": {"dist": "lognormal", "median": 8, "sigma": 0.5, "high": 36},
    },
    "go_probability": {"registered": 0.8, "planned": 0.6},
    "parameters": {"projects.p0.utilization": {"dist": "uniform", "low": 0.4, "high": 0.8}},
}
POLICIES = {
    "capex_subsidy": {"rate": 0.1, "annual_budget_cny": 2e8, "go_probability_bonus": 0.1, "delay_reduction_months": 1},
    "compute_vouchers": {"annual_budget_cny": 1e8, "price_cny_per_pflops_hour": 20},
    "emissions": {"grid_t_per_mwh": 0.6, "green_share": {2025: 0.2, 2028: 0.5}},
}


def region(variants: dict, n_projects: int = 12) -> dict:
    statuses = ("construction", "registered", "planned")
    projects = [
        project(id=f"p{j}", status=statuses[j % 3], online=f"{2025 + j % 3}-{1 + (5 * j) % 12:02d}",
                **{"class": ("intelligent", "general")[j % 2]})
        for j in range(n_projects)
    ]
    data = scenario_data(*projects, uncertainty=UNCERTAIN, policies=POLICIES,
                         targets=[{"name": "goal", "by": "2026-12", "total_eflops": 6}])
    data["horizon"]["end"] = "2028-12"
    data["grid"] = {"headroom_mw": 120, "additions": [{"month": "2026-06", "mw": 40}]}
    data["variants"] = variants
    return data


def test_a_variant_that_changes_nothing_differs_by_exactly_zero_in_every_replication():
    scenario = sim.scenario_from_data(region({
        "empty": {"set": {}},
        "same-rate": {"set": {"policies.capex_subsidy.rate": 0.1}},
        "renamed": {"set": {"description": "another description", "projects.p3.name": "renamed"}},
    }))
    comparison = sim.compare(scenario, replications=60, seed=3)
    table = comparison.table
    assert set(table.variant) == {"empty", "same-rate", "renamed"}
    assert (table.diff_mean == 0).all() and (table.diff_ci_low == 0).all() and (table.diff_ci_high == 0).all()
    assert (table.base.fillna(-1) == table.value.fillna(-1)).all()
    base = comparison.results["base"]
    for name in ("empty", "same-rate", "renamed"):
        for metric, values in comparison.results[name].series.items():
            np.testing.assert_array_equal(values, base.series[metric], err_msg=f"{name} {metric}")
    assert base.series["subsidy_cny"].sum() > 0 and base.series["voucher_cny"].sum() > 0


def test_paired_differences_have_a_narrower_interval_than_independent_runs():
    # fast approvals (delay x 0.5): its effect on total EFLOPS at the target month
    scenario = sim.scenario_from_data(region({"fast": {"set": {"policies.fast_track": {"delay_scale": 0.5}}}}))
    n = 300
    comparison = sim.compare(scenario, replications=n, seed=5)
    row = comparison.table.query("output == 'total_eflops' and when == 'goal'").iloc[0]
    paired_half_width = (row.diff_ci_high - row.diff_ci_low) / 2
    assert row.diff_ci_low > 0  # a real effect: more capacity by the target month

    # the same question answered with independent seeds for the base and the variant
    base = sim.simulate(sim.apply_variant(scenario, None), replications=n, seed=101)
    fast = sim.simulate(sim.apply_variant(scenario, "fast"), replications=n, seed=202)
    m = 23  # 2026-12
    b, v = base.series["total_eflops"][:, m], fast.series["total_eflops"][:, m]
    independent_half_width = Z_95 * np.sqrt(b.var(ddof=1) / n + v.var(ddof=1) / n)
    assert paired_half_width < 0.75 * independent_half_width  # about 0.58 with these seeds


def test_each_draw_is_shared_by_base_and_variant():
    scenario = sim.scenario_from_data(region({"fast": {"set": {"policies.fast_track": {"delay_scale": 0.5}}}}))
    comparison = sim.compare(scenario, replications=40, seed=9)
    base, fast = comparison.results["base"], comparison.results["fast"]
    np.testing.assert_array_equal(base.project_go, fast.project_go)  # same go uniforms
    # construction projects are not fast-tracked: same delays, same online months
    construction = [j for j, p in enumerate(scenario.projects) if p.status == "construction"]
    np.testing.assert_array_equal(base.project_first_on[:, construction], fast.project_first_on[:, construction])


def test_compare_table_columns_outputs_and_hand_computed_differences():
    # deterministic: one AI project; the variant doubles the subsidy rate. 1 replication, CI = difference.
    data = scenario_data(project(phases=[1.0]), policies={"capex_subsidy": {"rate": 0.1}},
                         targets=[{"name": "goal", "by": "2025-12", "total_eflops": 1}],
                         variants={"double": {"description": "twice the rate", "set": {"policies.capex_subsidy.rate": 0.2}}})
    comparison = sim.compare(sim.scenario_from_data(data))
    table = comparison.table
    assert list(table.columns) == COLUMNS
    assert list(table.output.unique()) == ["target_probability", "total_eflops", "intelligent_share", "reached_month",
                                           "energy_mwh", "peak_facility_mw", "subsidy_cny", "voucher_cny"]
    subsidy = table.query("output == 'subsidy_cny'").iloc[0]
    assert (subsidy.when, subsidy.unit, subsidy.base, subsidy.value) == ("", "CNY", 1e8, 2e8)
    assert (subsidy.diff_mean, subsidy.diff_ci_low, subsidy.diff_ci_high) == (1e8, 1e8, 1e8)
    reached = table.query("output == 'reached_month'").iloc[0]
    assert (reached.when, reached.unit, reached.base) == ("goal", "months from 2025-01", 2.0)  # 2025-03
    assert list(table.query("output == 'energy_mwh'")["when"]) == ["2025", "2026"]
    assert comparison.replications == 1


def test_ranking_by_first_target_then_public_cost():
    data = scenario_data(project(phases=[1.0]), policies={"capex_subsidy": {"rate": 0.1}},
                         targets=[{"name": "goal", "by": "2025-06", "total_eflops": 1}],
                         variants={
                             "late": {"set": {"projects.ai.online": "2025-09"}},
                             "cheap": {"set": {"policies.capex_subsidy.rate": 0.05}},
                         })
    comparison = sim.compare(sim.scenario_from_data(data))
    ranking = comparison.ranking()
    assert list(ranking.variant) == ["cheap", "base", "late"]
    assert list(ranking["rank"]) == [1, 2, 3]
    assert list(ranking.probability) == [1.0, 1.0, 0.0]
    text = comparison.summary_text()
    assert "rank  variant" in text.splitlines()[2]
    assert text.splitlines()[5].split()[:3] == ["3", "late", "0.0%"]


def test_key_outputs_count_a_never_reached_target_as_the_month_after_the_horizon():
    data = scenario_data(project(phases=[1.0]), targets=[{"name": "never", "by": "2026-12", "total_eflops": 5}])
    outputs = {(k.output, k.when): k for k in key_outputs(sim.simulate(sim.scenario_from_data(data)))}
    assert outputs[("reached_month", "never")].values.tolist() == [24.0]


def test_compare_through_the_cli(tmp_path):
    variants = {"fast": {"set": {"policies.fast_track": {"delay_scale": 0.5}}},
                "no-subsidy": {"set": {"policies.capex_subsidy.rate": 0}}}
    path = write(tmp_path, region(variants))
    out = tmp_path / "cmp"
    done = capsim("compare", path, "-r", "50", "--seed", "4", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "rank  variant" in done.stdout and "common random numbers" in done.stdout
    table = pd.read_csv(out / "compare.csv", keep_default_na=False)
    assert list(table.columns) == COLUMNS
    assert list(table.variant.unique()) == ["fast", "no-subsidy"]
    for name in ("monthly", "annual", "targets", "projects"):
        assert list(pd.read_csv(out / f"{name}.csv").variant.unique()) == ["base", "fast", "no-subsidy"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["variants"] == ["base", "fast", "no-subsidy"] and manifest["seed"] == 4
    assert manifest["runs"]["no-subsidy"]["applied"]["set"] == {"policies.capex_subsidy.rate": 0}
    assert manifest["replications"] == 50

    again = capsim("compare", path, "-r", "50", "--seed", "4", "--variants", "no-subsidy", "--out", tmp_path / "one", "-q")
    assert again.returncode == 0 and again.stdout == ""
    one = pd.read_csv(tmp_path / "one" / "compare.csv", keep_default_na=False)
    pd.testing.assert_frame_equal(one, table[table.variant == "no-subsidy"].reset_index(drop=True))

    bad = capsim("compare", path, "--variants", "fats", "--out", tmp_path / "bad")
    assert bad.returncode == 2 and "unknown variant 'fats'" in bad.stderr and "Traceback" not in bad.stderr


def test_compare_of_the_shipped_example(tmp_path):
    done = capsim("compare", "scenarios/example.yaml", "-r", "20", "--out", tmp_path / "ex", "-q",
                  cwd=sim.__file__.rsplit("/sim/", 1)[0])
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "ex" / "compare.csv")
    assert set(table.variant) == set(sim.load_scenario(
        sim.__file__.rsplit("/sim/", 1)[0] + "/scenarios/example.yaml").variants)
    assert "carbon_t" in set(table.output)


@pytest.mark.parametrize("replications", [1, 7])
def test_policy_metrics_do_not_depend_on_block_size(monkeypatch, replications):
    scenario = sim.scenario_from_data(region({}))
    whole = sim.simulate(scenario, replications=replications, seed=2)
    module = importlib.import_module("sim.run.simulate")
    original = module.blocks
    monkeypatch.setattr(module, "blocks", lambda count, block_size=2: original(count, 2))
    pieces = sim.simulate(scenario, replications=replications, seed=2)
    for metric, values in whole.series.items():
        np.testing.assert_array_equal(values, pieces.series[metric], err_msg=metric)
