"""A count of one is singular: '1 replication', '1 package' (sim/analysis/words.py)."""

from __future__ import annotations

import re

from report_folders import annual, manifest, monthly, projects, targets, write_folder

from sim.analysis.words import counted


def test_counted():
    assert counted(1, "replication") == "1 replication"
    assert counted(0, "package") == "0 packages"
    assert counted(2, "package") == "2 packages"
    assert counted(1000, "replication") == "1,000 replications"
    assert counted(1, "index", "indices") == "1 index" and counted(3, "index", "indices") == "3 indices"


def test_a_one_replication_report_says_1_replication(tmp_path):
    from sim.report.page import build_html
    from sim.report.read import read_folder

    folder = write_folder(tmp_path / "run", {"monthly": monthly(), "annual": annual(), "targets": targets(),
                                             "projects": projects()}, manifest(replications=1))
    page = build_html(read_folder(folder), tmp_path)
    assert "1 replication" in page
    assert not re.search(r"\b1 replications\b", page)


def test_solve_says_1_package(tmp_path):
    from safety import EXAMPLE, capsim

    # every package misses at 3 replications; the cheapest (all levers at 0) is the one front package
    run = capsim("solve", EXAMPLE, "--lever", "grid.headroom_mw:0:400:1e6", "--lever", "policies.capex_subsidy.rate:0:0.1",
                 "--target", "plan 2030", "-r", "3", "--out", tmp_path / "pk", "--no-report", "--no-plots", "-j", "1")
    assert run.returncode == 0, run.stderr
    assert "cheapest package of 2 levers with" in run.stdout and "3 replications per package" in run.stdout
    assert "trade-off (Pareto front of P against cost, 1 package):" in run.stdout
    assert "1 packages" not in run.stdout
