"""The numbers that move: the headline of one run, and B - A of two runs with paired intervals.

From the run's tables and arrays, with the wording of the verdict (:mod:`sim.analysis.verdict`):
P(each plan target met) with its 95% Wilson interval, the shortfall at the target's month, the
month reached (P50), the peak facility MW against the grid declared, the annual PUE (P50) against
the scenario's PUE aims (its targets' ``pue``; :func:`pue_figures`), the facility energy of the
last year (P50) and the public money (subsidy and vouchers over the horizon, mean).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..analysis.results import Results
from ..analysis.statistics import paired_difference
from ..analysis.verdict import grid_text, reached_text, short_at_p50, shortfall_text
from ..explore.evaluate import wilson_interval
from ..run.compare import key_outputs


@dataclass(frozen=True)
class Figure:
    """One headline number: its id (for tests and the page), label, text and raw value."""

    id: str
    label: str
    text: str
    value: float


def percent(p: float) -> str:
    return f"{100 * p:.1f}%" if math.isfinite(p) else "n/a"


def _p50(table, metric: str, key: str, at: str) -> float:
    hit = table[(table["metric"] == metric) & (table[key].astype(str) == at)]
    return float(hit["p50"].iloc[0]) if len(hit) else math.nan


def headline(results: Results) -> list[Figure]:
    scenario = results.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    monthly, annual, targets = results.monthly, results.annual, results.targets
    met, _ = results.target_outcomes
    out: list[Figure] = []
    start = scenario["horizon"]["start"]
    for t, target in enumerate(scenario.get("targets") or ()):
        if (target.get("role") or "plan") != "plan":
            continue
        row = targets[targets["target"] == target["name"]].iloc[0].to_dict()
        p = float(row["probability"])
        low, high = wilson_interval(int(met[:, t].sum()), results.replications)
        lost = target["by"] if short_at_p50(target, monthly, annual) else None
        out.append(Figure(f"p-{t}", f"P({target['name']} met by {target['by']})",
                          f"{percent(p)} (95% interval {percent(low)} to {percent(high)}); "
                          f"{shortfall_text(target, monthly, annual)}; {reached_text(row, start, lost)}", p))
    power = monthly[monthly["metric"] == "facility_mw"]
    out.append(Figure("power", "Peak facility power", grid_text(scenario, monthly) or "n/a",
                      float(power["p50"].max()) if len(power) else math.nan))
    last = str(annual["year"].astype(str).max())
    out += pue_figures(scenario, annual, last)
    energy = _p50(annual, "energy_mwh", "year", last)
    out.append(Figure("energy", f"Facility energy {last} (P50)", f"{energy / 1e6:,.2f} TWh", energy))
    money = (results.series["subsidy_cny"].sum(axis=1) + results.series["voucher_cny"].sum(axis=1)).mean()
    out.append(Figure("money", "Public money over the horizon (mean)",
                      f"{money / 1e9:,.2f} bn CNY (subsidy and vouchers)", float(money)))
    return out


def pue_figures(scenario: dict, annual, last: str) -> list[Figure]:
    """The annual PUE (P50) against each of the scenario's PUE aims (a target's ``pue`` criterion,
    in the year of its ``by``); without one, the last year's PUE with no aim: the PUE cap
    (``policies.pue_cap``) binds new builds only, so it is no aim for the fleet."""
    aims = [t for t in scenario.get("targets") or () if isinstance(t.get("pue"), (int, float))]
    out = []
    for k, target in enumerate(aims):
        year, need = str(target["by"])[:4], float(target["pue"])
        pue = _p50(annual, "pue", "year", year)
        if not math.isfinite(pue):
            text = f"n/a (the aim of {need:g}: {target['name']})"
        elif pue > need:
            text = f"{pue:.3f}, {pue - need:.3f} above the aim of {need:g} ({target['name']})"
        else:
            text = f"{pue:.3f}, within the aim of {need:g} ({target['name']})"
        out.append(Figure("pue" if k == 0 else f"pue-{k}", f"Annual PUE {year} (P50)", text, pue))
    if not aims:
        pue = _p50(annual, "pue", "year", last)
        cap = ((scenario.get("policies") or {}).get("pue_cap") or {}).get("max_annual_pue")
        note = (f"; the PUE cap {cap:g} binds new builds only" if isinstance(cap, (int, float)) else "")
        text = f"{pue:.3f} (no PUE aim for the fleet in the scenario{note})" if math.isfinite(pue) else "n/a"
        out.append(Figure("pue", f"Annual PUE {last} (P50)", text, pue))
    return out


SHOWN = {"target_probability": ("P(met)", 1.0), "reached_month": ("month reached (P50, months from start)", 1.0),
         "energy_mwh": ("energy (TWh)", 1e-6), "peak_facility_mw": ("peak facility MW", 1.0),
         "subsidy_cny": ("subsidy (bn CNY)", 1e-9), "voucher_cny": ("vouchers (bn CNY)", 1e-9)}
"""The outputs of the A/B table: label and scale (energy in TWh, money in bn CNY)."""


def differences(a: Results, b: Results) -> list[dict]:
    """B - A for the key outputs of a comparison (:func:`sim.run.compare.key_outputs`): each with
    A's and B's statistic and the mean of the per-replication differences with its 95% interval
    (:func:`sim.analysis.statistics.paired_difference`; the same seed, so the pairs share their
    draws). Only the last year's energy and peak."""
    theirs = {(k.output, k.when): k for k in key_outputs(b)}
    last = str(int(max(int(y) for y in a.annual["year"].astype(str))))
    rows = []
    for k in key_outputs(a):
        other = theirs.get((k.output, k.when))
        if other is None or k.output not in SHOWN or (k.output in ("energy_mwh", "peak_facility_mw") and k.when != last):
            continue
        if np.isnan(k.values).all() and np.isnan(other.values).all():
            continue
        label, scale = SHOWN[k.output]
        mean, low, high = paired_difference(k.values * scale, other.values * scale)
        stat = (lambda v: float(np.quantile(v, 0.5, method="inverted_cdf"))) if k.stat == "p50" else np.mean
        rows.append({"output": label, "when": k.when, "a": float(stat(k.values * scale)),
                     "b": float(stat(other.values * scale)), "diff": mean, "low": low, "high": high})
    return rows
