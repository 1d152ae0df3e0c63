"""The accelerator queue replayed without SimPy (sim/engine/supply.py) is SimPy's, bit for bit.

SimPy (sim/engine/model.py) is the engine of record; the replay is only a faster way to the same
event log for replications whose grid never makes anyone wait. These tests pit both against each
other on scenarios built to tie: requests on delivery months, amounts that are exact multiples of
the monthly delivery, rates that are not exact binary fractions, requests after retirement and
around the horizon end.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.engine.block import due_times, grid_never_waits, replay_supply_rows, simulate_block, unqueued_log
from sim.engine.build import build_plan
from sim.engine.draws import draw_projects
from sim.engine.model import simulate_replication
from sim.engine.supply import replay_queue

from conftest import scenario_data

ROOT = Path(__file__).resolve().parents[1]
MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)]
RATES = (100.0, 250.0, 0.1, 0.3, 1 / 3, 7.7, 1000.0)


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    return x.view(np.int64).tolist() == y.view(np.int64).tolist()  # bit for bit, NaN and inf included


@st.composite
def queued_scenarios(draw):
    """AI-heavy scenarios whose accelerators are scarce, with many exact ties."""
    decimal = draw(st.booleans())  # 0.1 PFLOPS a month and amounts in tenths: sums that round differently
    rate = 0.1 if decimal else draw(st.sampled_from(RATES))
    projects = []
    for j in range(draw(st.integers(1, 8))):
        n_phases = 1 if decimal else draw(st.integers(1, 3))
        online = draw(st.sampled_from(MONTHS[:30]))
        data = {
            "id": f"p{j}",
            "class": draw(st.sampled_from(["intelligent", "intelligent", "general"])),
            "site": "s",
            "cooling": "flat",
            # multiples of a quarter of the monthly delivery tie with the level; others do not
            "compute": {"pflops": draw(st.integers(1, 20).map(lambda k: k / 10) if decimal else
                                       st.one_of(st.integers(1, 16).map(lambda k: k * rate / 4),
                                                 st.floats(0.01, 5 * rate))), "precision": "FP16"},
            "it_mw": 5,
            "utilization": 0.5,
            "status": draw(st.sampled_from(["operating", "construction", "registered"])),
            "phases": [1.0 / n_phases] * (n_phases - 1) + [1.0 - (n_phases - 1) / n_phases],
            "phase_gap_months": draw(st.sampled_from([0, 1, 0.5, 2.5])),
        }
        if data["status"] != "operating":
            data["online"] = online
        if draw(st.booleans()):
            data["retire"] = draw(st.sampled_from([m for m in MONTHS if m > online]))
        projects.append(data)
    extra = {"supply": {"ai_pflops_per_month": rate}}
    if not decimal and draw(st.booleans()):  # a schedule: steps before, at and inside the horizon, some of 0
        steps = draw(st.dictionaries(st.sampled_from(MONTHS[:30]), st.sampled_from((0.0, rate, rate / 3, 2 * rate)),
                                     min_size=1, max_size=4))
        extra = {"supply": {"ai_pflops_per_month": steps}}
    if draw(st.booleans()):  # a grid that never binds: the replay also writes when connections are given back
        extra["grid"] = {"headroom_mw": 1e6, "additions": [{"month": "2025-06", "mw": 50}]}
    if draw(st.booleans()):
        extra["uncertainty"] = {
            "delay_months": {"construction": {"dist": "uniform", "low": 0, "high": 9},
                             "registered": {"dist": "triangular", "low": 0, "mode": 3, "high": 12}},
            "go_probability": {"registered": 0.7},
        }
    end = draw(st.sampled_from(["2025-06", "2026-06", "2026-12"]))
    return sim.scenario_from_data(scenario_data(projects, start="2025-01", end=end, **extra))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queued_scenarios(), st.lists(st.integers(0, 2**32), min_size=1, max_size=4))
def test_the_replayed_accelerator_queue_is_simpys_event_log(scenario, seeds):
    plans = [build_plan(scenario)] * len(seeds)
    draws = [draw_projects(scenario, seed, 0) for seed in seeds]
    go, delay = np.stack([g for g, _ in draws]), np.stack([d for _, d in draws])
    due = due_times(plans, go, delay)
    assert grid_never_waits(plans, due).all()
    log = unqueued_log(plans, go, due)
    replay_supply_rows(plans, due, log, np.arange(len(seeds)))  # every row, waiting or not
    for r in range(len(seeds)):
        reference = simulate_replication(plans[r], go[r], delay[r])
        for field in ("on", "off", "grid_wait", "supply_wait"):
            assert _same(getattr(log, field)[r], getattr(reference, field)), field
        for name, times in reference.limits.items():
            assert _same(log.limits[name][r], times), name
    block = simulate_block(plans, go, delay)
    assert not block.simulated.any() and block.events == 0


def test_deliveries_are_credited_as_simpy_credits_them():
    """Eight deliveries of 0.1 credited at once are 8 * 0.1 = 0.8 (added one by one they would be
    0.7999999999999999): a request of 0.8 at t = 7, the first, is served at once, as in SimPy."""
    scenario = sim.scenario_from_data(scenario_data(
        [{"id": "ai", "class": "intelligent", "site": "s", "cooling": "flat", "compute": {"pflops": 0.8, "precision": "FP16"},
          "it_mw": 1, "utilization": 0.5, "status": "construction", "online": "2025-08"}],
        start="2025-01", end="2025-12", supply={"ai_pflops_per_month": 0.1}))
    plan = build_plan(scenario)
    go, delay = np.ones(1, dtype=bool), np.zeros(1)
    assert replay_queue([7.0], plan.phase_pflops_declared.tolist(), 0.1, 12.0) == [7.0]
    assert simulate_replication(plan, go, delay).on.tolist() == [7.0]


def test_a_queue_worked_out_by_hand():
    """100 PFLOPS delivered at t = 0, 1, 2, ...; requests of 250 at 0.5, 30 at 1, 100 at 2.5, 50 at 2.5
    and 10 at 7 (horizon 8):
    - 250 at 0.5: 100 delivered by then, waits for t = 2 (300); 30 at 1 waits behind it (first
      come, first served) and both are served at t = 2, leaving 20;
    - 100 at 2.5: waits for t = 3 (120), leaving 20; 50 at 2.5 behind it waits for t = 4 (120 - 50 = 70);
    - 10 at 7: 70 + 300 in stock, served at once."""
    times = [0.5, 1.0, 2.5, 2.5, 7.0]
    amounts = [250.0, 30.0, 100.0, 50.0, 10.0]
    assert replay_queue(times, amounts, 100.0, 8.0) == [2.0, 2.0, 3.0, 4.0, 7.0]
    # the horizon ends before the 250 is complete: nobody is served within it
    assert replay_queue(times, amounts, 100.0, 2.0) == [math.inf] * 5


def test_shanxi_blocks_replay_the_accelerator_queue_exactly_as_simpy():
    """In Shanxi the grid never binds and accelerators nearly always do: the replay carries the run."""
    from sim.engine.build import PlanPatcher
    from sim.engine.draws import draw_parameters_block, draw_projects_block
    from sim.engine.policies import adjust_draws, block_policy, policy_rows

    scenario = sim.load_scenario(ROOT / "scenarios" / "shanxi.yaml")
    base, seed, count = build_plan(scenario), 3, 24
    patched = PlanPatcher(scenario, base, scenario.uncertainty.parameters).apply_block(
        draw_parameters_block(scenario, seed, 0, count))
    plans = [plan for _, plan in patched]
    go, drawn = draw_projects_block([local for local, _ in patched], seed, 0, policy_rows(plans, "go_bonus"))
    go, delay = adjust_draws(block_policy(plans), go, drawn)
    block = simulate_block(plans, go, delay)
    assert block.replayed.sum() >= count // 2 and not block.simulated.any()
    for r in range(count):
        reference = simulate_replication(plans[r], go[r], delay[r])
        for field in ("on", "off", "grid_wait", "supply_wait"):
            assert _same(getattr(block, field)[r], getattr(reference, field)), field
        for name, times in reference.limits.items():
            assert _same(block.limits[name][r], times), name


def test_a_vanishing_delivery_rate_never_serves_the_request_and_ends():
    """1e-300 PFLOPS a month (or the smallest subnormal float) cannot cover 6 PFLOPS within any horizon:
    the phase waits past the end, in the replay and in SimPy alike, and the run ends. Counting the
    months one by one would never end: past 2**53 months ``k + 1`` no longer changes ``k x rate``."""
    for rate in (1e-300, 5e-324):
        scenario = sim.scenario_from_data(scenario_data(
            [{"id": "ai", "class": "intelligent", "site": "s", "cooling": "flat",
              "compute": {"pflops": 6.0, "precision": "FP16"}, "it_mw": 1, "utilization": 0.5,
              "status": "construction", "online": "2025-03"}],
            start="2025-01", end="2025-12", supply={"ai_pflops_per_month": rate}))
        plan = build_plan(scenario)
        go, delay = np.ones(1, dtype=bool), np.zeros(1)
        assert replay_queue([2.0], [6.0], rate, 12.0) == [math.inf]
        reference = simulate_replication(plan, go, delay)
        assert reference.on.tolist() == [math.inf]
        block = simulate_block([plan], go[None], delay[None])
        assert block.on.tolist() == [[math.inf]]
        results = sim.simulate(scenario, replications=1, seed=0)
        assert results.series["total_eflops"].max() == 0.0


def test_deliveries_to_cover_counts_the_months_as_the_floats_add_up():
    """3 x 0.1 = 0.30000000000000004 covers 0.3 (3 months); 0.7 + 0.1 is 0.7999999999999999, short of
    0.8 by a rounding step, so 2 months; a count beyond 2**53 months is capped there."""
    from sim.engine.supply import NEVER_MONTHS, deliveries_to_cover
    assert deliveries_to_cover(0.0, 0.3, 0.1) == 3
    assert deliveries_to_cover(0.7, 0.8, 0.1) == 2
    assert deliveries_to_cover(5.0, 1.0, 2.0) == 1  # already covered: the dispatcher still waits one delivery
    assert deliveries_to_cover(0.0, 6.0, 1e-300) == NEVER_MONTHS == 2 ** 53
    assert deliveries_to_cover(0.0, 1e10, 5e-324) == NEVER_MONTHS


def test_a_schedule_queue_worked_out_by_hand():
    """A schedule {2025-01: 100, 2025-04: 0, 2025-06: 50} delivers 100 at t = 0, 1, 2, nothing at
    3 and 4, then 50 at t = 5, 6, ... A request of 400 at t = 2 has 300, then 350 at t = 5 and 400
    at t = 6: granted at 6. A 10 at t = 3 waits behind it (first come, first served), served at
    t = 7 (0 + 50 left). SimPy, the replay and the block agree."""
    from sim.engine.supply import deliveries_to_cover, delivered, make_schedule

    schedule = make_schedule([(0, 100.0), (3, 0.0), (5, 50.0)])
    assert schedule == ((0, 100.0), (3, 0.0), (5, 50.0))
    assert [delivered(schedule, 0, k) for k in range(9)] == [0, 100, 200, 300, 300, 300, 350, 400, 450]
    assert deliveries_to_cover(300.0, 400.0, schedule, credited=2) == 4  # t = 3, 4, 5, 6
    assert replay_queue([2.0, 3.0], [400.0, 10.0], schedule, 12.0) == [6.0, 7.0]
    assert deliveries_to_cover(0.0, 1.0, make_schedule([(0, 5.0), (2, 0.0)]), credited=1) == 2 ** 53  # stops
    scenario = sim.scenario_from_data(scenario_data(
        [{"id": "ai", "class": "intelligent", "site": "s", "cooling": "flat", "compute": {"pflops": 400, "precision": "FP16"},
          "it_mw": 1, "utilization": 0.5, "status": "construction", "online": "2025-03"},
         {"id": "ai2", "class": "intelligent", "site": "s", "cooling": "flat", "compute": {"pflops": 10, "precision": "FP16"},
          "it_mw": 1, "utilization": 0.5, "status": "construction", "online": "2025-04"}],
        start="2025-01", end="2025-12",
        supply={"ai_pflops_per_month": {"2025-06": 50, "2025-01": 100, "2025-04": 0}}))
    plan = build_plan(scenario)
    go, delay = np.ones(2, dtype=bool), np.zeros(2)
    assert simulate_replication(plan, go, delay).on.tolist() == [6.0, 7.0]
    assert simulate_block([plan], go[None], delay[None]).on.tolist() == [[6.0, 7.0]]


def test_a_schedule_before_the_horizon_and_one_rate_give_the_same_queue():
    """A schedule of one step at or before the horizon's start is the single rate, bit for bit."""
    from sim.engine.supply import make_schedule

    times, amounts = [0.5, 1.0, 2.5, 2.5, 7.0], [250.0, 30.0, 100.0, 50.0, 10.0]
    for steps in ([(0, 100.0)], [(-5, 7.0), (-1, 100.0)]):
        assert replay_queue(times, amounts, make_schedule(steps), 8.0) == [2.0, 2.0, 3.0, 4.0, 7.0]
