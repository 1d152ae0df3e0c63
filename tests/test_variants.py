"""Variants and overrides: applied to the file's data, validated again, errors at the variant's line."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sim
import sim.scenario.validate
from sim.scenario.paths import PathError, set_in_data
from sim.scenario.variants import apply_variant, parse_override

from policy_scenarios import capsim

SCENARIO = """\
name: variants test
horizon: {start: 2025-01, end: 2026-12}
sites:
  flat: {monthly_temp_c: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]}
cooling:
  air: {pue_curve: [[10, 1.5]]}
projects:
  - id: ai-1
    class: intelligent
    site: flat
    cooling: air
    compute: {pflops: 1000, precision: FP16}
    it_mw: 10
    utilization: 0.5
    investment_cny: 1.0e9
    status: construction
    online: 2025-06
policies:
  capex_subsidy: {rate: 0.2}
variants:
  no-subsidy:
    description: Remove the capex subsidy
    set: {policies.capex_subsidy.rate: 0}
  late:
    set:
      projects.ai-1.online: 2026-03
      policies.emissions: {grid_t_per_mwh: 0.5}
"""


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def with_variant(path, text):
    """The file with one more variant appended (its `set` on the last line)."""
    path.write_text(SCENARIO + text, encoding="utf-8")
    return path


def test_set_in_data_names_list_items_by_id_and_adds_missing_keys():
    data = {"projects": [{"id": "a", "it_mw": 1}, {"id": "b", "it_mw": 2}], "grid": None}
    new, where = set_in_data(data, "projects.b.it_mw", 5)
    assert new["projects"][1]["it_mw"] == 5 and data["projects"][1]["it_mw"] == 2  # copied, not changed
    assert where == ("projects", 1, "it_mw")
    new, where = set_in_data(data, "policies.fast_track.delay_scale", 0.5)
    assert new["policies"] == {"fast_track": {"delay_scale": 0.5}} and where == ("policies", "fast_track", "delay_scale")
    with pytest.raises(PathError, match="no item 'c'"):
        set_in_data(data, "projects.c.it_mw", 1)
    with pytest.raises(PathError, match="goes below a value"):
        set_in_data(data, "projects.a.it_mw.x", 1)


def test_set_in_data_takes_a_dotted_parameter_key_whole():
    """uncertainty.parameters is keyed by dotted paths: the longest existing key wins, and a new
    key below it is the whole rest of the path (not nested mappings)."""
    dist = {"dist": "uniform", "low": 600, "high": 1400}
    data = {"supply": {"ai_pflops_per_month": 1000},
            "uncertainty": {"parameters": {"supply.ai_pflops_per_month": dist}}}
    shock = {"dist": "uniform", "low": 200, "high": 500}
    new, where = set_in_data(data, "uncertainty.parameters.supply.ai_pflops_per_month", shock)
    assert new["uncertainty"]["parameters"] == {"supply.ai_pflops_per_month": shock}
    assert where == ("uncertainty", "parameters", "supply.ai_pflops_per_month")
    new, where = set_in_data(data, "uncertainty.parameters.supply.ai_pflops_per_month.high", 900)
    assert new["uncertainty"]["parameters"]["supply.ai_pflops_per_month"] == {**dist, "high": 900}
    assert where == ("uncertainty", "parameters", "supply.ai_pflops_per_month", "high")
    new, _ = set_in_data(data, "uncertainty.parameters.projects.a.it_mw", {"dist": "fixed", "value": 3})
    assert set(new["uncertainty"]["parameters"]) == {"supply.ai_pflops_per_month", "projects.a.it_mw"}
    new, _ = set_in_data(data, "supply.ai_pflops_per_month", 400)  # plain keys as before
    assert new["supply"] == {"ai_pflops_per_month": 400}


def test_a_variant_changes_its_paths_and_nothing_else(scenario_file):
    base = sim.load_scenario(scenario_file)
    late = apply_variant(base, "late")
    assert late.project("ai-1").online == "2026-03"
    assert late.policies.emissions.grid_t_per_mwh == 0.5
    assert late.policies.capex_subsidy == base.policies.capex_subsidy
    assert late.variants == {}
    assert apply_variant(base, "no-subsidy").policies.capex_subsidy.rate == 0
    assert apply_variant(base, None) is base and apply_variant(base, "base") is base


def test_overrides_apply_after_the_variant_and_are_read_as_yaml(scenario_file):
    base = sim.load_scenario(scenario_file)
    change = parse_override("policies.capex_subsidy.rate=0.35")
    assert change.value == 0.35
    assert parse_override("projects.ai-1.online=2027-06").value == "2027-06"
    assert parse_override("projects.ai-1.phases=[0.5, 0.5]").value == [0.5, 0.5]
    scenario = apply_variant(base, "no-subsidy", [change])
    assert scenario.policies.capex_subsidy.rate == 0.35
    applied = sim.scenario.validate.origin_of(scenario).applied
    assert applied == {"variant": "no-subsidy", "description": "Remove the capex subsidy",
                       "set": {"policies.capex_subsidy.rate": 0}, "overrides": {"policies.capex_subsidy.rate": 0.35},
                       "undrawn": []}


def test_an_invalid_variant_is_reported_at_its_own_line_with_its_name(scenario_file):
    with_variant(scenario_file, "  broken:\n    set: {policies.capex_subsidy.rate: 2}\n")
    with pytest.raises(sim.ScenarioError) as error:
        sim.load_scenario(scenario_file)
    (problem,) = error.value.problems
    assert (problem.line, problem.column) == (29, 40)
    assert str(problem) == (f"{scenario_file}:29:40: policies.capex_subsidy.rate: "
                            "variant 'broken': must be at most 1 (got 2)")


def test_a_variant_path_that_does_not_exist_is_reported_at_its_line(scenario_file):
    with_variant(scenario_file, "  broken:\n    set:\n      projects.ai-9.online: 2027-01\n")
    with pytest.raises(sim.ScenarioError) as error:
        sim.load_scenario(scenario_file)
    (problem,) = error.value.problems
    assert problem.line == 30
    assert "variant 'broken': path 'projects.ai-9.online' does not exist" in problem.message


def test_a_variant_with_an_unknown_key_suggests_the_right_one(scenario_file):
    with_variant(scenario_file, "  broken:\n    set: {policies.capex_subsidy.rte: 0.1}\n")
    with pytest.raises(sim.ScenarioError) as error:
        sim.load_scenario(scenario_file)
    assert any(p.line == 29 and "unknown key 'rte'; did you mean 'rate'?" in p.message for p in error.value.problems)


def test_a_variant_that_breaks_a_cross_field_rule_names_the_variant(scenario_file):
    with_variant(scenario_file, "  broken:\n    set: {projects.ai-1.site: nowhere}\n")
    with pytest.raises(sim.ScenarioError) as error:
        sim.load_scenario(scenario_file)
    (problem,) = error.value.problems
    assert problem.line == 29 and problem.message.startswith("variant 'broken': unknown site 'nowhere'")


def test_a_variant_may_not_be_called_base_or_change_variants(scenario_file):
    with_variant(scenario_file, "  base:\n    set: {}\n")
    with pytest.raises(sim.ScenarioError, match="'base' names the scenario without variants"):
        sim.load_scenario(scenario_file)
    with_variant(scenario_file, "  meta:\n    set: {variants.late.description: x}\n")
    with pytest.raises(sim.ScenarioError, match="cannot change `variants`"):
        sim.load_scenario(scenario_file)


def test_unknown_variant_is_an_error(scenario_file):
    with pytest.raises(sim.ScenarioError, match="unknown variant 'lat'; this scenario's variants: no-subsidy, late"):
        apply_variant(sim.load_scenario(scenario_file), "lat")


def test_variants_of_a_scenario_built_from_data():
    data = sim.scenario.yamlio.parse_yaml(SCENARIO)[0]
    scenario = sim.scenario_from_data(data)
    assert apply_variant(scenario, "late").project("ai-1").online == "2026-03"


# --- CLI -------------------------------------------------------------------------------------


def test_run_a_variant_with_an_override_records_both(scenario_file, tmp_path):
    out = tmp_path / "out"
    done = capsim("run", scenario_file, "--variant", "late", "--set", "policies.capex_subsidy.rate=0.1",
                  "--set", "projects.ai-1.utilization=0.4", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "variant late" in done.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["variant"] == "late"
    assert manifest["applied"]["set"] == {"projects.ai-1.online": "2026-03", "policies.emissions": {"grid_t_per_mwh": 0.5}}
    assert manifest["applied"]["overrides"] == {"policies.capex_subsidy.rate": 0.1, "projects.ai-1.utilization": 0.4}
    assert manifest["resolved_scenario"]["projects"][0]["utilization"] == 0.4
    for name in ("monthly", "annual", "targets", "projects"):
        assert set(pd.read_csv(out / f"{name}.csv").variant) <= {"late"}
    annual = pd.read_csv(out / "annual.csv")
    assert annual.query("metric == 'subsidy_cny' and year == 2026")["mean"].item() == pytest.approx(1e8)


def test_run_reports_a_bad_override_and_a_bad_variant(scenario_file, tmp_path):
    done = capsim("run", scenario_file, "--set", "policies.capex_subsidy.rate=2", "--out", tmp_path / "o")
    assert done.returncode == 2
    assert done.stderr.strip() == ("--set policies.capex_subsidy.rate=2: policies.capex_subsidy.rate: "
                                   "must be at most 1 (got 2)")
    done = capsim("run", scenario_file, "--set", "rate", "--out", tmp_path / "o")
    assert done.returncode == 2 and "must be written path=value" in done.stderr
    done = capsim("run", scenario_file, "--variant", "nope", "--out", tmp_path / "o")
    assert done.returncode == 2 and "unknown variant 'nope'" in done.stderr
    with_variant(scenario_file, "  broken:\n    set: {policies.capex_subsidy.rate: -1}\n")
    done = capsim("validate", scenario_file)
    assert done.returncode == 2
    assert done.stderr.startswith(f"{scenario_file}:29:40: policies.capex_subsidy.rate: variant 'broken':")
    assert "Traceback" not in done.stderr


def test_a_variant_name_with_a_dot_is_refused_plainly_at_its_key(scenario_file, tmp_path):
    """Dots separate the parts of a dotted path (--set), so a name cannot hold one; the message says
    so at the name's line and column (once: 'variants.pue-1.15-upgrade.[key]: must use ...')."""
    with_variant(scenario_file, "  pue-1.15-upgrade:\n    set: {policies.capex_subsidy.rate: 0.1}\n")
    out = tmp_path / "never"
    done = capsim("run", scenario_file, "--variant", "pue-1.15-upgrade", "-r", "1", "--out", out)
    assert done.returncode == 2 and not out.exists()
    assert done.stderr.splitlines() == [
        f"{scenario_file}:28:3: variants: variant names may not contain '.' (got 'pue-1.15-upgrade'); dots separate "
        "the parts of a dotted path (--set); use letters, digits, '-' and '_'"]


def test_a_variant_name_with_another_bad_character_keeps_its_message_at_its_key(scenario_file):
    with_variant(scenario_file, "  bad name:\n    set: {policies.capex_subsidy.rate: 0.1}\n")
    with pytest.raises(sim.ScenarioError) as error:
        sim.load_scenario(scenario_file)
    (problem,) = error.value.problems
    assert str(problem) == f"{scenario_file}:28:3: variants: must use letters, digits, '-' and '_' only (got 'bad name')"
