"""The page's plotly.js is the vendored cartesian partial bundle (sim.report.bundle): every trace
type a chart builder uses must be one it registers, and the Shanxi run's report must stay under
1.5 MB. The bundle is carried gzip-compressed and base64-encoded, with its licence header as a
comment; the browser tests (tests/test_report_pages.py) check that it unpacks and draws."""

from __future__ import annotations

import base64
import gzip
import re
from pathlib import Path

import sim
from report_folders import compare_folder, run_folder
from sim.report import bundle
from sim.report.page import charts_for
from sim.report.read import read_folder

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "sim" / "report"
MAX_RUN_REPORT_BYTES = 1_500_000


def constructors() -> dict[str, str]:
    """The trace constructors of sim/report/figure.py and the type each makes: ``scatter`` -> scatter."""
    source = (REPORT / "figure.py").read_text(encoding="utf-8")
    return dict(re.findall(r'def (\w+)\(\*\*props\) -> dict:\s+return trace\("(\w+)"', source))


def builder_trace_types() -> dict[str, set[str]]:
    """Every trace type written in a module of sim/report: ``trace("kind", ...)``, a call of a
    constructor of figure.py, or a trace dict ``{"type": "kind", ...}`` handed to ``add_trace``."""
    made = constructors()
    found: dict[str, set[str]] = {}
    for path in sorted(REPORT.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        kinds = set(re.findall(r'\btrace\(\s*["\'](\w+)["\']', source))
        kinds |= {made[name] for name in re.findall(r"(?<![\w.])(\w+)\(", source) if name in made}
        kinds |= set(re.findall(r'add_trace\(\s*(?:dict\(\s*type=|\{\s*["\']type["\']\s*:\s*)["\'](\w+)', source))
        if kinds:
            found[path.name] = kinds
    return found


def test_the_bundle_registers_the_trace_types_it_is_said_to():
    assert bundle.registered_types(bundle.bundle_text()) == set(bundle.TRACE_TYPES)
    assert bundle.registered_types('x={moduleType:"trace",name:"bar"},y={moduleType:"component",name:"legend"}') \
        == {"bar"}


def test_every_trace_type_the_chart_builders_use_is_in_the_bundle():
    assert constructors() == {"scatter": "scatter", "bar": "bar", "heatmap": "heatmap"}
    used = builder_trace_types()
    assert {"charts.py", "study_charts.py"} <= set(used)  # the scan does see the builders
    missing = {name: kinds - set(bundle.TRACE_TYPES) for name, kinds in used.items() if kinds - set(bundle.TRACE_TYPES)}
    assert missing == {}, "trace types the page's plotly.js cannot draw (sim/report/bundle.py)"


def test_every_trace_of_a_run_and_a_comparison_is_in_the_bundle(tmp_path):
    for folder in (run_folder(tmp_path / "run"), compare_folder(tmp_path / "cmp")):
        kinds = {t["type"] for chart in charts_for(read_folder(folder)) for t in chart.figure.to_dict()["data"]}
        assert kinds and kinds <= set(bundle.TRACE_TYPES), kinds


def test_the_page_carries_the_bundle_packed_with_its_licence_header(tmp_path):
    page = sim.report.write(run_folder(tmp_path / "run"))[0].read_text(encoding="utf-8")
    packed = re.search(r'<script type="application/octet-stream" id="capsim-plotly" data-encoding="gzip\+base64">'
                       r"([A-Za-z0-9+/=]+)</script>", page)
    assert packed and gzip.decompress(base64.b64decode(packed.group(1))).decode("utf-8") == bundle.bundle_text()
    assert "* plotly.js (cartesian - minified) v4.1.1\n* Copyright 2012-2026, Plotly, Inc." in page
    assert "Licensed under the MIT license" in page and "MIT License" in bundle.LICENSE.read_text(encoding="utf-8")
    assert page.count("window.Plotly = Plotly") == 0  # the bundle itself is only in the packed block


def test_the_shanxi_run_report_is_under_one_and_a_half_megabytes(tmp_path):
    """The report's size hardly depends on the replications (quantiles, not samples): 20 are enough."""
    scenario = sim.load_scenario(ROOT / "scenarios" / "shanxi.yaml")
    folder = sim.write_results(sim.simulate(scenario, replications=20, seed=0, jobs=1), tmp_path / "shanxi")
    size = sim.report.write(folder)[0].stat().st_size
    assert 1_000_000 < size < MAX_RUN_REPORT_BYTES, size
