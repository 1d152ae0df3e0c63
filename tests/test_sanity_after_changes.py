"""Sanity warnings also check the scenario after --set and --variant (sim/scenario/sanity_after.py):
once per figure, never repeating a warning the file already gave."""

from __future__ import annotations

import warnings
from pathlib import Path

from safety import capsim

import sim
from sim.scenario.sanity import InputWarning
from sim.scenario.sanity_after import warn_applied

GUIZHOU = "scenarios/guizhou.yaml"
DENSE = ["projects.cec-optics-valley-p1.compute.pflops=150000", "projects.cec-optics-valley-p1.it_mw=75"]
WORDS = "150,000 PFLOPS FP16 on 75 IT MW is 2,000 PFLOPS per IT MW, above the plausible 10..1,500 for FP16"


def _warnings(call) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if issubclass(w.category, InputWarning)]


def test_a_value_set_on_the_command_line_is_checked(tmp_path):
    run = capsim("run", GUIZHOU, "--set", DENSE[0], "--set", DENSE[1], "-r", "2", "--no-plots", "-j", "1",
                 "--out", tmp_path / "out", "-q")
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stderr.splitlines() if "PFLOPS per IT MW" in line]
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("capsim: warning: ") and WORDS in lines[0] and lines[0].endswith("(after --set)")
    assert "projects[cec-optics-valley-p1].compute.pflops" in lines[0]


def test_a_variant_is_checked_and_a_files_warning_is_not_repeated(tmp_path):
    text = Path(GUIZHOU).read_text(encoding="utf-8")
    path = tmp_path / "dense.yaml"
    path.write_text(text.replace("\nvariants:\n", "\nvariants:\n  dense:\n    kind: assumption\n"
                                 "    description: a unit slip\n"
                                 "    set: {projects.cec-optics-valley-p1.compute.pflops: 150000, "
                                 "projects.cec-optics-valley-p1.it_mw: 75}\n", 1), encoding="utf-8")
    loaded = sim.load_scenario(path)
    dense = sim.apply_variant(loaded, "dense")
    said = _warnings(lambda: warn_applied(loaded, dense))
    assert len(said) == 1 and WORDS in said[0] and said[0].endswith("(after variant 'dense')"), said
    # the dense scenario changed again (an unrelated value): its figure was already said, not again
    again = sim.apply_variant(dense, None, ["horizon.end=2030-12"])
    assert _warnings(lambda: warn_applied(dense, again)) == []
    # no change at all: nothing
    assert _warnings(lambda: warn_applied(loaded, sim.apply_variant(loaded, None))) == []
