"""Synthetic regions for the benchmark: any number of projects, any horizon, every model feature.

``synthetic_data(n_projects, years)`` returns plain scenario data (as read from YAML) for a made-up
region: a mix of classes, statuses, phased projects, retirements, a grid limit with additions,
accelerator supply, and uncertainty of every distribution type. The numbers are scaled with the
number of projects so that the grid and supply limits bind about as often at every size.
"""

from __future__ import annotations

import numpy as np

CLASSES = ("general", "intelligent", "supercomputing")
STATUSES = ("operating", "construction", "registered", "planned")
TEMPS = [-10.4, -5.8, 1.5, 9.7, 16.5, 20.6, 22.3, 20.5, 15.1, 7.8, -1.1, -8.2]


def synthetic_data(n_projects: int, years: int = 6, seed: int = 0, horizon_years: int | None = None) -> dict:
    """Projects planned over ``years`` years; the horizon lasts ``horizon_years`` (default: ``years``)."""
    rng = np.random.default_rng(seed)
    start_year = 2025
    end_year = start_year + years - 1
    horizon_end = start_year + (horizon_years or years) - 1
    sites = {f"site{k}": {"monthly_temp_c": [t + 2 * k for t in TEMPS]} for k in range(4)}
    cooling = {
        "air": {"pue_curve": [[-5, 1.20], [10, 1.28], [25, 1.50]]},
        "liquid": {"pue_curve": [[-10, 1.08], [25, 1.12]]},
    }
    projects = []
    for j in range(n_projects):
        status = STATUSES[int(rng.integers(0, 4))]
        n_phases = int(rng.integers(1, 4))
        project = {
            "id": f"p{j}",
            "class": CLASSES[int(rng.integers(0, 3))],
            "site": f"site{int(rng.integers(0, 4))}",
            "cooling": ("air", "liquid")[int(rng.integers(0, 2))],
            "compute": {"pflops": float(rng.integers(50, 2000)), "precision": "FP16"},
            "it_mw": float(rng.integers(5, 80)),
            "utilization": round(float(rng.uniform(0.3, 0.8)), 2),
            "investment_cny": float(rng.integers(1, 50)) * 1e8,
            "status": status,
            "phases": [round(1 / n_phases, 6)] * (n_phases - 1) + [round(1 - (n_phases - 1) * round(1 / n_phases, 6), 6)],
            "phase_gap_months": float(rng.integers(0, 13)),
        }
        if status != "operating":
            year = int(rng.integers(start_year, end_year + 1))
            project["online"] = f"{year}-{int(rng.integers(1, 13)):02d}"
        if rng.random() < 0.2:
            year = int(rng.integers(start_year + 2, end_year + 3))
            project["retire"] = f"{year}-{int(rng.integers(1, 13)):02d}"
            if "online" in project and project["retire"] <= project["online"]:
                del project["retire"]
        projects.append(project)
    scale = max(n_projects, 1) / 10
    return {
        "name": f"Synthetic region, {n_projects} projects, {years} years (benchmark)",
        "horizon": {"start": f"{start_year}-01", "end": f"{horizon_end}-12"},
        "sites": sites,
        "cooling": cooling,
        "projects": projects,
        "grid": {
            "headroom_mw": 100 * scale,
            "additions": [{"month": f"{y}-01", "mw": 60 * scale} for y in range(start_year + 1, end_year + 1)],
        },
        "supply": {"ai_pflops_per_month": 200 * scale},
        "uncertainty": {
            "delay_months": {
                "construction": {"dist": "triangular", "low": 0, "mode": 2, "high": 9},
                "registered": {"dist": "uniform", "low": 0, "high": 12},
                "planned": {"dist": "lognormal", "median": 6, "sigma": 0.5, "high": 36},
            },
            "go_probability": {"construction": 1.0, "registered": 0.8, "planned": 0.5},
            "parameters": {
                "supply.ai_pflops_per_month": {"dist": "uniform", "low": 100 * scale, "high": 300 * scale},
                "grid.headroom_mw": {"dist": "normal", "mean": 100 * scale, "sd": 20 * scale, "low": 0},
                "projects.p0.utilization": {"dist": "fixed", "value": 0.5},
            },
        },
        "targets": [{"name": "mid", "by": f"{start_year + years // 2}-12", "total_eflops": 0.5 * scale}],
    }
