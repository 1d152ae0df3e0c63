"""Decisions: variants' kinds, the robustness matrix and its rules, the verdict line (docs/decisions.md).

The matrix of the hand-computed scenario below (no uncertainty, so every replication is the same;
1 EFLOPS = 1,000 PFLOPS FP32 at factor 1). Project a (1,000 PFLOPS) operates; c (800) comes online
2025-03; b (500) in 2026-06, after the horizon's end 2025-12. Total EFLOPS at the end:

                    base   b-small (b 100)   c-late (c after the horizon)
    base            1.8    1.8               1.0
    more-c (c 2000) 3.0    3.0               1.0
    b-early (b 03)  2.3    1.9               1.5

Column best 3.0, 3.0, 1.5, so regrets: base 1.2, 1.2, 0.5 (max 1.2); more-c 0, 0, 0.5 (max 0.5);
b-early 0.7, 1.1, 0 (max 1.1). Minimax-regret picks more-c; worst case (base 1.0, more-c 1.0,
b-early 1.5) picks b-early. With the target 'plan' (total >= 2 EFLOPS by 2025-12) P(met) is 0/1:
base 0 0 0; more-c 1 1 0; b-early 1 0 0. Satisficing at on_track 0.8 picks more-c (2 of 3).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

import sim
from conftest import project, scenario_data
from safety import capsim, one_line, snapshot
from sim import ScenarioError
from sim.analysis.verdict import verdict_class, verdict_line
from sim.run.robustness import choose, percent_cell, regrets, shares_on_track, tie_text, worst_cases
from sim.run.kinds import grouped_ranking
from sim.run.ranking import ranking_table

VARIANTS = {
    "more-c": {"kind": "policy", "set": {"projects.c.compute.pflops": 2000}},
    "b-early": {"kind": "policy", "set": {"projects.b.online": "2025-03"}},
    "b-small": {"kind": "risk", "set": {"projects.b.compute.pflops": 100}},
    "c-late": {"kind": "risk", "set": {"projects.c.online": "2026-06"}},
    "more-a": {"kind": "assumption", "set": {"projects.a.compute.pflops": 1100}},
    "relabel": {"kind": "view", "set": {"accounting.label": "another basis"}},
}


def data(variants=VARIANTS, **extra) -> dict:
    return scenario_data(
        [project("a"), project("b", status="planned", online="2026-06", compute={"pflops": 500, "precision": "FP32"}),
         project("c", status="planned", online="2025-03", compute={"pflops": 800, "precision": "FP32"})],
        targets=[{"name": "plan", "by": "2025-12", "total_eflops": 2.0}], variants=variants, **extra)


def scenario(**extra) -> sim.Scenario:
    return sim.scenario_from_data(data(**extra))


# --- the rules, by hand -------------------------------------------------------------------------

VALUES = np.array([[0.9, 0.1], [0.6, 0.4], [0.5, 0.5]])  # policies A, B, C x two scenarios


def test_rules_on_a_hand_computed_matrix():
    # column best 0.9, 0.5: regrets A 0, 0.4; B 0.3, 0.1; C 0.4, 0
    assert regrets(VALUES) == pytest.approx(np.array([[0, 0.4], [0.3, 0.1], [0.4, 0]]))
    assert worst_cases(VALUES).tolist() == [0.1, 0.4, 0.5]
    assert shares_on_track(VALUES, 0.8).tolist() == [0.5, 0, 0]
    assert choose(VALUES, "minimax-regret") == 1  # B: largest regret 0.3
    assert choose(VALUES, "worst-case") == 2  # C: worst 0.5
    assert choose(VALUES, "satisficing", threshold=0.8) == 0  # A: on track in 1 of 2
    # lower is better (e.g. public cost): the signs turn
    assert regrets(VALUES, higher_is_better=False) == pytest.approx(np.array([[0.4, 0], [0.1, 0.3], [0, 0.4]]))
    assert choose(VALUES, "worst-case", higher_is_better=False) == 2  # worst A 0.9, B 0.6, C 0.5: C


def test_ties_keep_the_order_base_first():
    same = np.ones((3, 2))
    assert [choose(same, rule, threshold=0.8) for rule in ("minimax-regret", "worst-case", "satisficing")] == [0, 0, 0]


def test_matrix_cells_never_round_a_small_probability_to_0_or_100():
    assert [percent_cell(v) for v in (0, 0.002, 0.004999, 0.005, 0.5, 0.994, 0.995, 0.999, 1.0)] == [
        "0%", "<1%", "<1%", "0%", "50%", "99%", ">99%", ">99%", "100%"]  # 0.005 -> "0%" by Python's half-even rounding


def test_a_pick_made_by_the_tie_break_says_so():
    # worst cases 0, 0, 0 (every policy's worst is 0%): the worst-case rule picks by the smaller largest regret
    values = np.array([[0.2, 0.0], [0.5, 0.0], [0.4, 0.0]])
    i = choose(values, "worst-case")
    assert i == 1  # largest regrets 0.3, 0, 0.1
    assert tie_text("worst-case", worst_cases(values), i, "0%", False) == (
        "all 3 policies' worst case is 0%: the worst-case rule decided by its tie-break, the smaller largest regret")
    assert tie_text("worst-case", np.array([0.0, 0.0, 0.3]), 0, "0%", False) == (
        "2 policies tie on the worst case (0%): the tie is broken by the smaller largest regret")
    assert tie_text("worst-case", np.array([0.1, 0.0, 0.3]), 2, "30%", False) == ""
    assert tie_text("worst-case", np.zeros(3), 0, "0%", True) == ""  # every cell equal: said apart
    from sim.run.robustness import Robustness
    m = Robustness(["base", "p", "q"], ["base", "r"], "plan", "P('plan' met)", values, np.zeros((3, 2, 3)), True, 0.8,
                   "minimax-regret")
    text = "\n".join(m.lines())
    assert "recommended: p (max regret 0.0 points, worst case 0%)" in text
    assert "worst-case picks p (3 tie on the worst case, decided by the smaller largest regret)" in text
    worst = "\n".join(Robustness(m.policies, m.scenarios, "plan", m.label, values, m.diffs, True, 0.8,
                                 "worst-case").lines())
    assert "3 policies tie on the worst case: the tie is broken by the smaller largest regret" in worst


# --- the matrix through real runs ---------------------------------------------------------------

def test_matrix_regret_and_choice_of_each_rule_by_hand():
    s = scenario()
    m = sim.compare(s, rank_by="eflops", across="risks").robustness
    assert m.policies == ["base", "more-c", "b-early"] and m.scenarios == ["base", "b-small", "c-late"]
    assert m.values == pytest.approx(np.array([[1.8, 1.8, 1.0], [3.0, 3.0, 1.0], [2.3, 1.9, 1.5]]))
    table = m.table()
    assert table.groupby("policy", sort=False)["max_regret"].first().to_dict() == pytest.approx(
        {"base": 1.2, "more-c": 0.5, "b-early": 1.1})
    assert m.recommended == "more-c"
    assert sim.compare(s, rank_by="eflops", across="risks", robust="worst-case").robustness.recommended == "b-early"
    p = sim.compare(s, across="risks", robust="satisficing").robustness
    assert p.values.tolist() == [[0, 0, 0], [1, 1, 0], [1, 0, 0]]
    assert p.table().groupby("policy", sort=False)["share_on_track"].first().tolist() == pytest.approx([0, 2 / 3, 1 / 3])
    assert p.recommended == "more-c"
    # a cell = the policy's changes, then the risk's, and its paired difference to the base policy
    cell = table[(table.policy == "b-early") & (table.scenario == "c-late")].iloc[0]
    assert cell.diff_vs_base == pytest.approx(0.5) and cell.regret == pytest.approx(0.0)


def test_the_matrix_never_holds_a_risk_assumption_or_view_as_a_policy():
    comparison = sim.compare(scenario(), across="risks")
    assert set(comparison.robustness.policies) == {"base", "more-c", "b-early"}
    ranking = comparison.ranking()
    policies = ranking[ranking["kind"].isin(["base", "policy"])]
    assert policies["variant"].tolist() == ["more-c", "b-early", "base"] or set(policies["variant"]) == {
        "base", "more-c", "b-early"}
    assert policies["rank"].tolist() == [1, 2, 3]
    text = comparison.summary_text()
    policy_block = text.split("-- what moves the outcome")[0]
    for name in ("b-small", "c-late", "more-a", "relabel"):
        assert f" {name} " not in policy_block
    assert "-- the same runs, counted another way" in text and "recommended: more-c" in text


def test_a_cell_paired_difference_is_narrower_than_independent_runs():
    path = sim.load_scenario("scenarios/guizhou.yaml")
    comparison = sim.compare(path, variants="fast-track,supply-shock", replications=200, seed=3, across="risks")
    m = comparison.robustness
    i, j = m.policies.index("fast-track"), m.scenarios.index("supply-shock")
    paired = m.diffs[i, j, 2] - m.diffs[i, j, 1]
    # the same two cells with independent draws: the policy under the risk on another seed
    cell = sim.simulate(sim.scenario.variants.combine_variants(path, "fast-track", "supply-shock"), replications=200,
                        seed=4)
    met = cell.target_outcomes[0][:, 0].astype(float)
    base = comparison.results["supply-shock"].target_outcomes[0][:, 0].astype(float)
    independent = 2 * 1.96 * math.sqrt(met.var(ddof=1) / 200 + base.var(ddof=1) / 200)
    assert 0 < paired < independent


def test_a_policy_and_a_risk_that_set_the_same_value_are_refused(tmp_path):
    clash = {**VARIANTS, "b-late": {"kind": "risk", "set": {"projects.b.online": "2026-09"}}}
    with pytest.raises(ScenarioError, match="policy 'b-early' and risk 'b-late' both set projects.b.online"):
        sim.compare(scenario(variants=clash), across="risks")
    nested = {**VARIANTS, "no-c": {"kind": "risk", "set": {"projects.c": {"id": "c", "class": "general", "site": "s",
                                                                           "cooling": "flat", "it_mw": 1,
                                                                           "compute": {"pflops": 1, "precision": "FP32"},
                                                                           "utilization": 0.5, "status": "operating"}}}}
    with pytest.raises(ScenarioError, match="both set projects.c"):
        sim.compare(scenario(variants=nested), across="risks")


def test_across_risks_without_policies_or_risks_is_one_line_exit_2(tmp_path):
    import yaml
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(data(variants={"b-small": VARIANTS["b-small"]}), sort_keys=False))
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    done = capsim("compare", file, "--across", "risks", "--out", out, "-q")
    assert done.returncode == 2 and "no variant with kind: policy" in one_line(done)
    assert snapshot(tmp_path) == before
    file.write_text(yaml.safe_dump(data(), sort_keys=False))
    done = capsim("compare", file, "--across", "risks", "--rank-by", "eflops", "--robust", "satisficing",
                  "--out", out, "-q")
    assert done.returncode == 2 and "--robust satisficing: needs a target" in one_line(done)


def test_compare_across_risks_writes_robustness_csv_the_report_shows(tmp_path):
    import yaml
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(data(), sort_keys=False))
    out = tmp_path / "out"
    done = capsim("compare", file, "--across", "risks", "--rank-by", "eflops", "--out", out, "--no-plots")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("verdict for the base (do nothing new): off track: P('plan' met by 2025-12) 0%")
    table = pd.read_csv(out / "robustness.csv")
    assert table[table.recommended == 1]["policy"].unique().tolist() == ["more-c"]
    assert table["value"].tolist() == pytest.approx([1.8, 1.8, 1.0, 3.0, 3.0, 1.0, 2.3, 1.9, 1.5])
    assert "recommended: more-c" in done.stdout and "minimax-regret" in done.stdout
    html = (out / "report.html").read_text()
    assert "Robust choice: more-c" in html and "Verdict: Off track" in html
    ranking = pd.read_csv(out / "ranking.csv")
    assert ranking.set_index("variant")["kind"].to_dict()["c-late"] == "risk"
    # the same numbers: the matrix's first column and row are compare.csv's runs (the horizon ends at 'plan')
    compare = pd.read_csv(out / "compare.csv")
    eflops = compare[(compare.output == "total_eflops") & (compare["when"] == "plan")].set_index("variant")["value"]
    assert eflops.to_dict() == pytest.approx({"more-c": 3.0, "b-early": 2.3, "b-small": 1.8, "c-late": 1.0,
                                              "more-a": 1.9, "relabel": 1.8})
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert "3.00" in cells and "1.50" in cells  # more-c under the base, b-early under c-late


# --- kinds on old files --------------------------------------------------------------------------

def test_a_scenario_without_kinds_ranks_as_before_with_a_hint():
    plain = {name: {"set": v["set"]} for name, v in VARIANTS.items()}
    comparison = sim.compare(scenario(variants=plain), rank_by="eflops")
    pd.testing.assert_frame_equal(comparison.ranking(), ranking_table(comparison.results, "eflops"))
    assert grouped_ranking(comparison.results, "eflops").columns.tolist() == ranking_table(
        comparison.results, "eflops").columns.tolist()
    assert "6 variant(s) unclassified: add `kind: policy | risk | assumption | view`" in comparison.summary_text()


def test_kind_is_checked_by_the_schema():
    bad = {"x": {"kind": "lever", "set": {"projects.a.it_mw": 5}}}
    with pytest.raises(ScenarioError, match="kind"):
        scenario(variants=bad)
    with pytest.raises(ScenarioError, match="off_track"):
        scenario(decision={"on_track": 0.5, "off_track": 0.6})


def test_ties_are_said_and_the_next_measure_named():
    text = sim.compare(scenario(variants={"relabel": VARIANTS["relabel"], "b-small": VARIANTS["b-small"],
                                          "a-less": {"kind": "policy", "set": {"projects.a.it_mw": 5}}})).summary_text()
    assert "no policy changes P('plan' met): all 2 tie at 0.0%; ordered by the next measure, public cost" in text
    assert "best" not in text


# --- the verdict --------------------------------------------------------------------------------

SCENARIO = {"horizon": {"start": "2025-01", "end": "2026-12"},
            "targets": [{"name": "old", "by": "2025-06", "total_eflops": 1, "role": "calibration"},
                        {"name": "plan", "by": "2026-12", "total_eflops": 10.0}],
            "grid": {"headroom_mw": 50, "additions": [{"month": "2026-01", "mw": 100}, {"month": "2027-06", "mw": 999}]}}


def tables(probability: float, reached: str, p50: float = 9.0, p10: float = 7.5):
    targets = pd.DataFrame([{"variant": "base", "target": "old", "by": "2025-06", "probability": 1.0,
                             "reached_p50": "2025-01"},
                            {"variant": "base", "target": "plan", "by": "2026-12", "probability": probability,
                             "reached_p50": reached}])
    monthly = pd.DataFrame([
        {"variant": "base", "month": "2025-01", "metric": "facility_mw", "p10": 90, "p50": 100, "p90": 110},
        {"variant": "base", "month": "2026-12", "metric": "facility_mw", "p10": 200, "p50": 220, "p90": 240},
        {"variant": "base", "month": "2026-12", "metric": "total_eflops", "p10": p10, "p50": p50, "p90": 11},
    ])
    return targets, monthly


@pytest.mark.parametrize("p, word", [(0.8, "on track"), (0.95, "on track"), (0.79, "at risk"), (0.2, "at risk"),
                                     (0.19, "off track"), (0.0, "off track")])
def test_verdict_class_at_the_default_thresholds(p, word):
    assert verdict_class(p) == word


def test_verdict_line_on_track():
    line = verdict_line(SCENARIO, *tables(0.9, "2026-10", p50=10.5, p10=10.0))
    assert line == ("on track: P('plan' met by 2026-12) 90% (on track at >= 80%, off track below 20%); no shortfall "
                    "in 2026-12 (even the low end, P10, meets it); reached 2026-10 (median); peak facility 220 MW (median), +120 MW over "
                    "2025-01, against 150 MW of grid declared for new projects")


def test_verdict_line_at_risk_gives_the_shortfall_in_the_targets_unit():
    line = verdict_line(SCENARIO, *tables(0.4, "never"))
    assert line.startswith("at risk: P('plan' met by 2026-12) 40%")
    assert "short in 2026-12 by 1.00 EFLOPS total at the median, 2.50 at the low end (P10)" in line
    assert "not reached within the horizon (median)" in line


def test_verdict_line_off_track_and_the_scenarios_thresholds():
    assert verdict_line(SCENARIO, *tables(0.1, "never")).startswith("off track: ")
    strict = {**SCENARIO, "decision": {"on_track": 0.95, "off_track": 0.5}}
    assert verdict_line(strict, *tables(0.9, "2026-10")).startswith("at risk: ")
    assert verdict_line(strict, *tables(0.45, "never")).startswith("off track: ")


def test_verdict_says_already_met_at_the_start_never_the_first_month():
    line = verdict_line(SCENARIO, *tables(1.0, "2025-01", p50=12, p10=11))
    assert "already met at the start" in line and "2025-01 (median)" not in line


def test_verdict_met_early_then_lost_says_first_met_not_held_never_reached():
    # reached_p50 is the first month ever met; the P50 run is 1.0 short at the target's month (9 < 10)
    line = verdict_line(SCENARIO, *tables(0.4, "2026-03"))
    assert "first met 2026-03 (median), not held at 2026-12" in line and "reached" not in line
    start = verdict_line(SCENARIO, *tables(0.4, "2025-01"))
    assert "met at the start, not held at 2026-12" in start and "already" not in start
    late = verdict_line(SCENARIO, *tables(0.4, "2027-02"))  # first met after the target's month: late, not lost
    assert "reached 2027-02 (median)" in late and "not held" not in late


def test_verdict_without_a_plan_target_or_a_grid():
    line = verdict_line({"horizon": SCENARIO["horizon"]}, *tables(1.0, "2025-01"))
    assert line == "no verdict: the scenario has no plan target; peak facility 220 MW (median), +120 MW over 2025-01; " \
                   "no grid capacity declared"


def test_capsim_run_opens_with_the_verdict(tmp_path):
    done = capsim("run", "scenarios/example.yaml", "-r", "50", "--out", tmp_path / "out", "--no-plots")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.split(":")[0] in ("on track", "at risk", "off track") and "P('plan 2030' met by 2030-12)" in first
    html = (tmp_path / "out" / "report.html").read_text()
    assert f"Verdict: {first[0].upper()}{first[1:]}.".replace("'", "&#x27;").replace(">", "&gt;") in html


def test_a_cell_that_is_not_a_valid_scenario_is_refused_before_anything_runs(tmp_path):
    import yaml
    # each valid alone; together the target's month falls before the horizon's start
    cells = {**VARIANTS, "start-later": {"kind": "policy", "set": {"horizon.start": "2025-06"}},
             "early-plan": {"kind": "risk", "set": {"targets.plan.by": "2025-03"}}}
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(data(variants=cells), sort_keys=False))
    before = snapshot(tmp_path)
    done = capsim("compare", file, "--across", "risks", "--out", tmp_path / "out", "-q")
    assert done.returncode == 2 and "targets[plan].by" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert snapshot(tmp_path) == before


# --- the report, from a hand-written folder ----------------------------------------------------

def test_report_splits_the_ranking_by_kind_and_shows_the_matrix(tmp_path):
    from report_folders import compare_folder
    from sim.report.answer import answer
    from sim.report.read import read_folder

    folder = compare_folder(tmp_path / "cmp")
    columns = ["rank", "variant", "kind", "assumed_behaviour", "rank_by", "value", "diff_mean", "diff_ci_low",
               "diff_ci_high", "public_cost_cny"]
    pd.DataFrame([[1, "fast", "policy", "investor response to the subsidy (assumed)", "plan A", 0.95, 0.2, 0.15, 0.25,
                   3e8],
                  [2, "cheap", "policy", "", "plan A", 0.75, 0, 0, 0, 1.5e8],
                  [3, "base", "base", "", "plan A", 0.75, math.nan, math.nan, math.nan, 2.5e8],
                  [1, "slow", "risk", "", "plan A", 0.40, -0.35, -0.4, -0.3, 2.5e8]],
                 columns=columns).to_csv(folder / "ranking.csv", index=False)
    rows = []
    # policies base, fast x scenarios base, slow: P(met) base 0.75, 0.40; fast 0.95, 0.50 -> regrets base 0.2, 0.1
    for policy, values in (("base", (0.75, 0.40)), ("fast", (0.95, 0.50))):
        for scenario, value in zip(("base", "slow"), values):
            best = {"base": 0.95, "slow": 0.50}[scenario]
            rows.append({"policy": policy, "scenario": scenario, "measure": "plan A", "value": value,
                         "regret": best - value, "diff_vs_base": 0.0, "diff_ci_low": 0.0, "diff_ci_high": 0.0,
                         "worst_case": min(values), "max_regret": 0.2 if policy == "base" else 0.0,
                         "share_on_track": 0.5 if policy == "fast" else 0.0,
                         "assumed_behaviour": "investor response to the subsidy (assumed)" if policy == "fast" else "",
                         "rule": "minimax-regret", "recommended": int(policy == "fast")})
    pd.DataFrame(rows).to_csv(folder / "robustness.csv", index=False)
    result = answer(read_folder(folder))
    assert result.sentences[0].startswith("Verdict: At risk: P('plan A' met by 2025-03) 75%")
    assert "Robust choice: fast (largest regret 0.0 points, worst case 50%), by the rule minimax-regret" in \
        " ".join(result.sentences)
    assert result.ranking["variant"].tolist() == ["fast", "cheap", "base"]  # 'slow' is a risk: never ranked
    assert "rests on an assumed investor response" in result.ranking.set_index("variant").at["fast", "what it is"]
    captions = [caption for caption, _ in result.tables]
    assert captions[0].startswith("Robustness: every policy under every risk")
    matrix = result.tables[0][1].set_index("policy")
    assert matrix.loc["fast *"].tolist() == ["95%", "50%", "50%", "0.0 points", "1 of 2"]
    assert matrix.loc["base"].tolist() == ["75%", "40%", "40%", "20.0 points", "0 of 2"]
    assert captions[1].startswith("What moves the outcome") and result.tables[1][1]["variant"].tolist() == ["slow"]
    risks = result.tables[1][1]
    assert "rank" not in risks.columns and "figure (%)" in risks.columns and "ranked figure (%)" not in risks.columns
    assert "sorted by the size of the effect against the base" in captions[1]
    assert "rank" in result.ranking.columns


def test_report_page_order_verdict_policies_matrix_risks():
    from report_folders import compare_folder
    from sim.report.page import answer_section
    from sim.report.answer import answer
    from sim.report.read import read_folder
    import tempfile, pathlib
    folder = compare_folder(pathlib.Path(tempfile.mkdtemp()) / "cmp")
    columns = ["rank", "variant", "kind", "assumed_behaviour", "rank_by", "value", "diff_mean", "diff_ci_low",
               "diff_ci_high", "public_cost_cny"]
    pd.DataFrame([[1, "fast", "policy", "", "plan A", 0.95, 0.2, 0.15, 0.25, 3e8],
                  [2, "base", "base", "", "plan A", 0.75, math.nan, math.nan, math.nan, 2.5e8],
                  [1, "small", "risk", "", "plan A", 0.70, -0.05, -0.1, 0.0, 2.5e8],
                  [2, "slow", "assumption", "", "plan A", 0.40, -0.35, -0.4, -0.3, 2.5e8],
                  [1, "fp32", "view", "", "plan A", 0.0, -0.75, -0.8, -0.7, 2.5e8]],
                 columns=columns).to_csv(folder / "ranking.csv", index=False)
    read = read_folder(folder)
    result = answer(read)
    html = answer_section(read, result)
    order = [html.index(s) for s in ("Verdict:", "Ranking of the runs", "What moves the outcome", "counted another way: views")]
    assert order == sorted(order)
    # risks and assumptions: no rank, sorted by the size of the effect (|-0.35| before |-0.05|)
    assert result.tables[0][1]["variant"].tolist() == ["slow", "small"]


def test_report_says_no_policy_changes_the_measure_when_all_tie_and_names_none_best(tmp_path):
    from report_folders import compare_folder
    from sim.report.answer import answer
    from sim.report.read import read_folder

    folder = compare_folder(tmp_path / "cmp")
    columns = ["rank", "variant", "kind", "assumed_behaviour", "rank_by", "value", "diff_mean", "diff_ci_low",
               "diff_ci_high", "public_cost_cny"]
    pd.DataFrame([[1, "cheap", "policy", "", "plan A", 1.0, 0, 0, 0, 0],
                  [2, "base", "base", "", "plan A", 1.0, math.nan, math.nan, math.nan, 0],
                  [3, "dear", "policy", "", "plan A", 1.0, 0, 0, 0, 3e8]],
                 columns=columns).to_csv(folder / "ranking.csv", index=False)
    read = read_folder(folder)
    result = answer(read)
    text = " ".join(result.sentences)
    assert "no policy changes it: all 3 runs tie at 100%; ordered by the next measure, public money" in text
    assert "best" not in text
    from sim.report.page import answer_section
    assert "Ranking of the runs by probability of meeting &#x27;plan A&#x27; (%): all tie, so ordered by public " \
           "money, lowest first" in answer_section(read, result).replace("&#39;", "&#x27;")


def test_met_at_the_start_is_never_printed_as_a_date():
    data_ = data(variants={"more-c": VARIANTS["more-c"]})
    data_["targets"] = [{"name": "plan", "by": "2025-12", "total_eflops": 1.0}]  # project a alone meets it in 2025-01
    s = sim.scenario_from_data(data_)
    run = sim.summary_text(sim.simulate(s, replications=2))
    assert run.splitlines()[0].startswith("on track: P('plan' met by 2025-12) 100%")
    assert "already met at the start" in run.splitlines()[0] and "2025-01 (median)" not in run
    assert "first met (P50) already met at the start" in run
    one = sim.summary_text(sim.simulate(s))  # one replication: met or missed, no P (sim.analysis.single)
    assert one.splitlines()[0].startswith("met: 'plan' by 2025-12 (one replication)")
    assert "): met; " in one and "already met at the start" in one and "2025-01" not in one.split("by 2025-12")[-1]
    text = sim.compare(s).summary_text()
    rows = [line for line in text.splitlines() if line.split()[1:2] in (["base"], ["more-c"])]
    assert len(rows) == 2 and all("at the start" in r and "2025-01" not in r for r in rows)


# --- the review's defects (ties on cost, clashes by index, materiality, nothing on track, ranks) --

def matrix(values, policies, scenarios, rule="minimax-regret", costs=None, threshold=0.8, replications=1000,
           uncertain=True, measure="plan"):
    from sim.run.robustness import Robustness
    values = np.asarray(values, dtype=float)
    return Robustness(policies, scenarios, measure, "P('plan' met)", values, np.zeros(values.shape + (3,)), True,
                      threshold, rule, {}, None if costs is None else np.asarray(costs, dtype=float), replications,
                      uncertain)


def test_a_full_tie_goes_to_the_cheaper_policy_and_says_so():
    # fast-plus-vouchers (1.46e9 CNY) and fast (4e4 CNY) both 41% and 0% in every cell; base 20%, 0%
    # regrets: base 21 points, the two 0; worst case 0% for all three
    m = matrix([[0.2, 0.0], [0.41, 0.0], [0.41, 0.0]], ["base", "fast-plus-vouchers", "fast"], ["base", "grid"],
               costs=[0.0, 1.46e9, 4e4])
    assert {rule: m.picks()[rule] for rule in ("minimax-regret", "worst-case", "satisficing")} == {
        "minimax-regret": "fast", "worst-case": "fast", "satisficing": "fast"}
    text = "\n".join(m.lines())
    assert "recommended: fast (max regret 0.0 points, worst case 0%)" in text
    assert ("2 policies tie on the largest regret and the worst case; the cheaper in public money, fast "
            "(0.00 bn CNY), is chosen") in text
    assert "broken by the better worst case" not in text
    assert "worst-case picks fast (3 tie on the worst case and the largest regret" not in text  # base's regret differs
    assert "worst-case picks fast (2 tie on the worst case and the largest regret, decided by the cheaper in " \
           "public money)" in text
    table = m.table()
    assert table[table.recommended == 1]["policy"].unique().tolist() == ["fast"]
    assert table.groupby("policy", sort=False)["public_cost_cny"].first().tolist() == [0.0, 1.46e9, 4e4]
    # the same cost: the base first, then by name
    assert choose(np.array([[0.4], [0.4], [0.4]]), "minimax-regret", costs=np.array([0, 0, 0]),
                  names=["base", "b", "a"]) == 0
    assert choose(np.array([[0.1], [0.4], [0.4]]), "minimax-regret", costs=np.array([0, 5, 5]),
                  names=["base", "b", "a"]) == 2
    # a tie on the first key only is still broken by the second, and said so
    # worst cases 50%, 10%, 50%; largest regrets 40, 80, 30 points: q
    m = matrix([[0.5, 0.5], [0.9, 0.1], [0.6, 0.5]], ["base", "p", "q"], ["base", "r"], rule="worst-case",
               costs=[0, 0, 0])
    assert m.recommended == "q" and "2 policies tie on the worst case: the tie is broken by the smaller " \
                                    "largest regret" in "\n".join(m.lines())
    # every key and the cost tie: the base is kept, and that is what the output says
    m = matrix([[0.5, 0.5], [0.5, 0.5]], ["base", "p"], ["base", "r"], costs=[0, 0])
    assert "no rule separates them; they cost the same public money, so the base (do nothing new) is kept" in \
        "\n".join(m.lines())


def test_a_clash_is_found_however_the_paths_name_the_item():
    # project c is the third item (index 2): the policy names it by id, the risk by index
    clash = {"more-c": VARIANTS["more-c"], "c-small": {"kind": "risk", "set": {"projects.2.compute.pflops": 10}}}
    with pytest.raises(ScenarioError, match=r"policy 'more-c' and risk 'c-small' both set projects.c.compute.pflops "
                                            r"\(the other writes it projects.2.compute.pflops\)"):
        sim.compare(scenario(variants=clash), across="risks")
    # nested: the risk replaces the whole compute block of item 2 that the policy changes inside
    nested = {"more-c": VARIANTS["more-c"],
              "c-block": {"kind": "risk", "set": {"projects.2.compute": {"pflops": 10, "precision": "FP32"}}}}
    with pytest.raises(ScenarioError, match="both set projects.c.compute.pflops"):
        sim.compare(scenario(variants=nested), across="risks")
    # another item by index is no clash
    fine = {"more-c": VARIANTS["more-c"], "b-small": {"kind": "risk", "set": {"projects.1.compute.pflops": 100}}}
    m = sim.compare(scenario(variants=fine), rank_by="eflops", across="risks").robustness
    assert m.values == pytest.approx(np.array([[1.8, 1.8], [3.0, 3.0]]))
    with pytest.raises(ScenarioError, match="both set projects.c.compute.pflops"):
        sim.scenario.variants.combine_variants(scenario(variants=clash), "more-c", "c-small")


def test_cost_effectiveness_needs_material_public_money():
    from sim.run.kinds import MATERIAL_CNY, cost_effectiveness
    assert MATERIAL_CNY == 1e7
    table = pd.DataFrame([{"variant": "base", "value": 0.2, "public_cost_cny": 0.0, "total_eflops_end": 10.0},
                          {"variant": "fast", "value": 0.41, "public_cost_cny": 4e4, "total_eflops_end": 10.0},
                          {"variant": "vouchers", "value": 0.41, "public_cost_cny": 2e9, "total_eflops_end": 11.0}])
    lines = cost_effectiveness(table, "plan")
    assert lines[1] == "  fast: no material public cost (+40,000 CNY against the base, below +-0.01 bn CNY): no ratio"
    # (0.41 - 0.2) * 100 / 2 = 10.5 points per bn CNY; (11 - 10) / 2 = 0.5 EFLOPS per bn CNY
    assert lines[2] == ("  vouchers: +2.00 bn CNY public money against the base: +10.5 points of P per bn CNY; "
                        "+0.50 EFLOPS at the end per bn CNY")


def test_a_scenario_in_which_no_policy_is_on_track_is_said():
    m = matrix([[0.25, 0.0], [0.86, 0.0], [0.64, 0.0]], ["base", "pkg", "fast"], ["base", "grid-tight"],
               costs=[0, 3e9, 0])
    text = "\n".join(m.lines())
    assert "no policy is on track under grid-tight (best: every policy at 0.0%; on track at >= 80%)" in text
    assert "no policy is on track in the base" not in text
    m = matrix([[0.25, 0.0], [0.6, 0.1], [0.64, 0.0]], ["base", "pkg", "fast"], ["base", "grid-tight"],
               rule="satisficing", costs=[0, 3e9, 0])
    text = "\n".join(m.lines())
    assert "no policy is on track in the base scenario (best: fast at 64.0%; on track at >= 80%)" in text
    assert "no policy is on track under grid-tight (best: pkg at 10.0%; on track at >= 80%)" in text
    # shares all 0: the fallback is the largest regret, base 39 points, pkg 4, fast 10
    assert ("no policy is on track in any scenario; the rule falls back to the smaller largest regret: pkg"
            in text)
    table = m.table()
    assert table[table.scenario == "grid-tight"]["on_track"].tolist() == [0, 0, 0]


def test_ranking_csv_ranks_only_the_policies_and_the_base(tmp_path):
    import yaml
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(data(), sort_keys=False))
    done = capsim("compare", file, "--rank-by", "eflops", "--out", tmp_path / "out", "--no-plots")
    assert done.returncode == 0, done.stderr
    ranking = pd.read_csv(tmp_path / "out" / "ranking.csv", keep_default_na=False)
    ranks = ranking.set_index("variant")["rank"].astype(str).to_dict()
    # eflops at the end: more-c 3.0, b-early 2.3, base 1.8
    assert ranks == {"more-c": "1", "b-early": "2", "base": "3", "b-small": "", "c-late": "", "more-a": "",
                     "relabel": ""}
    assert (tmp_path / "out" / "report.html").exists()
    assert capsim("report", tmp_path / "out").returncode == 0


def test_few_replications_warn_that_the_choice_may_not_be_stable():
    values, names = [[0.0, 1.0], [1.0, 1.0]], ["base", "p"]
    # Wilson at n = 1, P = 50%: 1.96 / (1 + 1.96^2) * sqrt(0.25 + 1.96^2 / 4) = 0.445
    assert ("warning: each cell is P from 1 run: its 95% interval (Wilson) is up to +-45 points, so the choice may "
            "not be stable; run at least 30 with -r") in matrix(values, names, ["base", "r"], replications=1).lines()
    # n = 20: 1.96 / 1.192 * sqrt(0.0125 + 0.0024) = 0.2007
    assert any("P from 20 runs: its 95% interval (Wilson) is up to +-20 points" in line
               for line in matrix(values, names, ["base", "r"], replications=20).lines())
    assert not any("warning" in line for line in matrix(values, names, ["base", "r"], replications=30).lines())
    assert not any("warning" in line for line in matrix(values, names, ["base", "r"], replications=1,
                                                        uncertain=False).lines())


def test_an_all_tie_suggests_only_other_measures():
    m = sim.compare(scenario(variants={"c-small": {"kind": "policy", "set": {"projects.a.it_mw": 5}},
                                       "b-small": VARIANTS["b-small"]}), rank_by="eflops", across="risks").robustness
    text = "\n".join(m.lines())
    assert "every policy scores the same in every scenario (1.80)" in text
    assert "(e.g. public_cost, peak_mw)" in text and "eflops)" not in text


def test_the_report_says_where_no_policy_is_on_track(tmp_path):
    from sim.report.decisions import nothing_on_track
    rows = [{"policy": p, "scenario": s, "value": v, "on_track": int(v >= 0.8)}
            for p, values in (("base", (0.25, 0.0, 0.19)), ("pkg", (0.86, 0.0, 0.63)))
            for s, v in zip(("base", "grid-tight", "supply-shock"), values)]
    assert nothing_on_track(pd.DataFrame(rows), "plan") == [
        "No policy is on track under grid-tight (best: every policy at 0.0%).",
        "No policy is on track under supply-shock (best: pkg at 63.0%)."]
    assert nothing_on_track(pd.DataFrame(rows).drop(columns="on_track"), "plan") == []  # an older robustness.csv


def test_a_clash_by_index_through_the_cli_is_one_line_exit_2(tmp_path):
    import yaml
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(data(variants={"bigger": {"kind": "policy", "set": {"projects.a.it_mw": 400}},
                                                  "smaller": {"kind": "risk", "set": {"projects.0.it_mw": 10}}}),
                                   sort_keys=False))
    before = snapshot(tmp_path)
    done = capsim("compare", file, "--across", "risks", "--out", tmp_path / "out", "-q")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "policy 'bigger' and risk 'smaller' both set projects.a.it_mw (the other writes it projects.0.it_mw)" \
        in one_line(done)
    assert snapshot(tmp_path) == before


def test_a_view_with_another_verdict_class_is_said_after_the_verdict():
    from sim.analysis.verdict import views_text
    assert views_text({}, 0.95, {"fp32-eq-low": 0.0, "fp32-eq-high": 0.99}) == (
        "counted another way: fp32-eq-low (view) gives off track (0%)")
    assert views_text({}, 0.95, {"fp32-eq-high": 0.9}) == ""
    assert views_text({"decision": {"on_track": 0.5, "off_track": 0.1}}, 0.6, {"v": 0.3}) == (
        "counted another way: v (view) gives at risk (30%)")


def test_robustness_csv_is_range_checked_when_the_measure_is_a_probability(tmp_path):
    from report_folders import compare_folder
    from sim.report.read import read_folder

    folder = compare_folder(tmp_path / "cmp")
    row = {"policy": "base", "scenario": "base", "measure": "plan A", "value": 0.75, "regret": 0.0,
           "diff_vs_base": 0.0, "diff_ci_low": 0.0, "diff_ci_high": 0.0, "worst_case": 0.75, "max_regret": 0.0,
           "share_on_track": 0.0, "assumed_behaviour": "", "rule": "minimax-regret", "recommended": 1}
    pd.DataFrame([row]).to_csv(folder / "robustness.csv", index=False)
    read_folder(folder)  # as capsim writes it: accepted
    pd.DataFrame([{**row, "value": 7.5}]).to_csv(folder / "robustness.csv", index=False)
    with pytest.raises(ScenarioError, match=r"robustness.csv: damaged table: column value, line 2: a probability "
                                            r"\(the measure is a target\) must be from 0 to 1 \(found 7.5\)"):
        read_folder(folder)
    pd.DataFrame([{**row, "measure": "energy", "value": 7.5, "worst_case": 7.5}]).to_csv(
        folder / "robustness.csv", index=False)
    read_folder(folder)  # an output (TWh): not a probability


def test_a_policy_bringing_in_a_lever_from_the_horizons_start_is_noted():
    levers = {"fast-now": {"kind": "policy", "set": {"policies.fast_track": {"delay_scale": 0.5}}},
              "fast-later": {"kind": "policy", "set": {"policies.fast_track": {"delay_scale": 0.5, "from": "2025-06"}}},
              "fast-start": {"kind": "policy", "set": {"policies.fast_track": {"delay_scale": 0.5, "from": "2025-01"}}}}
    text = sim.compare(scenario(variants=levers)).summary_text()
    assert ("note: in force from the horizon's first month (2025-01), with no later `from:`: fast-now (fast_track); "
            "fast-start (fast_track); a policy decided now acts later, and its effect date matters") in text
    assert "fast-later (" not in text
    assert "note: in force" not in sim.compare(scenario()).summary_text()  # no lever brought in


def test_report_says_when_the_rules_pick_came_from_its_tie_break(tmp_path):
    from report_folders import compare_folder
    from sim.report.answer import answer
    from sim.report.read import read_folder

    folder = compare_folder(tmp_path / "cmp")
    rows = []
    # worst cases all 0 (scenario 'tight'); largest regrets base 0.498, fast 0: worst-case picks fast by its tie-break
    for policy, values in (("base", (0.002, 0.0)), ("fast", (0.5, 0.0))):
        for scenario, value in zip(("base", "tight"), values):
            rows.append({"policy": policy, "scenario": scenario, "measure": "plan A", "value": value,
                         "regret": 0.0, "diff_vs_base": 0.0, "diff_ci_low": 0.0, "diff_ci_high": 0.0,
                         "worst_case": 0.0, "max_regret": 0.498 if policy == "base" else 0.0,
                         "share_on_track": 0.0, "assumed_behaviour": "", "rule": "worst-case",
                         "recommended": int(policy == "fast")})
    pd.DataFrame(rows).to_csv(folder / "robustness.csv", index=False)
    result = answer(read_folder(folder))
    assert ("All 2 policies' worst case is 0%: the worst-case rule decided by its tie-break, the smaller largest "
            "regret.") in result.sentences
    matrix = next(t for c, t in result.tables if c.startswith("Robustness")).set_index("policy")
    assert matrix.at["base", "base"] == "<1%" and matrix.at["fast", "tight"] == "0%"


def test_a_probability_is_never_shown_on_the_wrong_side_of_a_threshold():
    # the hostile review: 0.3135 at on_track 0.314 printed "31% (on track at >= 31%)"; 0.7995 would read 80%
    from sim.analysis.verdict import edge_text, percent_text
    assert percent_text(0.7995, (0.8, 0.2)) == "79.95%"  # at risk: not "80%"
    assert percent_text(0.8, (0.8, 0.2)) == "80%"
    assert percent_text(0.253, (0.8, 0.2)) == "25%"
    assert percent_text(0.99999, (0.8, 0.2)) == "99.999%"  # never 100% when not every run
    assert percent_text(0.002, (0.8, 0.2)) == "0.2%"  # never 0% when some runs
    assert percent_text(0.0, (0.8, 0.2)) == "0%" and percent_text(1.0, (0.8, 0.2)) == "100%"
    assert edge_text(0.314) == "31.4%" and edge_text(0.8) == "80%" and edge_text(-0.0) == "0%"
