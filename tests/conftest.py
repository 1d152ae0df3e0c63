"""Helpers for writing small hand-computed scenarios as Python data."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim

REPO = Path(__file__).resolve().parents[1]


def scenario_data(projects=(), start="2025-01", end="2025-12", **extra) -> dict:
    """A one-site scenario with a flat PUE of 1.5 ('flat') and a seasonal curve ('seasonal')."""
    data = {
        "name": "Test region",
        "horizon": {"start": start, "end": end},
        "sites": {
            "s": {"monthly_temp_c": [10.0] * 12},
            "cold": {"monthly_temp_c": [-10, -5, 0, 5, 10, 15, 20, 25, 20, 10, 0, -10]},
        },
        "cooling": {
            "flat": {"pue_curve": [[0, 1.5]]},
            "seasonal": {"pue_curve": [[0, 1.1], [20, 1.3]]},
        },
        "projects": [dict(p) for p in projects],
    }
    data.update(copy.deepcopy(extra))
    return data


def project(id: str, **fields) -> dict:
    """A general, operating, 1,000 PFLOPS FP32, 10 MW, 50 % utilised project at site 's'."""
    data = {
        "id": id,
        "class": "general",
        "site": "s",
        "cooling": "flat",
        "compute": {"pflops": 1000, "precision": "FP32"},
        "it_mw": 10,
        "utilization": 0.5,
        "status": "operating",
    }
    data.update(fields)
    return data


def child_processes(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def worker_processes(pid: int) -> list[int]:
    """The worker processes of a capsim process (Linux): children forked from it (the command's
    pool: the same command line; not multiprocessing's resource tracker), or grandchildren
    (forkserver -> workers, the library's pools)."""
    def cmdline(p: int) -> bytes | None:
        try:
            return Path(f"/proc/{p}/cmdline").read_bytes()
        except OSError:
            return None

    children = child_processes(pid)
    return [c for c in children if cmdline(c) == cmdline(pid)] + [g for c in children for g in child_processes(c)]


def run(data: dict, replications: int = 1, seed: int = 0) -> sim.Results:
    return sim.simulate(sim.scenario_from_data(data), replications=replications, seed=seed)


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m sim ARGS`` in a subprocess with this checkout on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd or REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def write_yaml(tmp_path):
    """Write YAML text to a file in tmp_path and return its path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
