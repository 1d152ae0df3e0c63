"""capsim solve: the smallest (or largest) lever value at which a target is met with probability P.

The hand-computed case (tests/explore_scenarios.py): two planned projects of 10 MW IT at PUE 1.5
need 15 + 15 = 30 MW of grid headroom, and the target needs both, so the answer for
grid.headroom_mw is 30 MW; for project b's IT power with 30 MW of headroom it is (30 - 15) / 1.5 =
10 MW.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from explore_scenarios import TARGET, grid_pair

import sim
from sim.errors import ScenarioError
from sim.explore.evaluate import wilson_interval
from sim.explore.solve import _monotonicity, solve


def scenario(**kw):
    return sim.scenario_from_data(grid_pair(**kw))


def test_wilson_interval_hand_computed():
    # n = 10, z = 1.96: 0/10 -> (0, 0.2775); 5/10 -> 0.5 +- 1.96 sqrt(0.025 + 0.0096) / 1.3841 = (0.2366, 0.7634)
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(0, 10)[1] == pytest.approx(0.27753, abs=1e-5)
    assert wilson_interval(5, 10) == pytest.approx((0.23659, 0.76341), abs=1e-5)
    assert wilson_interval(10, 10) == (pytest.approx(0.72247, abs=1e-5), 1.0)


def test_grid_headroom_answer_is_the_two_projects_summed_peak_facility_mw():
    solution = solve(scenario(), "grid.headroom_mw", TARGET, 0.9, low=0, high=100, tolerance=0.5, replications=1)
    assert solution.status == "solved" and solution.unit == "MW"
    assert 30 <= solution.answer <= 30.5
    assert solution.bracket[1] - solution.bracket[0] <= 0.5 and solution.bracket[0] < 30 <= solution.bracket[1]
    assert set(solution.points.probability) == {0.0, 1.0}
    assert solution.points.value.tolist()[:3] == [0, 100, 50]  # the ends, then bisection
    assert solution.monotone
    assert solution.answer == 30.078125  # 0, 100, 50, 25, 37.5, 31.25, 28.125, 29.6875, 30.46875, 30.078125
    assert "answer: 30.08 MW (bracket 29.69 MW to 30.08 MW, tolerance 0.5 MW)" in solution.summary_text()


def test_with_delays_and_common_random_numbers_the_answer_is_the_same():
    solution = solve(scenario(uncertain=True), "grid.headroom_mw", TARGET, 0.9, low=0, high=100, tolerance=0.5,
                     replications=40, seed=3)
    assert 30 <= solution.answer <= 30.5
    assert solution.points.replications.eq(40).all()
    met = solution.points[solution.points.met]
    assert met.probability.eq(1.0).all() and met.ci_low.round(4).eq(round(wilson_interval(40, 40)[0], 4)).all()


def test_largest_it_mw_that_the_grid_can_still_connect():
    # with 30 MW of headroom, b may draw at most 30 - 15 = 15 MW of peak facility power: it_mw <= 10
    solution = solve(scenario(headroom_mw=30), "projects.b.it_mw", TARGET, 0.9, low=1, high=30,
                     direction="largest", tolerance=0.1, replications=1)
    assert solution.status == "solved" and solution.unit == "MW"
    assert 9.9 <= solution.answer <= 10


def test_met_even_at_low_and_missed_even_at_high():
    met = solve(scenario(), "grid.headroom_mw", TARGET, 0.9, low=40, high=100, replications=1)
    assert met.status == "met-at-end" and met.answer == 40
    assert "met even at 40 MW" in met.summary_text()
    missed = solve(scenario(), "grid.headroom_mw", TARGET, 0.9, low=0, high=20, replications=1)
    assert missed.status == "missed" and missed.answer is None
    assert "missed even at 20 MW" in missed.summary_text()
    assert len(met.points) == len(missed.points) == 2


def test_the_wrong_direction_is_named():
    solution = solve(scenario(), "grid.headroom_mw", TARGET, 0.9, low=0, high=100, direction="largest", replications=1)
    assert solution.status == "met-at-end" and not solution.monotone
    assert "try --direction smallest" in solution.summary_text()


def test_monotonicity_check_needs_intervals_apart():
    table = pd.DataFrame({"value": [0, 1, 2], "probability": [0.1, 0.9, 0.5],
                          "ci_low": [0.05, 0.85, 0.45], "ci_high": [0.15, 0.95, 0.55]})
    monotone, note = _monotonicity(table, rising=True, lever="x")
    assert not monotone and "90.0% at 1 but 50.0% at 2" in note
    table.loc[2, ["probability", "ci_low", "ci_high"]] = [0.88, 0.83, 0.93]  # a dip inside the noise
    assert _monotonicity(table, rising=True, lever="x") == (True, "")


@pytest.mark.parametrize("kwargs, message", [
    ({"probability": 1.0}, "--probability: must be between 0 and 1, exclusive (got 1)"),
    ({"probability": 0.0}, "--probability: must be between 0 and 1, exclusive (got 0)"),
    ({"target": "nope"}, "--target: unknown target 'nope'; this scenario's targets: 'all three online'"),
    ({"low": 50, "high": 50}, "--lever grid.headroom_mw: low must be below high (got low 50, high 50)"),
    ({"lever": "grid.nope"}, "--lever grid.nope: path 'grid.nope' does not exist"),
    ({"lever": "projects.a.site"}, "names str 's', not a number"),
    ({"low": -10}, "--lever grid.headroom_mw: grid.headroom_mw: must be at least 0 (got -10)"),
    ({"low": None}, "--lever: give --low and --high, or declare grid.headroom_mw in the scenario's explore.levers"),
    ({"direction": "up"}, "--direction: must be one of smallest, largest (got 'up')"),
    ({"tolerance": 0}, "--tolerance: must be greater than 0 (got 0)"),
    ({"tolerance": math.nan}, "--tolerance: must be greater than 0 (got nan)"),
])
def test_bad_arguments_are_refused_before_any_run(kwargs, message):
    args = {"lever": "grid.headroom_mw", "target": TARGET, "probability": 0.9, "low": 0, "high": 100}
    args.update(kwargs)
    lever, target, probability = args.pop("lever"), args.pop("target"), args.pop("probability")
    with pytest.raises(ScenarioError) as err:
        solve(scenario(), lever, target, probability, replications=1, **args)
    assert len(err.value.problems) == 1
    assert message in str(err.value)


def test_range_defaults_to_the_declared_lever():
    s = scenario(explore={"levers": {"grid.headroom_mw": {"low": 10, "high": 50, "source": "assumption"}}})
    solution = solve(s, "grid.headroom_mw", TARGET, 0.5, tolerance=1, replications=1)
    assert (solution.low, solution.high) == (10, 50) and 30 <= solution.answer <= 31


def test_a_drawn_parameter_is_fixed_at_each_value():
    # it_mw of b drawn from 5-20 MW in the base run; solve fixes it at each value it tries
    data = grid_pair(30)
    data["uncertainty"] = {"parameters": {"projects.b.it_mw": {"dist": "uniform", "low": 5, "high": 20}}}
    solution = solve(sim.scenario_from_data(data), "projects.b.it_mw", TARGET, 0.9, low=1, high=30,
                     direction="largest", tolerance=0.1, replications=20)
    assert 9.9 <= solution.answer <= 10
    assert set(solution.points.probability) == {0.0, 1.0}


def test_explore_block_problems_point_at_their_lines(write_yaml):
    import json

    head = json.dumps(grid_pair(), indent=1)[:-2]
    text = head + ''',
 "explore": {"levers": {
  "grid.headroom_mw": {"low": 50, "high": 10},
  "grid.nope": {"low": 0, "high": 1}}}
}
'''
    path = write_yaml(text)
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario(path)
    n = head.count("\n") + 2  # the line of "explore"
    assert [str(p) for p in err.value.problems] == [
        f"{path}:{n + 1}:31: explore.levers.grid.headroom_mw.low: low must be below high (got low 50, high 10)",
        f"{path}:{n + 2}:3: explore.levers.grid.nope: path 'grid.nope' does not exist: at grid: no field 'nope' here; "
        "fields: source, headroom_mw, additions",
    ]
    path = write_yaml(head + ',\n "explore": {"levers": {"grid.headroom_mw": {"low": 1, "high": "inf"}}}\n}\n')
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario(path)
    assert [str(p) for p in err.value.problems] == [
        f"{path}:{n}:64: explore.levers.grid.headroom_mw.high: must be a finite number (got 'inf')"]
