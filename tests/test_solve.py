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
from sim.explore.design import percent
from sim.explore.solve import _monotonicity, search, solve


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
    assert "missed even at 20 MW and at 7 values evenly between" in missed.summary_text()
    # missed at both ends: the 7 values 2.5, 5, ..., 17.5 MW between are evaluated before saying so
    assert len(met.points) == 2 and len(missed.points) == 2 + 7
    assert missed.points.value.tolist() == [0, 20, 2.5, 5, 7.5, 10, 12.5, 15, 17.5]


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
    ({"low": -10}, "--lever grid.headroom_mw: low -10 makes the scenario invalid: must be at least 0 (got -10)"),
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


def bump(low: float, high: float):
    """met_at for a synthetic P(x): met exactly for x in [low, high]; records every value asked."""
    asked: list[list[float]] = []

    def met_at(xs):
        asked.append(list(xs))
        return [low <= x <= high for x in xs]

    return met_at, asked


def test_search_finds_a_bump_between_two_missed_ends():
    # range 0..80, met on [25, 35]: the ends 0 and 80 miss; the scan asks 10, 20, ..., 70 in one call
    # and finds 30 met; bisection between 20 (missed) and 30 (met), tolerance 1: 25 met, 22.5 missed,
    # 23.75 missed, 24.375 missed (the bracket 24.375..25 is narrower than 1), so the answer is 25
    met_at, asked = bump(25, 35)
    status, answer, bracket, scanned = search(met_at, 0, 80, True, 1.0)
    assert asked[:2] == [[0, 80], [10, 20, 30, 40, 50, 60, 70]]
    assert [x for (x,) in asked[2:]] == [25, 22.5, 23.75, 24.375]
    assert (status, answer, bracket, scanned) == ("solved", 25, (24.375, 25), [30])
    # largest: from 40 (missed) down to 30 (met): 35 met, 37.5, 36.25, 35.625 missed
    met_at, asked = bump(25, 35)
    status, answer, bracket, scanned = search(met_at, 0, 80, False, 1.0)
    assert [x for (x,) in asked[2:]] == [35, 37.5, 36.25, 35.625]
    assert (status, answer, bracket, scanned) == ("solved", 35, (35.625, 35), [30])


def test_search_says_missed_only_after_the_scan_and_met_between_for_a_wide_bump():
    met_at, asked = bump(100, 200)  # outside the range: missed everywhere
    assert search(met_at, 0, 80, True, 1.0) == ("missed", None, (0, 80), [])
    assert len(asked) == 2 and len(asked[1]) == 7
    met_at, _ = bump(15, 55)  # met at 20, 30, 40, 50 of the scan
    status, answer, bracket, scanned = search(met_at, 0, 80, True, 1.0)
    assert scanned == [20, 30, 40, 50] and status == "solved" and 15 <= answer <= 16 and bracket[0] < 15


def test_search_on_a_whole_number_lever_scans_each_value_once():
    met_at, asked = bump(3, 3)
    status, answer, bracket, scanned = search(met_at, 0, 6, True, 1.0, value_of=lambda x: float(round(x)))
    # 6 * i / 8 rounded: 1 (0.75), 2 (1.5), 2 (2.25), 3, 4 (3.75), 4 (4.5), 5 (5.25): distinct, in order
    assert asked[1] == [1, 2, 3, 4, 5] and scanned == [3] and (status, answer) == ("solved", 3)


def bump_scenario():
    """An intelligent project of 1,000 PFLOPS and a general one of x PFLOPS (FP32, factor 1): the
    target needs 2.02 EFLOPS in total (x >= 1,020) and an intelligent share of at least 0.4
    (1,000 / (1,000 + x) >= 0.4: x <= 1,500). P(met) is 1 for x in [1,020, 1,500], else 0."""
    from conftest import project, scenario_data

    return sim.scenario_from_data(scenario_data(
        [project("i", **{"class": "intelligent"}), project("g")],
        targets=[{"name": "balanced", "by": "2025-12", "total_eflops": 2.02, "intelligent_share": 0.4}]))


def test_solve_over_a_bump_is_not_a_false_no_value():
    # ends 100 and 3,300 miss; scan 500, 900, 1,300, ..., 2,900: 1,300 met; bisection from 900/1,300
    # with tolerance 32 (1% of 3,200): 1,100 met, 1,000 missed, 1,050 met, 1,025 met -> 1,025
    solution = solve(bump_scenario(), "projects.g.compute.pflops", "balanced", 0.9, low=100, high=3300,
                     replications=2)
    assert solution.status == "solved" and solution.answer == 1025 and solution.bracket == (1000, 1025)
    assert not solution.monotone
    text = solution.summary_text()
    assert "no value" not in text and "answer: 1,025 PFLOPS" in text
    assert ("warning: P is not monotone in this lever: missed at both ends (100 PFLOPS and 3,300 PFLOPS) but "
            "met at 1,300 PFLOPS (a scan of 7 values between)") in text


@pytest.mark.parametrize("p, asked, measured", [
    (0.9, "90%", "90.0%"), (0.99999, "99.999%", "99.999%"), (0.925, "92.5%", "92.5%"), (0.999, "99.9%", "99.9%"),
    (1 / 3, "33%", "33.3%"), (0.00001, "0.001%", "0.001%"), (0.9999999999, ">99.999999%", ">99.999999%"),
    (1e-12, "<0.000001%", "<0.000001%"), (0, "0%", "0.0%"), (1, "100%", "100.0%"),
])
def test_a_probability_below_1_never_prints_as_100_percent(p, asked, measured):
    assert percent(p) == asked and percent(p, 1, exact=False) == measured


def test_probability_099999_is_printed_as_such():
    solution = solve(scenario(), "grid.headroom_mw", TARGET, 0.99999, low=0, high=100, tolerance=5, replications=1)
    assert "with P(target 'all three online' met) >= 99.999%;" in solution.summary_text()
