"""Bad input: every rule gives a one-line message with file:line:col and the field's path."""

from __future__ import annotations

import textwrap

import pytest

import sim
import sim.scenario.yamlio
from sim import ScenarioError

GOOD = textwrap.dedent("""\
    name: Test
    horizon: {start: 2025-01, end: 2030-12}
    sites:
      north:
        monthly_temp_c: [-10.4, -5.8, 1.5, 9.7, 16.5, 20.6, 22.3, 20.5, 15.1, 7.8, -1.1, -8.2]
    cooling:
      evaporative:
        pue_curve: [[-10, 1.12], [10, 1.15], [25, 1.35]]
    projects:
      - id: north-ai-1
        class: intelligent
        site: north
        cooling: evaporative
        compute: {pflops: 2000, precision: FP16}
        it_mw: 60
        utilization: 0.6
        status: construction
        online: 2026-06
        phases: [0.5, 0.5]
        phase_gap_months: 6
    uncertainty:
      delay_months:
        construction: {dist: triangular, low: 0, mode: 2, high: 9}
      parameters:
        projects.north-ai-1.it_mw: {dist: uniform, low: 50, high: 70}
    targets:
      - {name: plan 2027, by: 2027-12, total_eflops: 9, intelligent_share: 0.35}
    """)


def errors(write_yaml, text: str) -> list[str]:
    path = write_yaml(text)
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    return [str(p).replace(str(path), "F") for p in info.value.problems]


def edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def test_good_file_loads(write_yaml):
    scenario = sim.load_scenario(write_yaml(GOOD))
    assert scenario.projects[0].phases == (0.5, 0.5)
    assert scenario.accounting.label == "as reported"  # default from the schema


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("pflops: 2000", "pflops: -5",
         "F:14:23: projects[north-ai-1].compute.pflops: must be greater than 0 (got -5)"),
        ("precision: FP16", "precison: FP16",
         "F:14:29: projects[north-ai-1].compute.precison: unknown key 'precison'; did you mean 'precision'?"),
        ("utilization: 0.6", "utilization: 1.5",
         "F:16:18: projects[north-ai-1].utilization: must be at most 1 (got 1.5)"),
        ("status: construction", "status: building",
         "F:17:13: projects[north-ai-1].status: must be one of 'operating', 'construction', 'registered' or 'planned' (got 'building')"),
        ("online: 2026-06", "online: 2026-13",
         "F:18:13: projects[north-ai-1].online: must be a month written YYYY-MM, e.g. 2026-06 (got '2026-13')"),
        ("class: intelligent", "class: ai",
         "F:11:12: projects[north-ai-1].class: must be one of 'general', 'intelligent' or 'supercomputing' (got 'ai')"),
        ("dist: triangular", "dist: weibull",
         "F:23:19: uncertainty.delay_months.construction: dist must be one of 'fixed', 'uniform', 'triangular', 'normal', 'lognormal' (got 'weibull')"),
        ("it_mw: 60", "it_mw: sixty",
         "F:15:12: projects[north-ai-1].it_mw: must be a number (got 'sixty')"),
    ],
)
def test_schema_rules(write_yaml, old, new, expected):
    assert errors(write_yaml, edit(old, new)) == [expected]


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("site: north", "site: nort",
         "F:12:11: projects[north-ai-1].site: unknown site 'nort'; did you mean 'north'?"),
        ("cooling: evaporative\n    compute", "cooling: evap\n    compute",
         "F:13:14: projects[north-ai-1].cooling: unknown cooling 'evap'; did you mean 'evaporative'?"),
        ("end: 2030-12", "end: 2024-12",
         ["F:2:32: horizon.end: must not be before start 2025-01 (got 2024-12)",
          "F:27:27: targets[plan 2027].by: must be inside the horizon 2025-01..2024-12 (got 2027-12)"]),
        ("end: 2030-12", "end: 2200-12",
         "F:2:32: horizon.end: horizon is longer than 100 years (2025-01 to 2200-12)"),
        ("    online: 2026-06\n", "",
         "F:10:5: projects[north-ai-1]: online is required for a project that is construction"),
        ("phases: [0.5, 0.5]", "phases: [0.5, 0.4]",
         "F:19:13: projects[north-ai-1].phases: must sum to 1 (got 0.9)"),
        ("phases: [0.5, 0.5]", "phases: [1.5, -0.5]",
         "F:19:19: projects[north-ai-1].phases[1]: must be greater than 0 (got -0.5)"),
        ("[25, 1.35]", "[25, 0.95]",
         "F:8:47: cooling.evaporative.pue_curve[2][1]: PUE must be at least 1 (got 0.95)"),
        ("[10, 1.15]", "[-20, 1.15]",
         "F:8:31: cooling.evaporative.pue_curve[1][0]: temperatures must increase (got -20 after -10)"),
        (", -8.2]", "]",
         "F:5:21: sites.north.monthly_temp_c: must have 12 values, January to December (got 11)"),
        ("mode: 2", "mode: 12",
         "F:23:52: uncertainty.delay_months.construction.mode: must satisfy low <= mode <= high (got 0, 12, 9)"),
        ("projects.north-ai-1.it_mw", "projects.north-ai-2.it_mw",
         "F:25:5: uncertainty.parameters.projects.north-ai-2.it_mw: path 'projects.north-ai-2.it_mw' does not exist: at projects: no item 'north-ai-2' in this list"),
        ("projects.north-ai-1.it_mw", "projects.north-ai-1.status",
         "F:25:5: uncertainty.parameters.projects.north-ai-1.status: path 'projects.north-ai-1.status' names str 'construction', not a number"),
        ("by: 2027-12", "by: 2031-01",
         "F:27:27: targets[plan 2027].by: must be inside the horizon 2025-01..2030-12 (got 2031-01)"),
        ("phase_gap_months: 6", "phase_gap_months: 6\n    retire: 2026-06",
         "F:21:13: projects[north-ai-1].retire: must be after online 2026-06 (got 2026-06)"),
    ],
)
def test_cross_field_rules(write_yaml, old, new, expected):
    expected = expected if isinstance(expected, list) else [expected]
    assert errors(write_yaml, edit(old, new)) == expected


def test_duplicate_project_ids(write_yaml):
    text = GOOD.replace("targets:", textwrap.dedent("""\
        grid: {headroom_mw: 10}
        targets:"""))
    project = GOOD[GOOD.index("  - id: north-ai-1"):GOOD.index("uncertainty:")]
    text = text.replace("uncertainty:", project + "uncertainty:")
    assert errors(write_yaml, text) == [
        "F:21:9: projects[north-ai-1].id: duplicate project id 'north-ai-1' (first used by item 1)"
    ]


def test_every_problem_is_reported_at_once(write_yaml):
    text = edit("pflops: 2000", "pflops: 0").replace("it_mw: 60", "it_mw: -1").replace("utilization: 0.6", "utilization: 2")
    assert len(errors(write_yaml, text)) == 3


def test_missing_key(write_yaml):
    assert errors(write_yaml, edit("name: Test\n", "")) == ["F:1:1: name: required key is missing"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("name: a\nname: b\n", "F:2:1: duplicate key 'name'"),
        ("a: &x 1\nb: *x\n", "F:1:4: anchors (&x) are not allowed; write the value out"),
        ("a: !!float 1\n", "F:1:4: tags (tag:yaml.org,2002:float) are not allowed"),
        ("a: [1\n", "F:2:1: expected ',' or ']', but got '<stream end>'"),
        ("name: a\x07b\n", "F:1:8: character U+0007 is not allowed in YAML (a control character); remove it"),
        ("horizon: {<<: {start: 2025-01}, end: 2030-12}\n",
         "F:1:11: merge keys (<<) are not allowed; write the values out"),
        ("- 1\n- 2\n", "F:1:1: a scenario must be a mapping of keys (name:, horizon:, ...)"),
        ("", "F:1:1: the file is empty; a scenario is a mapping of keys (name:, horizon:, ...)"),
    ],
)
def test_yaml_rules(write_yaml, text, expected):
    assert errors(write_yaml, text) == [expected]


def test_yaml_1_2_reads_yes_as_text_and_exponents_as_numbers(write_yaml):
    data, _ = sim.scenario.yamlio.read_yaml(write_yaml("a: yes\nb: 3.2e9\nc: 2026-06\n"))
    assert data == {"a": "yes", "b": 3.2e9, "c": "2026-06"}


def test_oversized_file_is_refused(write_yaml, monkeypatch):
    monkeypatch.setattr(sim.scenario.yamlio, "MAX_FILE_BYTES", 100)
    assert errors(write_yaml, GOOD)[0].startswith("F:1:1: file is ")


def test_missing_file():
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario("no/such/file.yaml")
    assert str(info.value) == "no/such/file.yaml: cannot read file: No such file or directory"
