"""Shared limits made visible, standard racks, utilisation ramps and the projects table's plan
columns (docs/model.md sections 3 and 6), each pinned by a small hand-computed scenario.

Site 's' is 10 degC all year and cooling 'flat' has PUE 1.5, so a phase's peak facility MW (its
grid reservation) is its IT MW x 1.5. Month m is [m, m + 1) counted from 2025-01.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engine.series import GRID_METRICS, SUPPLY_METRICS

from conftest import project, run, scenario_data


def series(results: sim.Results, metric: str) -> list[float]:
    return results.series[metric][0].tolist()


# --- grid headroom and queue -----------------------------------------------------------------


def grid_data():
    # headroom 10 MW. a: 4 MW IT (6 MW peak) due at t = 2 takes it: 4 MW left. b: the same, due at
    # t = 4, waits. c: operating, 1 MW IT (1.5 MW peak), retires at t = 6 and gives 1.5 MW back:
    # 5.5 MW, still short. The 5 MW addition at t = 8 makes 10.5: b takes 6, 4.5 MW left.
    return scenario_data(
        [project("a", status="construction", online="2025-03", it_mw=4),
         project("b", status="construction", online="2025-05", it_mw=4),
         project("c", it_mw=1, retire="2025-07")],
        grid={"headroom_mw": 10, "additions": [{"month": "2025-09", "mw": 5}]},
    )


def test_grid_free_and_queue_are_month_end_levels():
    r = run(grid_data())
    assert series(r, "grid_free_mw") == pytest.approx([10, 10, 4, 4, 4, 4, 5.5, 5.5, 4.5, 4.5, 4.5, 4.5])
    assert series(r, "grid_queue_mw") == [0, 0, 0, 0, 6, 6, 6, 6, 0, 0, 0, 0]
    annual = r.annual.set_index("metric")["mean"]
    assert annual["grid_free_mw"] == pytest.approx(4.5) and annual["grid_queue_mw"] == 0  # at the year end
    assert r.projects.set_index("project").grid_wait_months_mean["b"] == 4  # t = 4 to t = 8


def test_a_request_granted_within_its_month_is_never_waiting_at_a_month_end():
    data = grid_data()
    data["grid"]["additions"][0]["month"] = "2025-05"  # at t = 4, the very moment b asks
    assert series(run(data), "grid_queue_mw") == [0.0] * 12


# --- accelerator supply: backlog and stock ---------------------------------------------------


def test_supply_backlog_and_stock_are_month_end_levels():
    # 100 PFLOPS delivered at t = 0, 1, 2, ... x (250 PFLOPS) and y (100), both due at t = 1, x
    # first. End of month 0: 100 in stock. At t = 1 only 200 are there: x waits, y behind it
    # (backlog 350). At t = 2: 300, x takes 250 (50 left), y waits (backlog 100). At t = 3: 150, y
    # takes 100: 50 left. Then +100 a month.
    ai = {"class": "intelligent", "status": "construction", "online": "2025-02"}
    data = scenario_data([project("x", compute={"pflops": 250, "precision": "FP16"}, **ai),
                          project("y", compute={"pflops": 100, "precision": "FP16"}, **ai)],
                         supply={"ai_pflops_per_month": 100})
    r = run(data)
    assert series(r, "supply_backlog_pflops") == [0, 350, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert series(r, "supply_stock_pflops") == pytest.approx([100, 200, 50, 50, 150, 250, 350, 450, 550, 650, 750, 850])
    assert not set(GRID_METRICS) & set(r.monthly.metric)  # no grid block: no grid rows, not zeros
    assert set(SUPPLY_METRICS) <= set(r.annual.metric)


def test_limits_without_their_blocks_give_no_rows():
    r = run(scenario_data([project("a")]))
    assert not set(GRID_METRICS + SUPPLY_METRICS) & (set(r.monthly.metric) | set(r.annual.metric))
    assert not set(GRID_METRICS + SUPPLY_METRICS) & set(r.series)


# --- standard racks --------------------------------------------------------------------------


def test_racks_are_design_it_mw_over_the_rack_kw():
    # 10 MW IT design online (at utilization 0.5: the racks count design, not load) / 2.5 kW
    r = run(scenario_data([project("a")]))
    assert series(r, "racks") == [4000.0] * 12
    wide = run(scenario_data([project("a")], accounting={"rack_kw": 8}))
    assert series(wide, "racks") == [1250.0] * 12
    assert wide.annual.set_index("metric")["mean"]["racks"] == 1250.0  # a stock: at the year end
    later = run(scenario_data([project("a", status="construction", online="2025-07")]))
    assert series(later, "racks") == [0.0] * 6 + [4000.0] * 6


# --- utilisation ramp ------------------------------------------------------------------------

RAMPED = dict(status="construction", online="2025-03", utilization=0.8, ramp={"months": 4, "start": 0.2})
HALF_MONTH = {"delay_months": {"construction": {"dist": "fixed", "value": 0.5}}}


def test_ramp_integrates_the_linear_utilisation_exactly_over_each_month():
    # online at t = 2.5, u(t) = 0.2 + 0.15 (t - 2.5) until t = 6.5, then 0.8; 10 MW IT design.
    # Mean IT load of a month = 10 x integral of u over the month (x = t - 2.5):
    #   m2 [x 0, 0.5]: 0.5 x 0.2 + 0.15 x 0.5^2/2 = 0.11875       -> 1.1875 MW
    #   m3 [0.5, 1.5]: 0.2 + 0.15 x (1.5^2 - 0.5^2)/2 = 0.35      -> 3.5 MW
    #   m4 [1.5, 2.5]: 0.2 + 0.15 x (2.5^2 - 1.5^2)/2 = 0.5       -> 5 MW
    #   m5 [2.5, 3.5]: 0.2 + 0.15 x (3.5^2 - 2.5^2)/2 = 0.65      -> 6.5 MW
    #   m6 [3.5, 4.5]: 0.5 x 0.2 + 0.15 x (4^2 - 3.5^2)/2 + 0.5 x 0.8 = 0.78125 -> 7.8125 MW
    #   m7 on: 0.8                                                  -> 8 MW
    r = run(scenario_data([project("a", **RAMPED)], uncertainty=HALF_MONTH), replications=1)
    expected = [0, 0, 1.1875, 3.5, 5, 6.5, 7.8125] + [8.0] * 5
    assert series(r, "it_load_mw") == pytest.approx(expected, rel=1e-12, abs=1e-12)
    hours = r.plan.hours
    assert series(r, "energy_mwh") == pytest.approx((np.array(expected) * 1.5 * hours).tolist(), rel=1e-12)
    assert series(r, "it_mw") == [0, 0] + [10.0] * 10  # design MW does not ramp


def test_each_phase_ramps_from_its_own_online_time():
    # two 5 MW phases online at t = 2.5 and 3.5: in month 3 the first is at x 0.5..1.5 (0.35 of a
    # month at full design) and the second at x 0..0.5 (0.11875): 5 x (0.35 + 0.11875) MW
    data = scenario_data([project("a", phases=[0.5, 0.5], phase_gap_months=1, **RAMPED)], uncertainty=HALF_MONTH)
    assert series(run(data), "it_load_mw")[3] == pytest.approx(5 * (0.35 + 0.11875), rel=1e-12)


def test_vouchers_buy_what_a_ramp_leaves_idle():
    # a budget far above the idle capacity fills every online phase to its design power: 10 MW IT
    # from t = 2.5 whatever the ramp (5 MW in month 2, half of it online)
    policies = {"compute_vouchers": {"annual_budget_cny": 1e12, "price_cny_per_pflops_hour": 1}}
    data = scenario_data([project("a", **{**RAMPED, "class": "intelligent"})], uncertainty=HALF_MONTH,
                         policies=policies)
    assert series(run(data), "it_load_mw") == pytest.approx([0, 0, 5] + [10.0] * 9, rel=1e-12)


def test_ramp_is_validated():
    data = scenario_data([project("a", ramp={"months": 0, "start": 0.2})])
    with pytest.raises(sim.ScenarioError, match=r"projects\[a\]\.ramp\.months: must be greater than 0"):
        sim.scenario_from_data(data)
    with pytest.raises(sim.ScenarioError, match=r"projects\[a\]\.ramp: an operating project"):
        sim.scenario_from_data(scenario_data([project("a", ramp={"months": 3, "start": 0.2})]))


# --- the projects table's plan columns -------------------------------------------------------


def test_projects_table_shows_effective_planned_month_policy_shift_design_pue_and_peak_mw():
    # a: construction, 'flat' PUE 1.5, 10 MW IT: peak 15 MW, design PUE 1.5, no shift (being built
    #    when the cap starts in 2025-02).
    # b: registered 2025-05 on 'liquid' (PUE 1.1, under the cap), fast tracked: its fixed 6-month
    #    delay is halved, a policy shift of -3 months; the planned month itself does not move.
    # c: planned 2025-04 on 'flat', above the cap of 1.3: upgraded to 'liquid' and 2 months later:
    #    planned 2025-06, shift +2, design PUE 1.1, peak 10 x 1.1 = 11 MW.
    data = scenario_data(
        [project("a", status="construction", online="2025-03"),
         project("b", status="registered", online="2025-05", cooling="liquid"),
         project("c", status="planned", online="2025-04")],
        uncertainty={"delay_months": {"registered": {"dist": "fixed", "value": 6}}},
        policies={"fast_track": {"delay_scale": 0.5},
                  "pue_cap": {"max_annual_pue": 1.3, "from": "2025-02", "action": "upgrade", "cooling": "liquid",
                              "delay_months": 2}},
    )
    data["cooling"]["liquid"] = {"pue_curve": [[0, 1.1]]}
    table = run(data, replications=2).projects.set_index("project")
    assert table.pue_cap.to_dict() == {"a": "none", "b": "none", "c": "upgraded"}
    assert table.planned_online.to_dict() == {"a": "2025-03", "b": "2025-05", "c": "2025-04"}  # as in the file
    assert table.planned_online_effective.to_dict() == {"a": "2025-03", "b": "2025-05", "c": "2025-06"}
    assert table.policy_shift_months.to_dict() == {"a": 0.0, "b": -3.0, "c": 2.0}
    assert table.online_p50.to_dict() == {"a": "2025-03", "b": "2025-08", "c": "2025-06"}
    assert table.design_pue.to_dict() == pytest.approx({"a": 1.5, "b": 1.1, "c": 1.1})
    assert table.peak_facility_mw.to_dict() == pytest.approx({"a": 15.0, "b": 11.0, "c": 11.0})
