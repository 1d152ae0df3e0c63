"""Small hand-computable scenarios for the policy, variant and comparison tests.

Site ``flat`` is 10 degC all year and cooling ``air`` has PUE 1.5 at every temperature, so facility
power is IT load x 1.5 in every month. Site ``seasonal`` is 0 degC January-June and 20 degC
July-December; on it ``air`` ([0, 1.2] - [20, 1.6]) has design annual PUE
(181 x 1.2 + 184 x 1.6) / 365 = 1.40164 and ``liquid`` ([0, 1.1] - [20, 1.2]) 1.15041.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import sim

ROOT = Path(__file__).resolve().parents[1]

BASE = {
    "name": "policy test region",
    "horizon": {"start": "2025-01", "end": "2026-12"},
    "sites": {
        "flat": {"monthly_temp_c": [10.0] * 12},
        "seasonal": {"monthly_temp_c": [0.0] * 6 + [20.0] * 6},
    },
    "cooling": {
        "air": {"pue_curve": [[0, 1.2], [20, 1.6]]},
        "flatair": {"pue_curve": [[10, 1.5]]},
        "liquid": {"pue_curve": [[0, 1.1], [20, 1.2]]},
    },
    "projects": [],
}

AI = {  # 1000 PFLOPS FP16, 10 MW IT at half load, 1e9 CNY, two phases a year apart
    "id": "ai", "class": "intelligent", "site": "flat", "cooling": "flatair",
    "compute": {"pflops": 1000, "precision": "FP16"}, "it_mw": 10, "utilization": 0.5,
    "investment_cny": 1.0e9, "status": "construction", "online": "2025-03",
    "phases": [0.5, 0.5], "phase_gap_months": 12,
}


def scenario_data(*projects, **blocks) -> dict:
    data = copy.deepcopy(BASE)
    data["projects"] = [copy.deepcopy(p) for p in projects]
    for key, value in blocks.items():
        data[key] = copy.deepcopy(value)
    return data


def project(**changes) -> dict:
    out = copy.deepcopy(AI)
    out.update(changes)
    return out


def build(*projects, **blocks) -> sim.Scenario:
    return sim.scenario_from_data(scenario_data(*projects, **blocks))


def write(tmp_path: Path, data: dict, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")  # JSON is YAML 1.2
    return path


def capsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)
