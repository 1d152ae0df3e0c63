"""Sanity warnings (sim/scenario/sanity.py): implausible figures warn, once, and never fail."""

from __future__ import annotations

import warnings

import pytest

import sim
from sim.scenario.sanity import InputWarning
from safety import capsim

GANSU = """\
version: 1
name: Gansu-like
horizon: {start: 2025-01, end: 2025-06}
sites:
  qingyang: {monthly_temp_c: [-6, -2, 5, 12, 17, 21, 23, 21, 16, 10, 2, -4]}
cooling:
  liquid: {pue_curve: [[-10, 1.02], [30, 1.04]]}
  air: {pue_curve: [[-10, 1.15], [30, 1.4]]}
projects:
  - {id: hub-ai, class: intelligent, site: qingyang, cooling: air, compute: {pflops: 150000, precision: FP16}, it_mw: 75,
     utilization: 0.6, status: operating}
  - {id: ok-ai, class: intelligent, site: qingyang, cooling: air, compute: {pflops: 15000, precision: FP16}, it_mw: 75,
     utilization: 0.6, status: operating}
  - {id: tiny, class: general, site: qingyang, cooling: liquid, compute: {pflops: 0.01, precision: FP32}, it_mw: 20,
     utilization: 0.6, status: operating}
"""
# hub-ai: 150,000 / 75 = 2,000 PFLOPS per IT MW > 1,500 (FP16); ok-ai: 200, inside 10..1,500;
# tiny: 0.01 / 20 = 0.0005 < 0.2 (FP32); liquid at qingyang: June 21 degC -> 1.02 + 0.02 x 31/40 = 1.0355 < 1.05
EXPECTED = [
    "F:10:86: projects[hub-ai].compute.pflops: 150,000 PFLOPS FP16 on 75 IT MW is 2,000 PFLOPS per IT MW, above "
    "the plausible 10..1,500 for FP16 (a sparse or lower-precision figure, or facility MW given as IT MW? "
    "docs/scenario-format.md, 'Sanity warnings')",
    "F:14:83: projects[tiny].compute.pflops: 0.01 PFLOPS FP32 on 20 IT MW is 0.0005 PFLOPS per IT MW, below the "
    "plausible 0.2..100 for FP32 (TFLOPS given as PFLOPS, or a higher precision than declared? "
    "docs/scenario-format.md, 'Sanity warnings')",
    "F:7:23: cooling.liquid.pue_curve: PUE 1.04 in June at site 'qingyang' (21 degC), below 1.05 in a summer month, "
    "lower than facilities report (docs/scenario-format.md, 'Sanity warnings')",
]


def test_the_library_warns_with_file_line_and_path(write_yaml):
    path = write_yaml(GANSU)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scenario = sim.load_scenario(path)
    assert len(scenario.projects) == 3  # loaded: a warning, not an error
    lines = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert lines == [line.replace("F:", f"{path}:", 1) for line in EXPECTED]


@pytest.mark.parametrize("command", [["validate"], ["run", "--no-plots", "--no-report", "-q", "--out", "OUT"]])
def test_the_cli_prints_each_warning_once_and_succeeds(tmp_path, write_yaml, command):
    path = write_yaml(GANSU)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    done = capsim(args[0], path, *args[1:])
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"capsim: warning: {line.replace('F:', f'{path}:', 1)}" for line in EXPECTED]


def test_shipped_scenarios_raise_no_warning():
    for name in ("example", "shanxi", "guizhou"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", InputWarning)
            sim.load_scenario(f"scenarios/{name}.yaml")
