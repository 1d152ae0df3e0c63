"""explore answers per question (sim/explore/answer.py): each target's own ranking, calibration
targets left out, effects in outcome units, clipped indices, the no-policy warning.

The hand-computed case: the grid pair (tests/explore_scenarios.py) with project 'old' of 500 to
1,500 PFLOPS FP32 (0.5 to 1.5 EFLOPS). Target 'all three' (2.5 EFLOPS by 2025-12) needs both
planned projects (1 EFLOPS each), so it is met exactly when grid.headroom_mw >= 30 (old gives at
least 0.5); target 'old alone' (1 EFLOPS by 2025-02, before the planned projects can be online)
is met exactly when old's compute >= 1,000 PFLOPS. Each target must name its own input first.
"""

from __future__ import annotations

import pandas as pd
import pytest
from explore_scenarios import grid_pair

import sim
from sim.explore.answer import index_text, outcome, shortfall_hint, target_order, varied_text
from sim.explore.study import explore

GRID, OLD = "grid.headroom_mw", "projects.old.compute.pflops"

@pytest.fixture(scope="module")
def exploration():
    data = grid_pair(uncertain=True, explore={"levers": {GRID: {"low": 0, "high": 60},
                                                         OLD: {"low": 500, "high": 1500, "label": "old's compute"}}})
    data["targets"] = [{"name": "old alone", "by": "2025-02", "total_eflops": 1},
                       {"name": "all three", "by": "2025-12", "total_eflops": 2.5},
                       {"name": "reported", "by": "2025-06", "total_eflops": 1.2, "role": "calibration"}]
    return explore(sim.scenario_from_data(data), method="lhs", samples=40, replications=4, seed=3)

def test_each_target_is_ranked_by_its_own_input_latest_plan_first(exploration):
    from sim.explore.answer import questions

    samples = exploration.samples
    assert ((samples[GRID] >= 30) == (samples["p_met[all three]"] == 1)).all()
    assert ((samples[OLD] >= 1000) == (samples["p_met[old alone]"] == 1)).all()
    qs, constant, left_out = questions(exploration.sensitivity, samples, exploration.inputs_meta,
                                       exploration.targets_meta, "lhs")
    targets = [q.target for q in qs if q.target]
    assert targets == ["all three", "old alone"]  # the latest plan target (the verdict's) first
    assert left_out == ["reported"]
    first = {q.target: q.rows["parameter"].iloc[0] for q in qs if q.target}
    assert first == {"all three": GRID, "old alone": OLD}
    # the effect, from the samples: lowest fifth of the headroom (all below 30 MW) never meets,
    # the highest fifth (all above 30 MW) always does
    row = next(q for q in qs if q.target == "all three").rows.set_index("parameter").loc[GRID]
    assert (row.low_mean, row.high_mean) == (0.0, 1.0) and row.low_value < 30 < row.high_value

def test_the_printout_names_each_targets_input_and_leaves_calibration_out(exploration):
    text = exploration.summary_text()
    lines = text.splitlines()
    assert lines[1] == "varied: 2 assumptions (ranged)"
    assert lines[2].startswith("warning: no policy was varied")
    at = lines.index("target 'all three': what decides P(met)")
    assert "grid headroom" in lines[at + 2] and "0% -> 100%" in lines[at + 2]
    at = lines.index("target 'old alone': what decides P(met)")
    assert "old's compute" in lines[at + 2]  # the lever's own label
    assert lines[3].startswith("left out of the answer and of PRIM: calibration target 'reported'")
    assert "target 'reported'" not in text.split("left out")[1].split("\n", 1)[1]
    assert set(exploration.discovery["target"]) <= {"all three", "old alone"}

def test_calibration_targets_come_back_when_asked(exploration):
    assert target_order(exploration.targets_meta, True)[0] == ["all three", "old alone", "reported"]
    assert target_order(exploration.targets_meta, False) == (["all three", "old alone"], ["reported"])

def test_clipped_indices_outcomes_and_hints_by_hand():
    assert index_text("ST", 1.04, 0.93, 1.15) == "1.00 [0.93 to 1.00]"
    assert index_text("ST", 1.04, 0.93, 1.15, raw=True) == \
        "1.00 [0.93 to 1.00] (estimate 1.04, interval 0.93 to 1.15: outside 0 to 1)"
    assert index_text("S1", -0.02, -0.1, 0.06, stable=False) == "0.00 [0.00 to 0.06] *"
    assert outcome(0.7512, "share") == "75%" and outcome(12_345_678, "MWh") == "12.3 TWh"
    assert outcome(643_850_704, "CNY") == "644 M CNY" and outcome(1.7e9, "CNY") == "1.7 bn CNY"
    assert shortfall_hint(0.75, 0.9).startswith("the best sample reaches P(met) 75%; rerun with --probability 0.7")
    assert shortfall_hint(0.0, 0.9).startswith("it is met in no replication of any sample")
    assert shortfall_hint(0.15, 0.9, 0.15).startswith(
        "met in 15% of the simulated futures in every sample: no explored input changes it")
    text, warning = varied_text([{"path": "projects.a.utilization", "kind": "uncertainty", "label": "a"}])
    assert text == "varied: 1 uncertainty (drawn)" and warning.startswith("the scenario declares no levers")
    assert varied_text([{"path": "policies.capex_subsidy.rate", "kind": "lever"}]) == ("varied: 1 policy lever", None)


def test_solve_numbers_as_precise_as_the_replications_support():
    from sim.explore.rounding import about, supported_percent

    assert supported_percent(0.929, 0.91, 0.944) == "93%"  # interval +-1.7 points: whole percents
    assert supported_percent(0.9297, 0.9246, 0.9345) == "93.0%"  # +-0.5 points: one decimal
    assert supported_percent(0.7967, 0.748, 0.838, threshold=0.8) == "79.7%"  # never reads as reaching 80%
    assert supported_percent(0.999, 0.996, 1.0) == "99.9%"  # below 1: never 100%
    assert about(0.9297, 0.019) == "0.93" and about(31.25, 68.75) == "30" and about(0.1504, 0.0073) == "0.15"


def test_solve_png_draws_points_not_a_line_and_tells_met_by_shape(tmp_path):
    import pandas as pd
    from sim.plots.solve import solve_curve

    points = pd.DataFrame({"value": [0.2, 0.5, 1.0], "probability": [0.9, 0.85, 0.6], "ci_low": [0.85, 0.8, 0.55],
                           "ci_high": [0.93, 0.89, 0.65], "met": [True, True, False]})
    fig = solve_curve(points, "fast-track delay scale", "", "plan", 0.8, 0.5, today=0.5, answer_text="0.5")
    ax = fig.axes[0]
    assert not [line for line in ax.get_lines() if line.get_gid() == "curve"]
    markers = {c.get_label(): c.lines[0].get_marker() for c in ax.containers}
    assert markers == {"met (P with its 95% interval)": "o", "missed (P with its 95% interval)": "X"}
    assert all(c.lines[0].get_linestyle() == "None" for c in ax.containers)
    assert {line.get_gid() for line in ax.get_lines()} >= {"threshold", "answer", "today"}
    labels = ax.get_legend_handles_labels()[1]
    assert "today 0.5" in labels and "needed: about 0.5" in labels


def test_missed_in_every_sample_only_when_p_met_is_0():
    from sim.explore.discovery import discovery_summary

    table = pd.DataFrame(columns=["target", "chosen", "parameter", "low", "high", "coverage", "density", "mass"])
    shares = {"same": 1.0, "never": 1.0, "some": 1.0}
    best, worst = {"same": 0.24, "never": 0.0, "some": 0.45}, {"same": 0.24, "never": 0.0, "some": 0.05}
    assert discovery_summary(table, shares, {}, best=best, probability=0.8, worst=worst) == [
        "target 'same': met in 24% of the simulated futures in every sample: no explored input changes it; "
        "explore other levers (explore.levers, --vary) or wider ranges",
        "target 'never': missed in every sample; it is met in no replication of any sample; widen the ranges or "
        "add levers",
        "target 'some': P(met) below 80% in every sample; the best sample reaches P(met) 45%; rerun with "
        "--probability 0.4 to see where it comes closest (PRIM needs samples on both sides of the threshold)"]
