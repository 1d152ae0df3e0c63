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


def grid_file(path):
    """grid_pair(uncertain=True) with the lever grid.headroom_mw from 0 to 100 MW, as a file."""
    import json

    data = grid_pair(uncertain=True)
    data["explore"] = {"levers": {"grid.headroom_mw": {"low": 0, "high": 100, "source": "assumption: test"}}}
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return path


def explore_folder(scenario, out, *extra: str):
    """A real ``capsim explore`` folder (Sobol, N = 8, grid headroom and project a's IT MW, 10
    replications per sample: about 2 s), report.html included unless ``--no-report``."""
    from conftest import run_cli

    done = run_cli("explore", str(scenario), "-n", "8", "-r", "10", "--vary", "projects.a.it_mw=5:15", "-j", "1",
                   "--no-plots", "-q", "--out", str(out), *extra)
    assert done.returncode == 0, done.stderr
    return out


def solve_folder(scenario, out, *extra: str):
    """A real ``capsim solve`` folder for the smallest headroom meeting the target with 90%."""
    from conftest import run_cli

    done = run_cli("solve", str(scenario), "--lever", "grid.headroom_mw", "--target", TARGET, "-r", "30", "-j", "1",
                   "--no-plots", "-q", "--out", str(out), *extra)
    assert done.returncode == 0, done.stderr
    return out
