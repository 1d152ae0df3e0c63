"""Comparisons that could mislead: variants that remove or rename targets, one replication; and a
scenario without projects."""

from __future__ import annotations

import math
import re

import pytest

import sim
from conftest import project, scenario_data
from sim import ScenarioError


def targets_scenario() -> sim.Scenario:
    data = scenario_data(
        [project("a"), project("b", status="planned", online="2025-06")],
        targets=[{"name": "t1", "by": "2025-12", "total_eflops": 1.5}, {"name": "t2", "by": "2025-10", "total_eflops": 1}],
        uncertainty={"go_probability": {"planned": 0.5}},
        variants={"renamed": {"set": {"targets.t1.name": "t1b"}},
                  "fewer": {"set": {"targets": [{"name": "t2", "by": "2025-10", "total_eflops": 1}]}},
                  "bigger": {"set": {"projects.a.compute.pflops": 2000}}})
    return sim.scenario_from_data(data)


def test_variant_that_removes_or_renames_targets_compares_only_shared_targets():
    comparison = sim.compare(targets_scenario(), replications=20, seed=1, rank_by="t1")
    table = comparison.table
    # before: outputs were paired by position, so 'renamed' compared its t1b with the base's t1
    assert set(table[table.variant == "renamed"]["when"]) == {"t2", "2025", ""}
    assert set(table[table.variant == "fewer"]["when"]) == {"t2", "2025", ""}
    assert set(table[table.variant == "bigger"]["when"]) == {"t1", "t2", "2025", ""}
    # a's 1000 PFLOPS FP32 doubled: 1 EFLOPS more at every target, in every replication
    bigger = table[(table.variant == "bigger") & (table.output == "total_eflops")]
    assert bigger.diff_mean.tolist() == pytest.approx([1.0, 1.0])
    ranking = comparison.ranking()
    assert ranking.variant.tolist()[-2:] == ["renamed", "fewer"]  # no probability for t1: ranked last
    assert math.isnan(ranking.set_index("variant").loc["fewer", "value"])
    text = comparison.summary_text()
    assert text.splitlines()[-2:] == [
        "not compared, targets in only one of base and renamed: 't1' (base only), 't1b' (renamed only)",
        "not compared, targets in only one of base and fewer: 't1' (base only)"]
    assert "nan" not in text


def test_one_replication_compare_prints_no_nan():
    text = sim.compare(targets_scenario(), variants="bigger", replications=1, seed=1).summary_text()
    assert "nan" not in text.lower()
    bigger = next(line for line in text.splitlines() if " bigger " in line)
    assert re.search(r" [+-]\d+\.\d points \(no interval: 1 replication\) ", bigger)  # a difference, no interval


@pytest.mark.parametrize("projects", [[], None])
def test_scenario_without_projects_is_a_validation_error(projects):
    data = scenario_data([])
    data["projects"] = projects
    with pytest.raises(ScenarioError) as info:
        sim.scenario_from_data(data)
    expected = (["<data>: projects: must list at least one project (a scenario without projects has nothing to "
                 "simulate)"] if projects == [] else
                ["<data>: projects: must be a list (got None)", "<data>: (cross-field checks run once these are fixed)"])
    assert [str(p) for p in info.value.problems] == expected
