"""Small scenarios whose exploration answers are known by hand (tests/test_solve.py, tests/test_explore.py)."""

from __future__ import annotations

from conftest import project, scenario_data

TARGET = "all three online"


def grid_pair(headroom_mw: float = 5.0, uncertain: bool = False, **extra) -> dict:
    """One operating 1 EFLOPS project and two planned ones of 10 MW IT at a flat PUE of 1.5 (15 MW
    of peak facility power each, 30 MW together) that need the grid's headroom; the target (3
    EFLOPS by 2025-12) needs all three, so it is met exactly when headroom_mw >= 30.
    ``uncertain``: delays of 0-3 months (the projects still come online by 2025-06)."""
    data = scenario_data(
        [project("old"), project("a", status="planned", online="2025-03"),
         project("b", status="planned", online="2025-03")],
        grid={"headroom_mw": headroom_mw},
        targets=[{"name": TARGET, "by": "2025-12", "total_eflops": 3}],
        **extra,
    )
    if uncertain:
        data["uncertainty"] = {"delay_months": {"planned": {"dist": "uniform", "low": 0, "high": 3}}}
    return data
