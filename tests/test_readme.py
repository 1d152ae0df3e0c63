"""The README says what the commands write and print (static checks, no runs): every plot kind a
run writes is listed, the sites chart's shared scale, and the printed examples in today's wording."""

from __future__ import annotations

import re
from pathlib import Path

from sim.output.plotfiles import PLOT_KINDS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_plot_kind_of_a_run_is_listed():
    section = README.split("## Plots", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in README.splitlines() if line.startswith("| `plots/` |"))
    for kind in PLOT_KINDS:
        if kind != "compare":  # compare-*.png: capsim compare
            assert kind in row, kind
    assert "goals.png" in section
    assert "compare-capacity" in row


def test_sites_chart_is_on_one_shared_scale():
    assert "own scale" not in README
    assert "one shared MW scale" in README


def test_printed_examples_use_the_current_wording():
    peaks = re.findall(r"^peak monthly facility power: .*$", README, flags=re.M)
    assert peaks and all(re.fullmatch(r"peak monthly facility power: [\d,]+ \[[\d,]+ - [\d,]+\] MW in \d{4}-\d\d, "
                                      r"the month with the highest median(; each run's own peak month: .*)?", p)
                         for p in peaks), peaks
    package = README.split("cheapest package of 2 levers", 1)[1].split("```", 1)[0]
    assert "policies.fast_track.delay_scale =" not in package  # levers by their plain labels
    assert "answer: fast-track delay scale = " in package
