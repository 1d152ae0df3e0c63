"""The sliders of ``capsim serve``: which values of a scenario a user may move, and how far.

Three sources, in this order (a path listed twice keeps its first entry):

1. the scenario's ``explore.levers``: each one's range and ``source`` as written;
2. its policies' main parameters (:data:`POLICY_LEVERS`), for each policy the scenario has, and
   the grid's headroom;
3. its uncertainties: each status's go probability and the longest delay
   (``uncertainty.delay_months.STATUS.high``), for the statuses its projects have.

A lever from 2 or 3 that ``explore.levers`` does not give has the default range of
:data:`POLICY_LEVERS` / :func:`uncertainty_levers` around today's value, and its source says so.
Every lever's range holds today's value (the range is widened to it when needed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..explore.design import lever_unit
from ..scenario.paths import PathError, resolve_path
from ..scenario.schema import Scenario

LABELS = {
    "grid.headroom_mw": "Grid headroom for new projects",
    "supply.ai_pflops_per_month": "Accelerator supply",
    "policies.capex_subsidy.rate": "Capex subsidy rate (share of investment)",
    "policies.capex_subsidy.go_probability_bonus": "Subsidy: extra go probability",
    "policies.capex_subsidy.delay_reduction_months": "Subsidy: months faster",
    "policies.compute_vouchers.annual_budget_cny": "Compute vouchers: budget a year",
    "policies.compute_vouchers.price_cny_per_pflops_hour": "Compute vouchers: price",
    "policies.pue_cap.max_annual_pue": "PUE cap on new builds",
    "policies.pue_cap.extra_capex_share": "PUE cap: extra capex of an upgrade",
    "policies.fast_track.delay_scale": "Fast track: delay multiplier",
    "accounting.factors.FP16": "FP16 counted as (accounting factor)",
}
"""Plain labels of the usual paths; any other path is labelled from its words."""

POLICY_LEVERS = {
    "capex_subsidy.rate": lambda v: (0.0, min(1.0, max(0.3, 2 * v))),
    "capex_subsidy.go_probability_bonus": lambda v: (0.0, min(1.0, max(0.3, 2 * v))),
    "capex_subsidy.delay_reduction_months": lambda v: (0.0, max(12.0, 2 * v)),
    "compute_vouchers.annual_budget_cny": lambda v: (0.0, max(1e8, 4 * v)),
    "compute_vouchers.price_cny_per_pflops_hour": lambda v: (v / 2, 2 * v),
    "pue_cap.max_annual_pue": lambda v: (1.05, max(1.6, v)),
    "fast_track.delay_scale": lambda v: (0.0, max(2.0, v)),
}
"""policies.PATH -> its default range from today's value (capsim's choice, not a source's)."""

DEFAULT_SOURCE = "capsim serve's default range around today's value (not from a source; docs/serve.md)"
STEPS = 200
"""About this many steps from low to high on a slider (marks at low, today and high)."""


@dataclass(frozen=True)
class Lever:
    path: str
    label: str
    unit: str
    today: float
    low: float
    high: float
    integer: bool
    source: str
    group: str  # "explore.levers" | "policy" | "uncertainty"

    @property
    def step(self) -> float:
        if self.integer:
            return 1.0
        raw = (self.high - self.low) / STEPS
        return float(f"{10 ** math.floor(math.log10(raw)):g}") if raw > 0 else 1.0

    def check(self, value: float) -> str | None:
        """Why ``value`` may not be used (None when it may): a finite number within [low, high], and
        a whole number for a whole-number lever."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"{self.path}: must be a finite number (got {value!r})"
        if not self.low <= value <= self.high:
            return f"{self.path}: {value:g} is outside the lever's range {self.low:g} to {self.high:g}"
        if self.integer and value != round(value):
            return f"{self.path}: must be a whole number (got {value:g})"
        return None


def label_of(path: str) -> str:
    if path in LABELS:
        return LABELS[path]
    words = path.replace("uncertainty.", "").replace("policies.", "").replace("_", " ").split(".")
    return " ".join(words).capitalize()


def _lever(scenario: Scenario, path: str, low: float, high: float, source: str, group: str) -> Lever | None:
    try:
        today = float(resolve_path(scenario, path))
    except PathError:
        return None
    unit, integer = lever_unit(scenario, path)
    return Lever(path, label_of(path), unit, today, min(low, today), max(high, today), integer, source, group)


def uncertainty_levers(scenario: Scenario) -> list[tuple[str, float, float, str]]:
    """(path, low, high, source) of each status's go probability and longest delay."""
    statuses = sorted({p.status for p in scenario.projects}) if scenario.uncertainty is not None else []
    out = []
    for status in statuses:
        source = scenario.uncertainty.go_probability.source or scenario.uncertainty.source or DEFAULT_SOURCE
        if status != "operating":
            out.append((f"uncertainty.go_probability.{status}", 0.0, 1.0, source))
        delay = getattr(scenario.uncertainty.delay_months, status, None)
        top = getattr(delay, "high", None)
        if isinstance(top, (int, float)):
            floor = max(getattr(delay, "mode", 0) or 0, getattr(delay, "low", 0) or 0)
            out.append((f"uncertainty.delay_months.{status}.high", float(floor), float(max(2 * top, top + 6)),
                        scenario.uncertainty.delay_months.source or DEFAULT_SOURCE))
    return out


def levers_of(scenario: Scenario) -> list[Lever]:
    """The scenario's levers (see the module docstring), in that order."""
    found: dict[str, Lever] = {}

    def add(path, low, high, source, group):
        if path not in found and (lever := _lever(scenario, path, low, high, source, group)) is not None:
            found[path] = lever

    if scenario.explore is not None:
        for path, lever in scenario.explore.levers.items():
            add(path, lever.low, lever.high, lever.source or scenario.explore.source or "explore.levers", "explore.levers")
    for path, bounds in POLICY_LEVERS.items():
        policy = getattr(scenario.policies, path.split(".")[0], None) if scenario.policies is not None else None
        if policy is not None:
            try:
                today = float(resolve_path(scenario, f"policies.{path}"))
            except PathError:
                continue
            low, high = bounds(today)
            add(f"policies.{path}", low, high, f"{DEFAULT_SOURCE}; the policy: {policy.source or 'no source given'}",
                "policy")
    if scenario.grid is not None:
        today = float(scenario.grid.headroom_mw)
        add("grid.headroom_mw", 0.0, max(2 * today, 500.0), f"{DEFAULT_SOURCE}; the grid: {scenario.grid.source or 'no source given'}",
            "policy")
    for path, low, high, source in uncertainty_levers(scenario):
        add(path, low, high, f"{DEFAULT_SOURCE}; {source}", "uncertainty")
    return list(found.values())
