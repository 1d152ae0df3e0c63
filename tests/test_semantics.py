"""The model's semantics (docs/model.md), each pinned by a small hand-computed scenario.

Numbers in the expectations are worked out by hand in the comments: hours per month are calendar
days x 24 (January 744 h, February 2025 672 h, April 720 h).
"""

from __future__ import annotations

import math

import pytest

import sim
from sim.engine.draws import draw_projects
from sim.engine.model import simulate_replication
from sim.engine.build import build_plan

from conftest import project, run, scenario_data


def series(results: sim.Results, metric: str) -> list[float]:
    """Replication 0's monthly values of ``metric``."""
    return results.series[metric][0].tolist()


def event_log(data: dict):
    """The event log of replication 0 (seed 0) of a scenario."""
    scenario = sim.scenario_from_data(data)
    go, delay = draw_projects(scenario, seed=0, replication=0)
    return simulate_replication(build_plan(scenario), go, delay)


# --- 1. one operating project: time, stocks and flows ---------------------------------------


def test_operating_project_is_online_all_horizon_with_calendar_hour_energy():
    r = run(scenario_data([project("a", investment_cny=1e9)]))
    # 1,000 PFLOPS FP32 x factor 1 / 1000 = 1 EFLOPS, general
    assert series(r, "total_eflops") == [1.0] * 12
    assert series(r, "general_eflops") == [1.0] * 12
    assert series(r, "intelligent_share") == [0.0] * 12
    assert series(r, "it_mw") == [10.0] * 12
    assert series(r, "projects_online") == [1.0] * 12
    assert series(r, "investment_cny") == [1e9] * 12
    # IT load 10 MW x 0.5 = 5 MW; facility 5 x 1.5 = 7.5 MW
    assert series(r, "it_load_mw") == pytest.approx([5.0] * 12)
    assert series(r, "facility_mw") == pytest.approx([7.5] * 12)
    assert series(r, "pue") == pytest.approx([1.5] * 12)
    energy = series(r, "energy_mwh")
    assert energy[0] == pytest.approx(7.5 * 744)  # January: 5,580 MWh
    assert energy[1] == pytest.approx(7.5 * 672)  # February 2025: 5,040 MWh
    assert energy[3] == pytest.approx(7.5 * 720)  # April: 5,400 MWh
    assert sum(energy) == pytest.approx(7.5 * 8760)  # 65,700 MWh in 2025


def test_leap_february_has_696_hours():
    r = run(scenario_data([project("a")], start="2028-01", end="2028-03"))
    assert series(r, "energy_mwh")[1] == pytest.approx(7.5 * 696)


# --- 2. coming online: phases, due times, stocks at month end --------------------------------


PHASED = project(
    "ai", **{"class": "intelligent"}, compute={"pflops": 2000, "precision": "FP16"}, it_mw=20,
    status="construction", online="2025-03", phases=[0.25, 0.75], phase_gap_months=2,
    investment_cny=1e9,
)


def test_phases_come_online_at_online_plus_k_gaps():
    log = event_log(scenario_data([PHASED]))
    # online 2025-03 is t = 2; phase 1 two months later
    assert log.on.tolist() == [2.0, 4.0]
    assert log.off.tolist() == [math.inf, math.inf]


def test_phased_project_capacity_power_and_investment_by_month():
    r = run(scenario_data([PHASED]))
    # phase 0: 2,000 x 0.25 = 500 PFLOPS = 0.5 EFLOPS from month 2; all 2 EFLOPS from month 4
    assert series(r, "total_eflops") == [0, 0, 0.5, 0.5, 2, 2, 2, 2, 2, 2, 2, 2]
    assert series(r, "intelligent_eflops") == series(r, "total_eflops")
    assert series(r, "intelligent_share") == [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    assert series(r, "it_mw") == [0, 0, 5, 5, 20, 20, 20, 20, 20, 20, 20, 20]
    assert series(r, "investment_cny") == [0, 0, 2.5e8, 2.5e8] + [1e9] * 8
    energy = series(r, "energy_mwh")
    # March: 20 MW x 0.25 x 0.5 = 2.5 MW IT, x 1.5 = 3.75 MW for 744 h = 2,790 MWh
    assert energy[2] == pytest.approx(2790.0)
    # May: 10 MW IT x 1.5 x 744 h = 11,160 MWh
    assert energy[4] == pytest.approx(11160.0)
    assert energy[:2] == [0.0, 0.0]
    # PUE is undefined (NaN) while nothing runs
    assert math.isnan(series(r, "pue")[0]) and series(r, "pue")[2] == pytest.approx(1.5)


def test_fractional_online_time_counts_in_stock_and_half_the_energy():
    data = scenario_data(
        [project("a", status="construction", online="2025-03")],
        uncertainty={"delay_months": {"construction": {"dist": "fixed", "value": 0.5}}},
    )
    r = run(data)
    # online at t = 2.5: counts at the end of March (2.5 < 3)
    assert series(r, "total_eflops")[1:4] == [0.0, 1.0, 1.0]
    energy = series(r, "energy_mwh")
    # half of March: 372 h x 7.5 MW = 2,790 MWh; April full: 720 h x 7.5 = 5,400 MWh
    assert energy[2] == pytest.approx(2790.0)
    assert energy[3] == pytest.approx(5400.0)
    assert series(r, "facility_mw")[2] == pytest.approx(3.75)  # mean over the whole month


def test_phase_due_before_start_is_online_from_t0_and_after_horizon_never():
    data = scenario_data([
        project("early", status="construction", online="2024-06"),
        project("late", status="construction", online="2026-03"),
    ])
    log = event_log(data)
    assert log.on.tolist() == [0.0, math.inf]
    r = run(data)
    assert series(r, "total_eflops") == [1.0] * 12
    row = r.projects.set_index("project").loc["late"]
    assert row.online_p50 == "never"


def test_accounting_factor_converts_to_the_reporting_basis():
    data = scenario_data(
        [project("a", **{"class": "intelligent"}, compute={"pflops": 2000, "precision": "FP16"})],
        accounting={"label": "FP32-equivalent", "factors": {"FP16": 0.5}},
    )
    assert series(run(data), "intelligent_eflops") == [1.0] * 12


def test_projects_online_counts_projects_not_phases():
    r = run(scenario_data([project("a"), PHASED]))
    assert series(r, "projects_online") == [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]


# --- 3. shared limits: grid and supply, strict FIFO -------------------------------------------


def test_grid_wait_is_first_come_first_served():
    # flat PUE 1.5, so peak facility MW = 1.5 x IT MW
    data = scenario_data(
        [
            project("a", status="construction", online="2025-01", it_mw=6),   # peak 9 at t=0
            project("b", status="construction", online="2025-02", it_mw=2),   # peak 3 at t=1
            project("c", status="construction", online="2025-03", it_mw=2),   # peak 3 at t=2
            project("d", status="construction", online="2025-04", it_mw=0.5),  # peak 0.75 at t=3
        ],
        grid={"headroom_mw": 10, "additions": [{"month": "2025-07", "mw": 6}]},
    )
    log = event_log(data)
    # a takes 9 of 10 at t=0. b (3) waits; c and d queue behind b although 1 MW would fit d:
    # strict FIFO. At t=6, +6 MW -> 7: b takes 3, c 3, d 0.75, all at t=6.
    assert log.on.tolist() == [0.0, 6.0, 6.0, 6.0]
    assert log.grid_wait.tolist() == [0.0, 5.0, 4.0, 3.0]
    r = run(data)
    waits = r.projects.set_index("project").grid_wait_months_mean.to_dict()
    assert waits == {"a": 0.0, "b": 5.0, "c": 4.0, "d": 3.0}


def test_supply_is_delivered_monthly_and_served_in_order():
    intelligent = {"class": "intelligent", "status": "construction"}
    data = scenario_data(
        [
            project("x", **intelligent, compute={"pflops": 350, "precision": "FP16"}, online="2025-01"),
            project("y", **intelligent, compute={"pflops": 100, "precision": "FP16"}, online="2025-02"),
            project("g", status="construction", online="2025-01"),  # general: takes no accelerators
        ],
        supply={"ai_pflops_per_month": 100},
        uncertainty={"delay_months": {"construction": {"dist": "fixed", "value": 0}}},
    )
    log = event_log(data)
    # deliveries of 100 at t = 0, 1, 2, 3 -> 400 >= 350 at t=3; x leaves 50; +100 at t=4 -> y
    assert log.on.tolist() == [3.0, 4.0, 0.0]
    assert log.supply_wait[:2].tolist() == [3.0, 3.0]
    assert math.isnan(log.supply_wait[2])


def test_undrawn_supply_accumulates_for_a_late_request():
    late = project("z", **{"class": "intelligent"}, status="construction", online="2025-06",
                   compute={"pflops": 550, "precision": "FP16"})
    data = scenario_data([late], supply={"ai_pflops_per_month": 100},
                         uncertainty={"delay_months": {"construction": {"dist": "fixed", "value": 0.5}}})
    log = event_log(data)
    # asks at t = 5.5; deliveries at t = 0..5 hold 600 >= 550: no wait
    assert log.on.tolist() == [5.5]
    assert log.supply_wait.tolist() == [0.0]


def test_grid_then_supply_waits_add_up():
    ai = project("ai", **{"class": "intelligent"}, status="construction", online="2025-01",
                 compute={"pflops": 300, "precision": "FP16"}, it_mw=2)  # peak 3 MW
    data = scenario_data([ai], grid={"headroom_mw": 0, "additions": [{"month": "2025-03", "mw": 3}]},
                         supply={"ai_pflops_per_month": 50})
    log = event_log(data)
    # grid at t=2; supply asked at t=2 holds 150 (t=0,1,2); 300 reached at t=5
    assert log.grid_wait.tolist() == [2.0]
    assert log.supply_wait.tolist() == [3.0]
    assert log.on.tolist() == [5.0]


# --- retirement ------------------------------------------------------------------------------


def test_retirement_takes_every_phase_out_and_returns_grid_headroom():
    data = scenario_data(
        [
            project("old", retire="2025-07"),  # operating; holds 15 MW of grid until t=6
            project("new", status="construction", online="2025-02", it_mw=10),  # needs 15 MW
        ],
        grid={"headroom_mw": 0},
    )
    log = event_log(data)
    assert log.on.tolist() == [0.0, 6.0]
    assert log.off.tolist() == [6.0, math.inf]
    r = run(data)
    assert series(r, "projects_online") == [1] * 12
    energy = series(r, "energy_mwh")
    # July: old is out from t=6, new is in from t=6: still 7.5 MW x 744 h
    assert energy[6] == pytest.approx(7.5 * 744)


def test_retired_project_leaves_capacity_and_energy():
    r = run(scenario_data([project("old", retire="2025-07")]))
    assert series(r, "total_eflops") == [1.0] * 6 + [0.0] * 6
    assert series(r, "energy_mwh")[6:] == [0.0] * 6
    assert series(r, "intelligent_share")[6:] == [0.0] * 6


def test_phase_waiting_past_its_retirement_never_comes_online():
    data = scenario_data(
        [project("p", status="construction", online="2025-01", retire="2025-04")],
        grid={"headroom_mw": 0, "additions": [{"month": "2025-06", "mw": 100}]},
    )
    assert event_log(data).on.tolist() == [math.inf]


# --- seasonal PUE ----------------------------------------------------------------------------


SEASONAL_PUE_2025 = [1.1, 1.1, 1.1, 1.15, 1.2, 1.25, 1.3, 1.3, 1.3, 1.2, 1.1, 1.1]
HOURS_2025 = [744, 672, 744, 720, 744, 720, 744, 744, 720, 744, 720, 744]


def test_seasonal_pue_follows_site_temperatures_month_by_month():
    # site 'cold': -10 -5 0 5 10 15 20 25 20 10 0 -10 degC; curve (0, 1.1) -> (20, 1.3), flat beyond
    r = run(scenario_data([project("a", site="cold", cooling="seasonal")]))
    assert series(r, "pue") == pytest.approx(SEASONAL_PUE_2025)
    energy = series(r, "energy_mwh")
    assert energy[3] == pytest.approx(5 * 1.15 * 720)  # April: 4,140 MWh
    assert energy[6] == pytest.approx(5 * 1.3 * 744)  # July: 4,836 MWh
    annual = r.annual.set_index(["year", "metric"])
    # sum of PUE x hours = 10,370.4; IT 5 MW -> 51,852 MWh; annual PUE 10,370.4 / 8,760
    assert annual.loc[(2025, "energy_mwh"), "p50"] == pytest.approx(51852.0)
    assert annual.loc[(2025, "pue"), "p50"] == pytest.approx(10370.4 / 8760)
    assert annual.loc[(2025, "facility_mw"), "p50"] == pytest.approx(51852.0 / 8760)


def test_grid_takes_peak_facility_mw_at_the_hottest_month():
    # IT 10 MW at 'cold' with the seasonal curve: peak PUE 1.3 -> 13 MW; 12.9 MW is not enough
    base = project("a", site="cold", cooling="seasonal", status="construction", online="2025-01")
    short = event_log(scenario_data([base], grid={"headroom_mw": 12.9}))
    enough = event_log(scenario_data([base], grid={"headroom_mw": 13.0}))
    assert short.on.tolist() == [math.inf]
    assert enough.on.tolist() == [0.0]


# --- go / no-go ------------------------------------------------------------------------------


def test_project_that_does_not_go_never_takes_resources_or_comes_online():
    data = scenario_data(
        [
            project("no", status="registered", online="2025-01"),
            project("yes", status="planned", online="2025-02"),
        ],
        grid={"headroom_mw": 15},  # enough for one of the two
        uncertainty={"go_probability": {"registered": 0.0, "planned": 1.0}},
    )
    r = run(data, replications=3)
    table = r.projects.set_index("project")
    assert table.go_share.to_dict() == {"no": 0.0, "yes": 1.0}
    assert table.loc["yes", "online_p50"] == "2025-02"
    assert table.loc["yes", "grid_wait_months_mean"] == 0.0
    assert r.series["total_eflops"][:, 0].tolist() == [0.0] * 3


# --- targets ---------------------------------------------------------------------------------


def test_targets_met_at_month_end_and_first_month_reached():
    big = project("big", status="construction", online="2025-06", compute={"pflops": 10000, "precision": "FP32"})
    data = scenario_data(
        [big],
        targets=[
            {"name": "year end", "by": "2025-12", "total_eflops": 9},
            {"name": "spring", "by": "2025-04", "total_eflops": 9},
            {"name": "ai", "by": "2025-12", "total_eflops": 1, "intelligent_share": 0.35},
        ],
    )
    r = run(data)
    t = r.targets.set_index("target")
    assert t.probability.to_dict() == {"year end": 1.0, "spring": 0.0, "ai": 0.0}
    assert t.reached_p50.to_dict() == {"year end": "2025-06", "spring": "2025-06", "ai": "never"}
    assert list(r.targets.columns) == ["variant", "target", "by", "probability", "reached_p10", "reached_p50", "reached_p90"]


def test_output_tables_have_the_documented_columns():
    r = run(scenario_data([project("a")]))
    assert list(r.monthly.columns) == ["variant", "month", "metric", "mean", "p5", "p10", "p50", "p90", "p95"]
    assert list(r.annual.columns) == ["variant", "year", "metric", "mean", "p5", "p10", "p50", "p90", "p95"]
    limits = sim.engine.series.GRID_METRICS + sim.engine.series.SUPPLY_METRICS  # no grid, no supply here
    assert set(r.monthly.metric) == set(sim.engine.series.METRICS) - set(limits)
    assert r.monthly.month.iloc[0] == "2025-01" and r.monthly.month.iloc[-1] == "2025-12"
    for column in ("variant", "project", "class", "site", "go_share", "online_p10", "online_p50",
                   "online_p90", "grid_wait_months_mean", "supply_wait_months_mean"):
        assert column in r.projects.columns
