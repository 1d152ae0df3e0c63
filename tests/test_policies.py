"""Policy levers: each lever's effect on a hand-computed scenario, then the same through the CLI.

Month indices count from 2025-01 (index 0). January has 744 hours, a common year 8,760.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.engine.draws import draw_projects
from sim.engine.build import build_plan
from sim.engine.policies import adjust_draws, buy_vouchers, design_annual_pue, pay_subsidy, subsidy_eligible

from policy_scenarios import build, capsim, project, scenario_data, write

JAN = 744.0
YEAR = 8760.0


def run(scenario, replications=1, seed=0):
    return sim.simulate(scenario, replications=replications, seed=seed)


# --- capex_subsidy ---------------------------------------------------------------------------

SUBSIDY = {"capex_subsidy": {"rate": 0.2, "class": "intelligent", "min_pflops": 100, "precision": "FP16"}}


def test_subsidy_is_paid_pro_rata_as_each_phase_comes_online():
    # two phases of 0.5 x 1e9 CNY online 2025-03 and 2026-03: 0.2 x 5e8 = 1e8 each
    results = run(build(project(), policies=SUBSIDY))
    paid = results.series["subsidy_cny"][0]
    expected = np.zeros(24)
    expected[2] = 1.0e8
    expected[14] = 1.0e8
    np.testing.assert_allclose(paid, expected)
    np.testing.assert_allclose(results.series["subsidy_cny_cumulative"][0, [1, 2, 13, 14, 23]],
                               [0, 1e8, 1e8, 2e8, 2e8])


def test_subsidy_budget_pays_claims_in_order_and_carries_the_rest_to_next_year():
    # budget 6e7 a year: 2025-03 pays 6e7 of the first 1e8 claim (4e7 waits); 2026-01 pays those
    # 4e7 first; 2026-03 pays 2e7 of the second claim, and the last 8e7 wait beyond the horizon.
    policies = {"capex_subsidy": {**SUBSIDY["capex_subsidy"], "annual_budget_cny": 6.0e7}}
    results = run(build(project(), policies=policies))
    paid = results.series["subsidy_cny"][0]
    expected = np.zeros(24)
    expected[2], expected[12], expected[14] = 6e7, 4e7, 2e7
    np.testing.assert_allclose(paid, expected)
    annual = results.annual.query("metric == 'subsidy_cny'").set_index("year")["mean"]
    assert annual.to_dict() == pytest.approx({2025: 6e7, 2026: 6e7})
    cumulative = results.annual.query("metric == 'subsidy_cny_cumulative'").set_index("year")["mean"]
    assert cumulative.to_dict() == pytest.approx({2025: 6e7, 2026: 1.2e8})


def test_subsidy_budget_of_a_year_partly_inside_the_horizon_is_pro_rata():
    # horizon from 2025-07: 2025 has 184 days inside it, so its budget is 6e7 x 184 / 365
    data = scenario_data(project(online="2025-08", phases=[1.0]),
                         policies={"capex_subsidy": {"rate": 0.1, "annual_budget_cny": 6.0e7}})
    data["horizon"]["start"] = "2025-07"
    results = run(sim.scenario_from_data(data))
    paid = results.series["subsidy_cny"][0]
    first_year = 6e7 * 184 / 365
    assert paid[1] == pytest.approx(first_year)  # 2025-08: the 1e8 claim, capped by the part-year budget
    assert paid[6] == pytest.approx(6e7)  # 2026-01: a full year's budget towards the remaining 7.0e7
    assert paid.sum() == pytest.approx(first_year + 6e7)


def test_pay_subsidy_per_replication_rows_are_independent():
    claims = np.array([[5.0, 0, 0, 7.0], [0, 0, 0, 0]])
    budget = np.array([[3.0, 4.0], [3.0, 4.0]])
    paid = pay_subsidy(claims, budget, np.array([0, 0, 1, 1]))
    np.testing.assert_allclose(paid, [[3.0, 0, 2.0, 2.0], [0, 0, 0, 0]])


def test_subsidy_eligibility_by_class_size_precision_and_status():
    data = scenario_data(
        project(id="big-ai"),
        project(id="general", **{"class": "general"}),
        project(id="small-ai", compute={"pflops": 50, "precision": "FP16"}),
        project(id="fp8-ai", compute={"pflops": 150, "precision": "FP8"}),  # 150 x 0.5 = 75 FP16-equivalent
        project(id="running", status="operating"),
        policies=SUBSIDY,
    )
    data["accounting"] = {"factors": {"FP8": 0.5}}
    scenario = sim.scenario_from_data(data)
    eligible = {p.id: subsidy_eligible(scenario, p) for p in scenario.projects}
    assert eligible == {"big-ai": True, "general": False, "small-ai": False, "fp8-ai": False, "running": False}
    assert list(run(scenario).projects["subsidy_eligible"]) == [True, False, False, False, False]


def test_go_bonus_uses_the_same_uniform_so_it_only_turns_no_go_into_go():
    uncertainty = {"go_probability": {"registered": 0.5}}
    plain = build(*[project(id=f"p{i}", status="registered") for i in range(40)], uncertainty=uncertainty)
    bonus = np.full(40, 0.3)
    for replication in range(5):
        go, _ = draw_projects(plain, 11, replication)
        go_bonus, _ = draw_projects(plain, 11, replication, go_bonus=bonus)
        assert (go_bonus >= go).all()  # every project that went still goes
        go_full, _ = draw_projects(plain, 11, replication, go_bonus=np.full(40, 0.5))
        assert go_full.all()  # 0.5 + 0.5 = 1: certain


def test_subsidy_bonus_raises_go_share_only_for_eligible_projects_and_only_with_money():
    uncertainty = {"go_probability": {"registered": 0.5}}
    projects = [project(id="ai", status="registered"), project(id="gen", status="registered", **{"class": "general"})]
    policies = {"capex_subsidy": {**SUBSIDY["capex_subsidy"], "go_probability_bonus": 0.5}}
    with_bonus = run(build(*projects, uncertainty=uncertainty, policies=policies), replications=200)
    without = run(build(*projects, uncertainty=uncertainty), replications=200)
    assert with_bonus.projects.set_index("project").go_share.to_dict()["ai"] == 1.0
    assert with_bonus.project_go[:, 1].tolist() == without.project_go[:, 1].tolist()
    no_money = {"capex_subsidy": {**policies["capex_subsidy"], "rate": 0}}
    assert run(build(*projects, uncertainty=uncertainty, policies=no_money), replications=200
               ).project_go.tolist() == without.project_go.tolist()


def test_delay_reduction_and_fast_track_transform_the_drawn_delay():
    scenario = build(project(id="a"), project(id="b"), project(id="c"), project(id="d"))
    policy = build_plan(scenario).policy
    from dataclasses import replace

    policy = replace(policy, delay_reduction_months=np.full(4, 2.0), delay_scale=np.array([1, 1, 1, 0.5]))
    go, delay = adjust_draws(policy, np.ones(4, dtype=bool), np.array([-1.0, 0.5, 3.0, 10.0]))
    # early stays early; 0.5 - 2 stops at 0; 3 - 2 = 1; 10 x 0.5 - 2 = 3
    np.testing.assert_allclose(delay, [-1.0, 0.0, 1.0, 3.0])


def test_subsidy_delay_reduction_moves_an_eligible_project_earlier():
    uncertainty = {"delay_months": {"registered": {"dist": "fixed", "value": 6}}}
    registered = project(status="registered", phases=[1.0])
    policies = {"capex_subsidy": {"rate": 0.2, "delay_reduction_months": 2}}
    base = run(build(registered, uncertainty=uncertainty))
    subsidised = run(build(registered, uncertainty=uncertainty, policies=policies))
    assert base.projects.online_p50[0] == "2025-09"  # 2025-03 + 6
    assert subsidised.projects.online_p50[0] == "2025-07"  # 2025-03 + 6 - 2


# --- fast_track ------------------------------------------------------------------------------


def test_fast_track_scales_the_delay_of_registered_and_planned_projects_from_its_month():
    uncertainty = {"delay_months": {status: {"dist": "fixed", "value": 6} for status in ("construction", "registered", "planned")}}
    projects = [
        project(id="reg", status="registered", phases=[1.0]),
        project(id="plan", status="planned", phases=[1.0]),
        project(id="built", status="construction", phases=[1.0]),
        project(id="early", status="registered", phases=[1.0], online="2025-01"),
    ]
    policies = {"fast_track": {"delay_scale": 0.5, "from": "2025-02"}}
    table = run(build(*projects, uncertainty=uncertainty, policies=policies)).projects.set_index("project")
    # 2025-03 + 6 x 0.5 = 2025-06; construction and a project planned before `from` keep 6 months
    assert table.online_p50.to_dict() == {"reg": "2025-06", "plan": "2025-06", "built": "2025-09", "early": "2025-07"}


# --- compute_vouchers ------------------------------------------------------------------------

OPERATING_AI = dict(status="operating", online=None, phases=[1.0], phase_gap_months=0)


def voucher_scenario(budget_cny, price=10.0, **changes):
    data = scenario_data(project(**{**OPERATING_AI, **changes}),
                         policies={"compute_vouchers": {"annual_budget_cny": budget_cny,
                                                        "price_cny_per_pflops_hour": price}})
    data["horizon"]["end"] = "2025-12"
    return sim.scenario_from_data(data)


def test_vouchers_buy_pflops_hours_spread_over_the_year_and_raise_the_it_load():
    # 1000 PFLOPS at utilization 0.5: 500 PFLOPS idle. 2.19e7 CNY at 10 CNY per PFLOPS-hour buys
    # 2.19e6 PFLOPS-hours a year = 250 PFLOPS every hour: half the idle part, so IT load goes
    # from 5 MW to 5 + 2.5 = 7.5 MW and facility power (PUE 1.5) to 11.25 MW.
    results = run(voucher_scenario(2.19e7))
    s = results.series
    assert s["voucher_pflops_hours"][0, 0] == pytest.approx(250 * JAN)
    assert s["voucher_cny"][0, 0] == pytest.approx(250 * JAN * 10)
    assert s["voucher_pflops_hours"][0].sum() == pytest.approx(2.19e6)
    np.testing.assert_allclose(s["it_load_mw"][0], 7.5)
    np.testing.assert_allclose(s["facility_mw"][0], 11.25)
    assert s["energy_mwh"][0, 0] == pytest.approx(11.25 * JAN)
    annual = results.annual.query("year == 2025").set_index("metric")["mean"]
    assert annual["voucher_cny"] == pytest.approx(2.19e7)
    assert annual["energy_mwh"] == pytest.approx(11.25 * YEAR)


def test_vouchers_never_raise_utilization_above_one_and_unspent_budget_lapses():
    # four times the budget: 1000 PFLOPS wanted every hour, only 500 idle -> utilization 1
    results = run(voucher_scenario(4 * 2.19e7))
    s = results.series
    np.testing.assert_allclose(s["it_load_mw"][0], 10.0)
    assert s["voucher_pflops_hours"][0].sum() == pytest.approx(500 * YEAR)
    assert s["voucher_cny"][0].sum() == pytest.approx(500 * YEAR * 10)  # half the budget lapses


def test_budget_waiting_for_capacity_is_spent_over_the_rest_of_the_year():
    # capacity online from 2025-07 (184 days): the year's 2.19e6 PFLOPS-hours are spread over
    # its 4,416 remaining hours, 495.9 PFLOPS an hour (< 500 idle), so all of it is spent.
    results = run(voucher_scenario(2.19e7, status="construction", online="2025-07"))
    bought = results.series["voucher_pflops_hours"][0]
    assert bought[:6].sum() == 0
    assert bought[6] == pytest.approx(2.19e6 * JAN / 4416)
    assert bought.sum() == pytest.approx(2.19e6)


def test_vouchers_from_a_month_get_that_part_of_the_years_budget():
    hours = np.array([744.0, 672, 744, 720])
    bought = buy_vouchers(np.full((1, 4), 1e9), np.array([[100.0]]), np.zeros(4, dtype=int),
                          np.array([False, False, True, True]), hours)
    np.testing.assert_allclose(bought[0], [0, 0, 100 * 744 / 1464, 100 * 720 / 1464])
    scenario = voucher_scenario(2.19e7)
    later = scenario.model_copy(update={"policies": scenario.policies.model_copy(update={
        "compute_vouchers": scenario.policies.compute_vouchers.model_copy(update={"from_": "2025-07"})})})
    assert run(later).series["voucher_pflops_hours"][0].sum() == pytest.approx(2.19e6 * 4416 / YEAR)


def test_a_voucher_price_at_a_precision_buys_the_same_capacity_on_any_reporting_basis():
    # Price 10 CNY per PFLOPS-hour FP16. Reported as FP16 x 0.25 the project is 250 PFLOPS with
    # 125 idle, and one FP16 PFLOPS-hour is 0.25 reported PFLOPS-hours: the price becomes 40 CNY
    # per reported PFLOPS-hour, 2.19e7 CNY buys 5.475e5 of them (62.5 every hour, half the idle
    # part) and the IT load is 7.5 MW as on the FP16 basis. Without `precision` the price is per
    # reported PFLOPS-hour and the same budget would buy four times the capacity.
    def priced(precision, fp16_factor):
        data = scenario_data(project(**OPERATING_AI),
                             accounting={"factors": {"FP16": fp16_factor}},
                             policies={"compute_vouchers": {"annual_budget_cny": 2.19e7,
                                                            "price_cny_per_pflops_hour": 10,
                                                            **({"precision": precision} if precision else {})}})
        data["horizon"]["end"] = "2025-12"
        return run(sim.scenario_from_data(data)).series

    as_fp16, fp32_eq = priced("FP16", 1.0), priced("FP16", 0.25)
    assert fp32_eq["voucher_pflops_hours"][0].sum() == pytest.approx(2.19e6 * 0.25)
    assert fp32_eq["voucher_cny"][0].sum() == pytest.approx(2.19e7)
    np.testing.assert_allclose(fp32_eq["it_load_mw"][0], 7.5)
    np.testing.assert_allclose(fp32_eq["energy_mwh"][0], as_fp16["energy_mwh"][0])
    np.testing.assert_allclose(priced(None, 0.25)["it_load_mw"][0], 10.0)  # reporting-basis price


def test_vouchers_only_buy_intelligent_capacity():
    results = run(voucher_scenario(2.19e7, **{"class": "general"}))
    assert results.series["voucher_pflops_hours"].sum() == 0
    np.testing.assert_allclose(results.series["it_load_mw"][0], 5.0)


# --- pue_cap ---------------------------------------------------------------------------------


def test_design_annual_pue_is_the_day_weighted_mean_over_the_sites_months():
    scenario = build(project())
    assert design_annual_pue(scenario, "seasonal", "air") == pytest.approx((181 * 1.2 + 184 * 1.6) / 365)
    assert design_annual_pue(scenario, "seasonal", "liquid") == pytest.approx((181 * 1.1 + 184 * 1.2) / 365)


def cap(action, **extra):
    return {"pue_cap": {"max_annual_pue": 1.4, "action": action, **extra}}


SEASONAL_AIR = dict(site="seasonal", cooling="air", phases=[1.0])


def test_pue_cap_reject_means_never_built():
    results = run(build(project(**SEASONAL_AIR), policies=cap("reject")))
    row = results.projects.iloc[0]
    assert (row.pue_cap, row.go_share, row.online_p50) == ("rejected", 0.0, "")
    assert results.series["total_eflops"].max() == 0


def test_pue_cap_upgrade_switches_cooling_adds_capex_and_delay():
    policies = cap("upgrade", cooling="liquid", extra_capex_share=0.1, delay_months=3)
    results = run(build(project(**SEASONAL_AIR), policies=policies))
    row = results.projects.iloc[0]
    assert (row.pue_cap, row.online_p50) == ("upgraded", "2025-06")  # 2025-03 + 3
    assert results.series["investment_cny"][0, -1] == pytest.approx(1.1e9)
    # facility power now follows liquid cooling: PUE 1.1 in June (0 degC), 1.2 from July (20 degC)
    pue = results.series["pue"][0]
    assert pue[5] == pytest.approx(1.1) and pue[6] == pytest.approx(1.2)


def test_pue_cap_leaves_projects_under_the_cap_operating_or_planned_before_from():
    projects = [
        project(id="ok", site="seasonal", cooling="liquid", phases=[1.0]),
        project(id="running", status="operating", online=None, **SEASONAL_AIR),
        project(id="early", online="2025-02", **SEASONAL_AIR),
        project(id="late", status="registered", online="2025-06", **SEASONAL_AIR),
    ]
    results = run(build(*projects, policies=cap("reject", **{"from": "2025-06"})))
    assert results.projects.set_index("project").pue_cap.to_dict() == {
        "ok": "none", "running": "none", "early": "none", "late": "rejected"}


def test_pue_cap_upgrade_that_still_misses_the_cap_is_a_rejection():
    policies = {"pue_cap": {"max_annual_pue": 1.1, "action": "upgrade", "cooling": "liquid"}}
    assert run(build(project(**SEASONAL_AIR), policies=policies)).projects.pue_cap[0] == "rejected"


def test_pue_cap_upgrade_needs_a_known_cooling():
    with pytest.raises(sim.ScenarioError) as error:
        build(project(), policies=cap("upgrade"))
    assert "needs `cooling`" in str(error.value)
    with pytest.raises(sim.ScenarioError, match="unknown cooling 'liquidd'; did you mean 'liquid'"):
        build(project(), policies=cap("upgrade", cooling="liquidd"))


# --- emissions -------------------------------------------------------------------------------


def test_carbon_is_grid_energy_times_factor_with_green_share_interpolated_by_year():
    # 5 MW IT x PUE 1.5 = 7.5 MW; January 5,580 MWh. Green share 0.2 in 2025, 0.6 in 2027 -> 0.4 in 2026
    operating = project(**OPERATING_AI)
    policies = {"emissions": {"grid_t_per_mwh": 0.5, "green_share": {2025: 0.2, 2027: 0.6}}}
    s = run(build(operating, policies=policies)).series
    assert s["energy_mwh"][0, 0] == pytest.approx(5580)
    assert s["green_mwh"][0, 0] == pytest.approx(1116)
    assert s["carbon_t"][0, 0] == pytest.approx((5580 - 1116) * 0.5)
    assert s["green_mwh"][0, 12] == pytest.approx(5580 * 0.4)
    assert s["carbon_t"][0, 12] == pytest.approx(5580 * 0.6 * 0.5)


def test_carbon_with_one_green_share_and_without_an_emissions_block():
    operating = project(**OPERATING_AI)
    s = run(build(operating, policies={"emissions": {"grid_t_per_mwh": 0.5, "green_share": 0.25}})).series
    np.testing.assert_allclose(s["carbon_t"][0], s["energy_mwh"][0] * 0.75 * 0.5)
    plain = run(build(operating))
    assert np.isnan(plain.series["carbon_t"]).all()
    assert plain.series["subsidy_cny"].sum() == 0 and plain.series["voucher_cny"].sum() == 0


def test_policy_metrics_are_in_every_output_table():
    results = run(build(project()))
    for name in ("subsidy_cny", "subsidy_cny_cumulative", "voucher_pflops_hours", "voucher_cny", "green_mwh", "carbon_t"):
        assert name in set(results.monthly.metric) and name in set(results.annual.metric)


def test_drawn_policy_parameters_change_per_replication():
    uncertainty = {"parameters": {"policies.capex_subsidy.rate": {"dist": "uniform", "low": 0.1, "high": 0.3}}}
    results = run(build(project(), policies=SUBSIDY, uncertainty=uncertainty), replications=20)
    rates = results.series["subsidy_cny"][:, 2] / 5e8
    assert rates.min() >= 0.1 and rates.max() <= 0.3 and rates.std() > 0


# --- the levers through the CLI --------------------------------------------------------------

CLI_CASES = {
    "capex_subsidy": (
        dict(projects=[project()], policies={"capex_subsidy": {**SUBSIDY["capex_subsidy"], "annual_budget_cny": 6e7}}),
        "annual", "subsidy_cny", {2025: 6e7, 2026: 6e7},
    ),
    "compute_vouchers": (
        dict(projects=[project(**OPERATING_AI)],
             policies={"compute_vouchers": {"annual_budget_cny": 2.19e7, "price_cny_per_pflops_hour": 10}}),
        "annual", "voucher_pflops_hours", {2025: 2.19e6, 2026: 2.19e6},
    ),
    "pue_cap": (
        dict(projects=[project(**SEASONAL_AIR)], policies=cap("reject")),
        "projects", "pue_cap", {"ai": "rejected"},
    ),
    "emissions": (
        dict(projects=[project(**OPERATING_AI)], policies={"emissions": {"grid_t_per_mwh": 0.5, "green_share": 0}}),
        "annual", "carbon_t", {2025: 7.5 * YEAR * 0.5, 2026: 7.5 * YEAR * 0.5},
    ),
    "fast_track": (
        dict(projects=[project(status="planned", phases=[1.0])], policies={"fast_track": {"delay_scale": 0.5}},
             uncertainty={"delay_months": {"planned": {"dist": "fixed", "value": 6}}}),
        "projects", "online_p50", {"ai": "2025-06"},
    ),
}


@pytest.mark.parametrize("lever", list(CLI_CASES))
def test_each_lever_through_the_cli(tmp_path, lever):
    blocks, table, column, expected = CLI_CASES[lever]
    projects = blocks.pop("projects")
    path = write(tmp_path, scenario_data(*projects, **blocks))
    done = capsim("run", path, "-r", "3", "--out", tmp_path / "out", "-q")
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(tmp_path / "out" / f"{table}.csv")
    if table == "annual":
        got = frame[frame.metric == column].set_index("year")["mean"].to_dict()
        assert got == pytest.approx(expected)
    else:
        assert frame.set_index("project")[column].to_dict() == expected
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert lever in manifest["resolved_scenario"]["policies"]


def test_run_summary_reports_policy_totals():
    policies = {**SUBSIDY, **cap("reject"), "emissions": {"grid_t_per_mwh": 0.5}}
    # "ai" on liquid cooling (PUE 1.15 at 10 degC): 2.5 MW IT per phase, x 1.15, online from 2025-03
    # (16,104 h to the horizon end) and 2026-03 (7,344 h): 67,413 MWh x 0.5 t = 0.03 Mt
    text = sim.summary_text(run(build(project(cooling="liquid"), project(id="hot", **SEASONAL_AIR), policies=policies)))
    assert text.splitlines()[-1] == ("policies over the horizon: subsidy paid 0.20 bn CNY; "
                                     "PUE cap: 0 upgraded, 1 rejected; carbon 0.03 Mt")
    assert "policies" not in sim.summary_text(run(build(project())))


# --- properties of the budget rules ----------------------------------------------------------
amounts = st.floats(min_value=0, max_value=1e9, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(claims=st.lists(amounts, min_size=24, max_size=24), budgets=st.lists(amounts, min_size=2, max_size=2))
def test_subsidy_never_pays_more_than_claimed_or_budgeted(claims, budgets):
    year = np.repeat([0, 1], 12)
    paid = pay_subsidy(np.array([claims]), np.array([budgets]), year)[0]
    assert (paid >= 0).all()
    assert (np.cumsum(paid) <= np.cumsum(claims) * (1 + 1e-12) + 1e-6).all()  # never before it is claimed
    for y in (0, 1):
        assert paid[year == y].sum() <= budgets[y] * (1 + 1e-12) + 1e-6
    # what is left unpaid at the end is exactly what the budgets could not cover
    assert paid.sum() == pytest.approx(min(sum(claims), budgets[0] + budgets[1]) if sum(claims[:12]) >= budgets[0]
                                       else min(sum(claims), sum(claims[:12]) + budgets[1]), rel=1e-9, abs=1e-3)


@settings(max_examples=60, deadline=None)
@given(spare=st.lists(amounts, min_size=12, max_size=12), budget=amounts)
def test_vouchers_never_buy_more_than_idle_capacity_or_budget(spare, budget):
    hours = np.array([744.0, 672, 744, 720, 744, 720, 744, 744, 720, 744, 720, 744])
    bought = buy_vouchers(np.array([spare]), np.array([[budget]]), np.zeros(12, dtype=int), np.ones(12, dtype=bool), hours)[0]
    assert (bought >= 0).all() and (bought <= np.array(spare) + 1e-9).all()
    assert bought.sum() <= budget * (1 + 1e-12) + 1e-6
    if min(spare) * 8760 >= budget * 744:  # ample capacity every month: all of it is spent, evenly by hours
        assert bought.sum() == pytest.approx(budget, rel=1e-9, abs=1e-6)


# --- from / until: a lever acts from when it exists (docs/policies.md, "When a lever acts") ---
# Horizon 2025-01..2026-12. With `from` 2025-06: a registered project planned online 2025-03 has
# decided already (unaffected), one planned 2025-08 is still open (affected); a construction project
# is being built at any `from` after the horizon start (unaffected).

FIXED_6 = {"dist": "fixed", "value": 6}
DATED = [project(id="early", status="registered", online="2025-03", phases=[1.0]),
         project(id="late", status="registered", online="2025-08", phases=[1.0]),
         project(id="building", status="construction", online="2025-08", phases=[1.0])]


def online_p50(results) -> dict:
    return results.projects.set_index("project").online_p50.to_dict()


def test_subsidy_delay_reduction_reaches_only_decisions_open_at_from():
    uncertainty = {"delay_months": {"registered": FIXED_6, "construction": FIXED_6}}
    subsidy = {"rate": 0.2, "delay_reduction_months": 2}
    dated = run(build(*DATED, uncertainty=uncertainty, policies={"capex_subsidy": {**subsidy, "from": "2025-06"}}))
    # early 2025-03 + 6; late 2025-08 + 6 - 2; building 2025-08 + 6
    assert online_p50(dated) == {"early": "2025-09", "late": "2025-12", "building": "2026-02"}
    always = run(build(*DATED, uncertainty=uncertainty, policies={"capex_subsidy": subsidy}))
    assert online_p50(always) == {"early": "2025-07", "late": "2025-12", "building": "2025-12"}  # as before


def test_subsidy_go_bonus_reaches_only_decisions_open_at_from():
    # go probability 0 + bonus 1: a reached project goes in every replication, another in none
    policies = {"capex_subsidy": {"rate": 0.2, "go_probability_bonus": 1.0, "from": "2025-06", "until": "2026-06"}}
    projects = DATED[:2] + [project(id="after", status="registered", online="2026-08", phases=[1.0])]
    results = run(build(*projects, uncertainty={"go_probability": {"registered": 0.0}}, policies=policies),
                  replications=20)
    assert results.projects.set_index("project").go_share.to_dict() == {"early": 0.0, "late": 1.0, "after": 0.0}


def test_subsidy_pays_only_phases_online_between_from_and_until_from_that_budget():
    # phases online 2025-03 (before `from`, unpaid) and 2026-03 (claims 1e8). The annual budget
    # 1.2e8 exists only from 2025-06 to 2026-06: 2026 has 1.2e8 x 181 / 365 (January-June).
    policies = {"capex_subsidy": {"rate": 0.2, "from": "2025-06", "until": "2026-06", "annual_budget_cny": 1.2e8}}
    paid = run(build(project(), policies=policies)).series["subsidy_cny"][0]
    expected = np.zeros(24)
    expected[14] = 1.2e8 * 181 / 365
    np.testing.assert_allclose(paid, expected)
    unlimited = {"capex_subsidy": {"rate": 0.2, "from": "2025-06", "until": "2026-02"}}
    assert run(build(project(), policies=unlimited)).series["subsidy_cny"].sum() == 0  # 2026-03 is after until


def test_vouchers_are_spent_only_between_from_and_until():
    # April-September 2025: 183 days = 4,392 h of the year's 8,760, so that share of 2.19e6
    # PFLOPS-hours, spread by hours: 250 PFLOPS in every hour of those months, none outside them
    scenario = voucher_scenario(2.19e7)
    dated = scenario.policies.compute_vouchers.model_copy(update={"from_": "2025-04", "until": "2025-09"})
    scenario = scenario.model_copy(update={"policies": scenario.policies.model_copy(update={"compute_vouchers": dated})})
    bought = run(scenario).series["voucher_pflops_hours"][0]
    hours = sim.engine.build.build_plan(scenario).hours
    np.testing.assert_allclose(bought, np.where((np.arange(12) >= 3) & (np.arange(12) <= 8), 250 * hours, 0.0))


def test_pue_cap_reaches_only_decisions_open_at_from_and_planned_online_by_until():
    projects = [project(id=p["id"], status=p["status"], online=p["online"], site="seasonal", cooling="air")
                for p in DATED] + [project(id="after", status="planned", online="2026-03", **SEASONAL_AIR)]
    dated = run(build(*projects, policies=cap("reject", **{"from": "2025-06", "until": "2025-12"})))
    assert dated.projects.set_index("project").pue_cap.to_dict() == {
        "early": "none", "late": "rejected", "building": "none", "after": "none"}
    # without `from` (or with `from` at the horizon start) construction projects are reached, as before
    for extra in ({}, {"from": "2025-01"}):
        capped = run(build(*projects, policies=cap("reject", **extra))).projects.set_index("project").pue_cap
        assert set(capped) == {"rejected"}


def test_fast_track_reaches_only_projects_planned_online_by_until():
    uncertainty = {"delay_months": {"registered": FIXED_6, "construction": FIXED_6}}
    projects = DATED + [project(id="after", status="registered", online="2025-12", phases=[1.0])]
    policies = {"fast_track": {"delay_scale": 0.5, "from": "2025-06", "until": "2025-10"}}
    # late: 2025-08 + 6 x 0.5; the others keep 6 months
    assert online_p50(run(build(*projects, uncertainty=uncertainty, policies=policies))) == {
        "early": "2025-09", "late": "2025-11", "building": "2026-02", "after": "2026-06"}


def test_until_before_from_is_refused():
    with pytest.raises(sim.ScenarioError, match=r"policies.fast_track.until: must not be before from 2026-01 \(got 2025-06\)"):
        build(project(), policies={"fast_track": {"delay_scale": 0.5, "from": "2026-01", "until": "2025-06"}})
