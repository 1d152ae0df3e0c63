"""A scenario's own sources (sim/scenario/facts.py): listed inline or in a file beside it, resolved
by the report as the shipped ones are, and a cited id listed nowhere warned about."""

from __future__ import annotations

import html
import re
import warnings

import pytest

import sim
from sim.report.sources import cited_ids, own_entries, scenario_sources
from sim.scenario.facts import unlisted
from sim.scenario.sanity import InputWarning
from safety import capsim, one_line

BASE = """\
version: 1
name: Own sources
horizon: {start: 2025-01, end: 2025-06}
sites:
  s: {monthly_temp_c: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10], source: "Q1, and S4"}
cooling:
  c: {pue_curve: [[0, 1.2], [30, 1.2]], source: "assumption: flat"}
projects:
  - {id: a, class: intelligent, site: s, cooling: c, compute: {pflops: 1000, precision: FP16}, it_mw: 10,
     utilization: 0.5, status: operating, source: "Q2 (Q2-draft is not Q2's id)"}
"""
INLINE = BASE + """\
sources:
  - {id: Q1, figure: "Qingyang mean temperature, 10 degC", date: 2024-05-01, address: "https://example.org/q1",
     reliability: H}
  - {id: Q2, figure: "Hub AI centre, 1000 PFLOPS FP16"}
"""
FACTS_YAML = """\
- {id: Q1, figure: "Qingyang mean temperature, 10 degC", date: 2024-05-01, address: "https://example.org/q1", reliability: H}
- {id: Q2, figure: "Hub AI centre, 1000 PFLOPS FP16"}
"""
FACTS_MD = "# Gansu sources\n\n### Q1\nQingyang mean temperature, 10 degC. Date: 2024-05-01. Reliability: H.\n" \
           "Address: https://example.org/q1\n\n### Q2\nHub AI centre, 1000 PFLOPS FP16\n"


def _quiet_load(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scenario = sim.load_scenario(path)
    return scenario, [str(w.message) for w in caught if issubclass(w.category, InputWarning)]


@pytest.mark.parametrize("form", ["inline", "yaml", "md"])
def test_own_facts_are_read_into_the_scenario(tmp_path, form):
    if form == "inline":
        (tmp_path / "s.yaml").write_text(INLINE)
    else:
        (tmp_path / f"facts.{form}").write_text(FACTS_YAML if form == "yaml" else FACTS_MD)
        (tmp_path / "s.yaml").write_text(BASE + f"sources: facts.{form}\n")
    scenario, warned = _quiet_load(tmp_path / "s.yaml")
    assert [f.id for f in scenario.sources] == ["Q1", "Q2"]
    assert warned == []  # Q1, Q2 listed by the scenario; S4 in docs/sources.md
    data = scenario.model_dump(mode="json", by_alias=True)
    entries = own_entries(data)
    assert entries["Q2"] == "Hub AI centre, 1000 PFLOPS FP16"
    assert entries["Q1"].startswith("Qingyang mean temperature, 10 degC")
    assert "https://example.org/q1" in entries["Q1"]
    rows = scenario_sources(data)
    assert cited_ids(rows, list(entries)) == ["S4", "Q1", "Q2"]
    kinds = {r.path: r.kind for r in rows}
    assert (kinds["sites.s"], kinds["cooling.c"], kinds["projects.a"]) == ("fact", "assumption", "fact")


def test_the_report_resolves_own_facts_beside_the_shipped_ones(tmp_path):
    (tmp_path / "s.yaml").write_text(INLINE)
    done = capsim("run", tmp_path / "s.yaml", "--out", tmp_path / "out", "-q", "--no-plots")
    assert done.returncode == 0, done.stderr
    page = html.unescape((tmp_path / "out" / "report.html").read_text())
    facts = page[page.index("Facts cited"):]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", facts))
    assert "S4 Shanxi's mean air temperature is 9.9 °C" in text  # shipped, from docs/sources.md
    assert "Q1 (the scenario's own) Qingyang mean temperature, 10 degC Date: 2024-05-01. Reliability: H." in text
    assert "Q2 (the scenario's own) Hub AI centre, 1000 PFLOPS FP16" in text
    assert 'href="#fact-q2"' in page  # the Q2 of a source: links to its entry


def test_a_cited_id_listed_nowhere_warns(tmp_path):
    text = INLINE.replace('source: "assumption: flat"', 'source: "Q7 and G99, FP16 and QX9"')
    (tmp_path / "s.yaml").write_text(text)
    done = capsim("validate", tmp_path / "s.yaml")
    assert done.returncode == 0
    where = f"{tmp_path / 's.yaml'}:7:49: cooling.c.source"
    assert done.stderr.splitlines() == [  # Q7 has the form of the scenario's ids; G99 the shipped form
        f"capsim: warning: {where}: cites fact 'G99', which neither the scenario's `sources:` nor capsim's "
        "docs/sources.md lists",
        f"capsim: warning: {where}: cites fact 'Q7', which neither the scenario's `sources:` nor capsim's "
        "docs/sources.md lists"]


def test_without_docs_sources_md_shipped_ids_are_not_checked():
    data = {"sites": {"s": {"source": "S99 and Q9"}}}
    assert unlisted(data, ["Q1"], None) == [(("sites", "s", "source"), "cites fact 'Q9', which neither the "
                                             "scenario's `sources:` nor capsim's docs/sources.md lists")]


@pytest.mark.parametrize("sources, facts, expected", [
    ("nothere.yaml", None, "s.yaml:11:10: sources: cannot use the sources file: {d}/nothere.yaml: cannot read "
                           "file: No such file or directory"),
    ("facts.yaml", "- {id: Q1, figure: a, reliability: X}\n",
     "facts.yaml:1:36: [Q1].reliability: must be one of 'H', 'M' or 'L' (got 'X')"),
    ("facts.yaml", "- {id: Q1, figure: a}\n- {id: Q1, figure: b}\n", "facts.yaml:2:8: [Q1].id: fact 'Q1' is listed twice"),
    ("facts.yaml", "- {id: Q1}\n", "facts.yaml:1:3: [Q1].figure: required key is missing"),
])
def test_a_bad_sources_file_is_one_line(tmp_path, sources, facts, expected):
    if facts is not None:
        (tmp_path / sources).write_text(facts)
    (tmp_path / "s.yaml").write_text(BASE + f"sources: {sources}\n")
    done = capsim("validate", tmp_path / "s.yaml")
    assert done.returncode == 2
    assert one_line(done) == f"{tmp_path}/" + expected.format(d=tmp_path)


def test_an_inline_id_listed_twice_is_an_error(write_yaml):
    path = write_yaml(INLINE.replace("id: Q2", "id: Q1"))
    done = capsim("validate", path)
    assert done.returncode == 2
    assert one_line(done) == f"{path}:14:10: sources[Q1].id: fact 'Q1' is listed twice"
