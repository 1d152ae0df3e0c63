"""The ``emissions`` lever: splits facility energy into green and grid energy and counts the grid
energy's carbon."""

from __future__ import annotations

import math

import numpy as np

from ...scenario.schema import Scenario
from ..plan import Plan
from .rows import policy_rows


def emission_terms(scenario: Scenario, years: np.ndarray, n_months: int) -> tuple[np.ndarray | None, float]:
    """((M,) green share of each month, or None without the block; tonnes CO2 per grid MWh, or
    NaN). ``years`` is each horizon month's calendar year; a share given per year is interpolated."""
    emissions = scenario.policies.emissions
    if emissions is None:
        return None, math.nan
    if isinstance(emissions.green_share, dict):
        table = sorted(emissions.green_share.items())
        green = np.interp(years.astype(float), [y for y, _ in table], [s for _, s in table])
    else:
        green = np.full(n_months, float(emissions.green_share))
    return green, emissions.grid_t_per_mwh


def emission_metrics(plans: list[Plan], facility_energy_mwh: np.ndarray) -> dict[str, np.ndarray]:
    """{green_mwh, carbon_t}: (R, M), NaN without an emissions block."""
    if plans[0].policy.green_share is None:
        n_reps, n_months = facility_energy_mwh.shape
        return {"green_mwh": np.full((n_reps, n_months), np.nan), "carbon_t": np.full((n_reps, n_months), np.nan)}
    share = policy_rows(plans, "green_share")
    factor = policy_rows(plans, "grid_t_per_mwh")
    green = facility_energy_mwh * share
    return {"green_mwh": green, "carbon_t": (facility_energy_mwh - green) * factor[:, None]}
