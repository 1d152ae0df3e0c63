"""Golden numbers: both shipped scenarios on fixed seeds give exactly these tables.

Each golden CSV (tests/golden/) is a small cut of one output table of a fixed run: a few months,
years and metrics of monthly.csv and annual.csv, every row of targets.csv, a few projects of
projects.csv and a few months of sites.csv (every site), compared as text (every digit). A change of speed must leave them alone; only a
change of the random streams or of the model's semantics may regenerate them, in its own commit,
saying so:

    python tests/test_golden.py     # rewrite tests/golden/*.csv from the current code
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
RUNS = {"shanxi": (200, 12), "guizhou": (200, 34)}
"""scenario file stem -> (replications, seed)."""
MONTHS = ("2025-06", "2026-12", "2028-01", "2030-12")
YEARS = (2025, 2027, 2030)
METRICS = ("total_eflops", "intelligent_eflops", "facility_mw", "energy_mwh", "pue", "projects_online",
           "investment_cny", "subsidy_cny", "grid_queue_mw", "supply_backlog_pflops")
PROJECTS = 6


def golden_tables(name: str) -> dict[str, str]:
    """The golden cuts of ``name``'s run, as CSV text."""
    replications, seed = RUNS[name]
    results = sim.simulate(sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml"), replications=replications,
                           seed=seed)
    monthly, annual = results.monthly, results.annual
    cuts = {
        "monthly": monthly[monthly["month"].isin(MONTHS) & monthly["metric"].isin(METRICS)],
        "annual": annual[annual["year"].isin(YEARS) & annual["metric"].isin(METRICS)],
        "targets": results.targets,
        "projects": results.projects.head(PROJECTS),
        "sites": results.sites[results.sites["month"].isin(MONTHS)],
    }
    return {table: frame.to_csv(index=False, lineterminator="\n") for table, frame in cuts.items()}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_shipped_scenarios_give_the_golden_tables(name):
    for table, text in golden_tables(name).items():
        expected = (GOLDEN / f"{name}-{table}.csv").read_text(encoding="utf-8")
        assert len(pd.read_csv(io.StringIO(expected))) > 0, f"{name}-{table}.csv is empty"
        assert text == expected, f"{name} {table}: differs from tests/golden/{name}-{table}.csv"


if __name__ == "__main__":
    GOLDEN.mkdir(exist_ok=True)
    for stem in RUNS:
        for table, text in golden_tables(stem).items():
            (GOLDEN / f"{stem}-{table}.csv").write_text(text, encoding="utf-8")
            print(f"wrote tests/golden/{stem}-{table}.csv ({text.count(chr(10)) - 1} rows)")
