"""Small results folders written by hand for the report's tests: the numbers are chosen so the
expected sentences and figures can be written out."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04"]
SCENARIO = {
    "name": "Testland",
    "horizon": {"start": "2025-01", "end": "2025-04"},
    "accounting": {"label": "as reported (test basis)", "source": "S2; assumption: factors 1"},
    "sites": {"s": {"monthly_temp_c": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "source": "B3 climate"}},
    "projects": [{"id": "p1", "class": "intelligent", "it_mw": 10.0, "compute": {"pflops": 100.0},
                  "source": "assumption: made up (range 5-15)"}],
    "grid": {"headroom_mw": 50.0},
    "targets": [
        {"name": "plan A", "by": "2025-03", "total_eflops": 2.0, "intelligent_share": 0.5, "source": "S15"},
        {"name": "reported B", "by": "2025-02", "total_eflops": 1.5, "role": "calibration", "source": "G3"},
        {"name": "reported C", "by": "2025-04", "total_eflops": 9.0, "role": "calibration", "source": "G4"},
    ],
}
"""total_eflops P10/P50/P90 per month: 1/1/1, 1.4/1.6/1.8, 2/2.5/3, 2.5/3/3.5."""
TOTAL = [(1.0, 1.0, 1.0), (1.4, 1.6, 1.8), (2.0, 2.5, 3.0), (2.5, 3.0, 3.5)]


def manifest(**extra) -> dict:
    data = {"written_by": "capsim", "scenario": {"path": "test.yaml", "sha256": "ab" * 32, "name": "Testland"},
            "variant": "base", "seed": 7, "replications": 200, "versions": {"capsim": "0.1.0"},
            "command": ["capsim", "run", "test.yaml", "--seed", "7"], "started": "2025-01-01T00:00:00+00:00",
            "finished": "2025-01-01T00:01:00+00:00", "resolved_scenario": SCENARIO}
    data.update(extra)
    return data


def monthly(variant: str = "base", scale: float = 1.0, extra_metrics: dict | None = None) -> pd.DataFrame:
    rows = []
    for m, (p10, p50, p90) in zip(MONTHS, TOTAL):
        values = {"total_eflops": (p10, p50, p90), "intelligent_eflops": (p10 * 0.6, p50 * 0.6, p90 * 0.6),
                  "general_eflops": (p10 * 0.4, p50 * 0.4, p90 * 0.4), "intelligent_share": (0.6, 0.6, 0.6),
                  "facility_mw": (100.0 + p10, 100.0 + p50, 100.0 + p90), "it_load_mw": (80.0, 80.0, 80.0)}
        values.update(extra_metrics or {})
        for metric, (a, b, c) in values.items():
            a, b, c = (v * scale if metric.endswith("eflops") else v for v in (a, b, c))
            rows.append({"variant": variant, "month": m, "metric": metric, "mean": b, "p5": a, "p10": a, "p50": b,
                         "p90": c, "p95": c})
    return pd.DataFrame(rows)


def annual(variant: str = "base") -> pd.DataFrame:
    rows = [{"variant": variant, "year": 2025, "metric": metric, "mean": mean, "p5": lo, "p10": lo, "p50": mid,
             "p90": hi, "p95": hi}
            for metric, mean, lo, mid, hi in (("energy_mwh", 3.0e6, 2.8e6, 3.0e6, 3.2e6),
                                              ("subsidy_cny", 2.0e8, 1.0e8, 2.0e8, 3.0e8),
                                              ("voucher_cny", 5.0e7, 5.0e7, 5.0e7, 5.0e7),
                                              ("carbon_t", 1.5e6, 1.4e6, 1.5e6, 1.6e6))]
    return pd.DataFrame(rows)


def targets(variant: str = "base", probability: float = 0.75) -> pd.DataFrame:
    return pd.DataFrame([
        {"variant": variant, "target": "plan A", "by": "2025-03", "probability": probability,
         "reached_p10": "2025-02", "reached_p50": "2025-03", "reached_p90": "never"},
        {"variant": variant, "target": "reported B", "by": "2025-02", "probability": 0.6,
         "reached_p10": "2025-02", "reached_p50": "2025-02", "reached_p90": "2025-03"},
        {"variant": variant, "target": "reported C", "by": "2025-04", "probability": 0.0,
         "reached_p10": "never", "reached_p50": "never", "reached_p90": "never"},
    ])


def projects(variant: str = "base") -> pd.DataFrame:
    return pd.DataFrame([
        {"variant": variant, "project": "p1", "class": "intelligent", "site": "s", "status": "registered",
         "planned_online": "2025-02", "go_share": 0.8, "online_p10": "2025-02", "online_p50": "2025-03",
         "online_p90": "2025-04", "grid_wait_months_mean": 0.5, "supply_wait_months_mean": 0.0},
    ])


def write_folder(folder: Path, tables: dict[str, pd.DataFrame], manifest_data: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    (folder / "manifest.json").write_text(json.dumps(manifest_data or manifest()), encoding="utf-8")
    return folder


def run_folder(folder: Path, **extra_metrics) -> Path:
    return write_folder(folder, {"monthly": monthly(extra_metrics=extra_metrics or None), "annual": annual(),
                                 "targets": targets(), "projects": projects()})


def compare_folder(folder: Path, rank_by: str | None = None) -> Path:
    """base: P(plan A) 0.75; cheap: 0.75 and 0.10 bn CNY less public money; fast: 0.95; slow: 0.40."""
    probabilities = {"base": 0.75, "cheap": 0.75, "fast": 0.95, "slow": 0.40}
    money = {"base": 2.5e8, "cheap": 1.5e8, "fast": 3.0e8, "slow": 2.5e8}
    stacked = {name: pd.concat([fn(v) for v in probabilities]) for name, fn in
               (("monthly", monthly), ("annual", annual), ("projects", projects))}
    stacked["targets"] = pd.concat([targets(v, p) for v, p in probabilities.items()])
    rows = []
    for v, p in probabilities.items():
        if v == "base":
            continue
        d = p - 0.75
        rows.append({"variant": v, "output": "target_probability", "when": "plan A", "unit": "share", "base": 0.75,
                     "value": p, "diff_mean": d, "diff_ci_low": d - 0.05, "diff_ci_high": d + 0.05})
        rows.append({"variant": v, "output": "total_eflops", "when": "plan A", "unit": "EFLOPS", "base": 2.5,
                     "value": 2.5 + d, "diff_mean": d, "diff_ci_low": d - 0.1, "diff_ci_high": d + 0.1})
        dm = money[v] - 2.5e8
        rows.append({"variant": v, "output": "subsidy_cny", "when": "", "unit": "CNY", "base": 2.0e8,
                     "value": 2.0e8 + dm, "diff_mean": dm, "diff_ci_low": dm - 1e7, "diff_ci_high": dm + 1e7})
        rows.append({"variant": v, "output": "voucher_cny", "when": "", "unit": "CNY", "base": 5.0e7,
                     "value": 5.0e7, "diff_mean": 0.0, "diff_ci_low": 0.0, "diff_ci_high": 0.0})
    stacked["compare"] = pd.DataFrame(rows)
    extra = {"variants": list(probabilities), "runs": {v: {"applied": {"variant": v, "set": {}}} for v in probabilities}}
    extra["runs"]["fast"]["applied"]["set"] = {"accounting": {"label": "FP32-equivalent (test)"}}
    if rank_by:
        extra["rank_by"] = rank_by
    data = manifest(**extra)
    data.pop("variant")
    return write_folder(folder, stacked, data)


def plotly_json(fig) -> dict:
    """What plotly.py writes for the figure ``fig`` (sim.report.figure.Figure) once it has validated
    every property: an unknown property or a bad value raises ValueError."""
    import plotly.graph_objects as go
    import plotly.io as pio

    return json.loads(pio.to_json(go.Figure(fig.to_dict())))
