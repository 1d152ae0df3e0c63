"""capsim compare: common random numbers, paired differences, compare.csv and the ranked table."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pandas as pd
import pytest

import sim
from sim.run.compare import COLUMNS, Z_95, key_outputs

from policy_scenarios import build, capsim, project, scenario_data, write

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
    assert list(table.columns) == ["variant", "output", "when", "unit", "stat", "base", "value", "diff_mean",
                                   "diff_ci_low", "diff_ci_high", "bound"]
    assert list(table.output.unique()) == ["target_probability", "total_eflops", "intelligent_share", "reached_month",
                                           "energy_mwh", "peak_facility_mw", "subsidy_cny", "voucher_cny"]
    subsidy = table.query("output == 'subsidy_cny'").iloc[0]
    assert (subsidy.when, subsidy.unit, subsidy.base, subsidy.value) == ("", "CNY", 1e8, 2e8)
    assert (subsidy.diff_mean, subsidy.diff_ci_low, subsidy.diff_ci_high) == (1e8, 1e8, 1e8)
    reached = table.query("output == 'reached_month'").iloc[0]
    assert (reached.when, reached.unit, reached.stat, reached.base) == ("goal", "months from 2025-01", "p50", 2.0)
    assert reached.bound == "" and set(table.query("output != 'reached_month'").stat) == {"mean"}
    assert list(table.query("output == 'energy_mwh'")["when"]) == ["2025", "2026"]
    assert comparison.replications == 1


def ranked_region() -> sim.Scenario:
    """One AI project, 10 MW IT at half load, PUE 1.5 (7.5 MW facility), 1 EFLOPS from 2025-03,
    subsidy 0.1 x 1e9 CNY; grid headroom 20 MW (the 15 MW reservation fits at once). Targets:
    'plan 2026' (the latest plan target: the default ranking), 'plan 2025', and a later calibration
    target that is never ranked by."""
    return build(project(phases=[1.0]), policies={"capex_subsidy": {"rate": 0.1}},
                 targets=[{"name": "plan 2026", "by": "2026-06", "total_eflops": 1},
                          {"name": "plan 2025", "by": "2025-06", "total_eflops": 1},
                          {"name": "reported 2026", "by": "2026-12", "total_eflops": 2, "role": "calibration"}],
                 grid={"headroom_mw": 20},
                 variants={"late": {"set": {"projects.ai.online": "2025-09"}},
                           "small": {"set": {"projects.ai.compute.pflops": 500}},
                           "cheap": {"set": {"policies.capex_subsidy.rate": 0.05}},
                           "tight": {"set": {"grid.headroom_mw": 10,
                                             "grid.additions": [{"month": "2025-07", "mw": 10}]}}})


def test_default_ranking_is_the_latest_plan_target_then_public_cost():
    comparison = sim.compare(ranked_region())
    ranking = comparison.ranking()
    # P('plan 2026'): small (0.5 EFLOPS) misses it; ties by public cost: cheap 0.05 bn, then the rest
    # at 0.1 bn in the order asked (base, late, tight)
    assert list(ranking.variant) == ["cheap", "base", "late", "tight", "small"]
    assert list(ranking["rank"]) == [1, 2, 3, 4, 5]
    assert set(ranking.rank_by) == {"plan 2026"}
    assert list(ranking["probability[plan 2025]"]) == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert list(ranking["probability[reported 2026]"]) == [0.0] * 5
    assert list(ranking["reached_p50[plan 2026]"]) == ["2025-03", "2025-03", "2025-09", "2025-07", "never"]
    lines = comparison.summary_text().splitlines()
    assert lines[0].startswith("verdict for the base (do nothing new): ")
    lines = lines[1:]
    assert lines[1] == ("ranked by P(target 'plan 2026' met by 2026-06) (higher is better), then public cost; "
                        "choose with --rank-by")
    assert lines[4] == "  T3 = 'reported 2026' by 2026-12 (total_eflops >= 2; calibration: shown, never ranked)"
    header = lines[7].split("  ")
    assert [h.strip() for h in header if h.strip()][:7] == [
        "rank", "variant", "P(T1)", "P(T2)", "P(T3)", "T1 vs base [95% interval]", "T1 first met P50"]
    assert "public cost bn CNY mean" in lines[7] and "energy TWh mean" in lines[7]
    assert lines[12].split()[:6] == ["5", "small", "0.0%", "0.0%", "0.0%", "-100.0"]


def test_ranking_by_a_target_or_an_output_hand_computed():
    comparison = sim.compare(ranked_region(), rank_by="energy")
    # facility energy over 2025-01..2026-12 at 7.5 MW: from 2025-03, 671 days x 24 h x 7.5 = 120,780 MWh;
    # late (2025-09) 487 days -> 87,660; tight waits for the 2025-07 addition: 549 days -> 98,820
    ranking = comparison.ranking()
    assert list(ranking.variant) == ["late", "tight", "cheap", "base", "small"]
    assert list(ranking.value) == [87_660.0, 98_820.0, 120_780.0, 120_780.0, 120_780.0]
    assert list(ranking.diff_mean[:2]) == [-33_120.0, -21_960.0]
    assert "ranked by energy (facility energy over the horizon, mean; lower is better), then public cost" in \
        comparison.summary_text()
    by_2025 = comparison.ranking("plan 2025")
    assert list(by_2025.variant) == ["cheap", "base", "late", "small", "tight"]
    assert list(by_2025.diff_mean.fillna(9)) == [0.0, 9, -1.0, -1.0, -1.0]
    by_eflops = comparison.ranking("eflops")  # higher first: 1 EFLOPS at the end, small 0.5
    assert list(by_eflops.variant) == ["cheap", "base", "late", "tight", "small"]
    assert by_eflops.value.iloc[-1] == 0.5


@pytest.mark.parametrize("name, message", [
    ("reported 2026", "--rank-by: target 'reported 2026' has role: calibration"),
    ("energy_mwh", "--rank-by: unknown 'energy_mwh'; choose one of the targets 'plan 2026', 'plan 2025' or the "
                   "outputs public_cost, peak_mw, energy, carbon, eflops, ai_share"),
    ("carbon", "--rank-by carbon: the scenario has no policies.emissions block, so capsim computes no carbon"),
])
def test_rank_by_a_calibration_target_or_an_unknown_name_fails_before_simulating(monkeypatch, name, message):
    def no_run(*args, **kwargs):
        raise AssertionError("simulated")

    monkeypatch.setattr("sim.run.compare.simulate", no_run)
    with pytest.raises(sim.ScenarioError) as caught:
        sim.compare(ranked_region(), rank_by=name)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_a_target_role_is_plan_or_calibration():
    assert ranked_region().targets[0].role == "plan"  # the default
    data = scenario_data(project(), targets=[{"name": "t", "by": "2025-06", "total_eflops": 1, "role": "goal"}])
    with pytest.raises(sim.ScenarioError) as caught:
        sim.scenario_from_data(data)
    assert "targets[t].role" in str(caught.value) and "'plan'" in str(caught.value)


def test_differences_involving_a_never_met_target_are_bounds():
    comparison = sim.compare(ranked_region())
    reached = comparison.table.query("output == 'reached_month' and when == 'plan 2026'").set_index("variant")
    # small never meets 'plan 2026': its month counts as 24 (the month after the horizon), so
    # 24 - 2 = 22 months is a lower bound of the delay; late is an ordinary number
    assert (reached.loc["small", "diff_mean"], reached.loc["small", "bound"]) == (22.0, "lower")
    assert (reached.loc["late", "diff_mean"], reached.loc["late", "bound"]) == (6.0, "")
    base_misses = sim.compare(build(project(phases=[1.0]), targets=[{"name": "t", "by": "2026-12", "total_eflops": 1.5}],
                                    variants={"big": {"set": {"projects.ai.compute.pflops": 2000}},
                                              "same": {"set": {}}}))
    rows = base_misses.table.query("output == 'reached_month'").set_index("variant")
    assert (rows.loc["big", "diff_mean"], rows.loc["big", "bound"]) == (-22.0, "upper")
    assert (rows.loc["same", "diff_mean"], rows.loc["same", "bound"]) == (0.0, "censored")


def test_limits_that_bind_are_counted_per_variant():
    comparison = sim.compare(ranked_region())
    binds = comparison.table.query("output == 'grid_binds'").set_index("variant")
    assert list(binds.value) == [0.0, 0.0, 0.0, 1.0] and list(binds.base) == [0.0] * 4  # only 'tight' waits
    assert "supply_binds" not in set(comparison.table.output)  # no supply block: no rows
    ranking = comparison.ranking().set_index("variant")
    assert ranking.loc["tight", "grid_bound_share"] == 1.0 and ranking.loc["base", "grid_bound_share"] == 0.0
    assert np.isnan(ranking.loc["base", "supply_bound_share"])
    line = next(x for x in comparison.summary_text().splitlines() if x.split()[1:2] == ["tight"])
    assert line.split()[-2:] == ["100%", "-"]


def test_one_replication_of_an_uncertain_scenario_prints_no_nan():
    scenario = sim.scenario_from_data(region({"fast": {"set": {"policies.fast_track": {"delay_scale": 0.5}}}}))
    comparison = sim.compare(scenario, replications=1, seed=3)
    assert comparison.table.diff_ci_low.isna().all()  # undefined with one replication
    text = comparison.summary_text()
    assert "nan" not in text.lower()
    fast = next(x for x in text.splitlines() if x.split()[1:2] == ["fast"])
    assert "[" not in fast


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


def test_write_results_refuses_a_comparison_and_names_the_function_that_writes_one(tmp_path):
    from conftest import REPO
    from sim.output.comparison import write_comparison

    scenario = sim.load_scenario(REPO / "scenarios" / "example.yaml")
    comparison = sim.compare(scenario, ["no-subsidy"], replications=2, seed=1)
    with pytest.raises(TypeError, match=r"got Comparison \(a Comparison: sim.output.comparison.write_comparison"):
        sim.write_results(comparison, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert (write_comparison(comparison, tmp_path / "out") / "compare.csv").exists()
