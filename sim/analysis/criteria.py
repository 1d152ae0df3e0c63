"""Each target criterion's per-replication value in every month, and whether it holds.

A criterion (:data:`sim.scenario.criteria.CRITERIA`) reads the monthly metrics capsim already
computes (:mod:`sim.engine.series`, :mod:`sim.engine.policies`); where the measure is not itself a
monthly metric it is derived from them:

* ``utilization``: ``it_load_mw / it_mw``, the month's mean IT load over the design IT MW online at
  the month's end (NaN, never met, while no IT is online);
* ``green_share``: ``green_mwh / energy_mwh`` of the month (NaN without facility energy);
* ``facility_mw``: the highest monthly ``facility_mw`` of the calendar year (its peak);
* ``pue``: the year's ``energy_mwh`` over its ``it_energy_mwh`` (as annual.csv's PUE);
* ``energy_mwh``, ``carbon_t``: the year's sums;
* ``public_cost_cny``: ``subsidy_cny + voucher_cny`` summed from the horizon's start.

A yearly value is given to every month of its calendar year (the months inside the horizon), so
"first met" of a yearly criterion is the first month of the first year in which it holds.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..months import calendar_years
from ..scenario.criteria import CRITERIA

TOLERANCE = 1e-9
"""Relative tolerance when checking a target criterion (a sum of 8.999999999999998 meets 9)."""


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)


def _per_year(values: np.ndarray, years: np.ndarray, reduce) -> np.ndarray:
    """(R, M): ``reduce`` of ``values`` over each month's calendar year, given to each of its months."""
    out = np.empty(values.shape)
    for year in np.unique(years):
        in_year = years == year
        out[:, in_year] = reduce(values[:, in_year], axis=1)[:, None]
    return out


def criterion_values(series: Mapping[str, np.ndarray], name: str, start: str) -> np.ndarray:
    """(R, M) value of criterion ``name`` that a target dated in each month is checked against."""
    if CRITERIA[name].when == "month" and name not in ("green_share", "utilization"):
        return series[name]
    if name == "utilization":
        return _ratio(series["it_load_mw"], series["it_mw"])
    if name == "green_share":
        return _ratio(series["green_mwh"], series["energy_mwh"])
    if name == "public_cost_cny":
        return np.cumsum(series["subsidy_cny"] + series["voucher_cny"], axis=1)
    years = calendar_years(start, series["energy_mwh"].shape[1])
    if name == "facility_mw":
        return _per_year(series["facility_mw"], years, np.max)
    if name == "pue":
        return _ratio(_per_year(series["energy_mwh"], years, np.sum), _per_year(series["it_energy_mwh"], years, np.sum))
    return _per_year(series[name], years, np.sum)  # energy_mwh, carbon_t


def holds(name: str, values: np.ndarray, figure: float) -> np.ndarray:
    """Where ``values`` meet ``figure`` in criterion ``name``'s direction (NaN never does)."""
    if CRITERIA[name].at_least:
        return values >= figure * (1 - TOLERANCE)
    return values <= figure * (1 + TOLERANCE)


def shortfall(name: str, value: float, figure: float) -> float:
    """How far ``value`` misses ``figure`` in the criterion's own unit (0 when it meets it)."""
    if CRITERIA[name].at_least:
        return figure - value if figure - value > figure * TOLERANCE else 0.0
    return value - figure if value - figure > figure * TOLERANCE else 0.0


TABLE_ROWS = {name: ("monthly", name) for name in CRITERIA} | {
    "facility_mw": ("annual", "peak_facility_mw"), "pue": ("annual", "pue"),
    "energy_mwh": ("annual", "energy_mwh"), "carbon_t": ("annual", "carbon_t")}
"""Where each criterion's quantiles are in a run's tables: (monthly.csv at month ``by`` or annual.csv
in its year, metric). The EFLOPS, share, racks and IT criteria, PUE, energy and carbon are rows
those tables always have; ``utilization``, ``green_share`` and ``public_cost_cny`` (monthly) and
``peak_facility_mw`` (annual) are added by :func:`extra_rows` when a target uses them."""
EXTRA = {"monthly": ("utilization", "green_share", "public_cost_cny"), "annual": ("facility_mw",)}


def extra_rows(scenario, series: Mapping[str, np.ndarray], table: str) -> dict[str, np.ndarray]:
    """The rows ``table`` ('monthly' or 'annual') adds for the criteria ``scenario``'s targets use
    that are not among its metrics (none for a scenario without them, so its tables are unchanged):
    monthly (R, M) arrays, or annual (R, Y) ones (each year's value)."""
    used = {name for target in scenario.targets for name in target.criteria()}
    names = [name for name in EXTRA[table] if name in used]
    if not names:
        return {}
    start = scenario.horizon.start
    if table == "monthly":
        return {name: criterion_values(series, name, start) for name in names}
    years = calendar_years(start, series["energy_mwh"].shape[1])
    last = np.array([np.nonzero(years == y)[0][-1] for y in np.unique(years)])
    return {TABLE_ROWS[name][1]: criterion_values(series, name, start)[:, last] for name in names}
