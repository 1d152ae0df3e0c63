"""Statistics across replications -> the result tables (pandas DataFrames).

Monthly and annual metrics are summarised by their mean and the 5th, 10th, 50th, 90th and 95th
percentiles across replications (linear interpolation). Months (when a target is first met, when a
project comes online) are summarised by percentiles that are actual replication values (numpy's
``inverted_cdf``), reported as ``YYYY-MM`` or ``never`` when that percentile falls beyond the
horizon.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np

from ..engine.series import METRICS
from ..months import calendar_years, month_label, month_labels
from ..scenario.schema import Scenario
from .criteria import TOLERANCE, criterion_values, holds as criterion_holds

if TYPE_CHECKING:
    import pandas as pd

Z_95 = 1.959963984540054
"""Two-sided 95% quantile of the standard normal distribution."""
QUANTILES = {"p5": 0.05, "p10": 0.10, "p50": 0.50, "p90": 0.90, "p95": 0.95}
TARGET_TOLERANCE = TOLERANCE
"""Relative tolerance when checking a target criterion (a sum of 8.999999999999998 meets 9)."""

ANNUAL_STOCKS = ("total_eflops", "general_eflops", "intelligent_eflops", "supercomputing_eflops",
                 "intelligent_share", "it_mw", "racks", "projects_online", "investment_cny", "grid_free_mw",
                 "grid_queue_mw", "supply_backlog_pflops", "supply_stock_pflops", "subsidy_cny_cumulative")
"""Month-end levels: a year's value is its last horizon month's (the limits only with their block)."""
ANNUAL_SUMS = ("subsidy_cny", "voucher_pflops_hours", "voucher_cny", "green_mwh", "carbon_t")
"""Monthly flows that a year adds up (energy_mwh too, with power and PUE derived from it)."""


def summarise(values: np.ndarray, names: tuple[str, ...] = tuple(QUANTILES)) -> dict[str, np.ndarray]:
    """mean and the percentiles ``names`` (keys of :data:`QUANTILES`) over axis 0 (replications), ignoring NaN.

    Where every value is finite (and no zero is negative), the mean is the column sums over the
    count (what ``np.nanmean`` computes when nothing is NaN, without its copy) and the percentiles
    come from one ``np.partition`` of the month-major copy (:func:`_order_statistics`), bit for bit
    numpy's ``linear`` method, several times faster than ``np.nanquantile`` (which loops over
    columns in Python); otherwise from ``np.nanmean`` and ``np.nanquantile``.
    """
    return summarise_scaled(values, (None,), names)[0]


def summarise_scaled(values: np.ndarray, divisors: tuple[np.ndarray | None, ...],
                     names: tuple[str, ...] = tuple(QUANTILES)) -> list[dict[str, np.ndarray]]:
    """:func:`summarise` of ``values / d`` for each ``d`` in ``divisors`` (``None``: the values
    themselves; else positive, broadcast along axis 0, such as a month's hours).

    Dividing by a positive number keeps the order of a column, and correctly rounded division
    maps equal values to equal values, so the order statistics of ``values / d`` are those of
    ``values`` divided by ``d``: one partition serves every divisor, with the same bits as a
    partition of each quotient (the interpolation then runs on the quotients).
    """
    values = np.asarray(values, dtype=float)
    n = values.shape[0]
    quantiles = tuple(QUANTILES[name] for name in names)
    scaled = [values if d is None else values / d for d in divisors]
    out: list[dict[str, np.ndarray]] = []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        plain = n > 0 and _plain(values)
        shared = None
        for d, quotient in zip(divisors, scaled):
            if plain and (d is None or (bool(np.all(np.asarray(d) > 0)) and _plain(quotient))):
                if shared is None:
                    shared = _order_statistics(values, quantiles)
                stats = {"mean": np.add.reduce(quotient, axis=0) / n}
                stats.update(zip(names, _interpolate(shared, d, values.shape[1:])))
            else:
                stats = {"mean": np.nanmean(quotient, axis=0)}
                for name, q in zip(names, quantiles):
                    stats[name] = np.nanquantile(quotient, q, axis=0)
            out.append(stats)
    return out


def paired_difference(base: np.ndarray, value: np.ndarray, deterministic: bool = False) -> tuple[float, float, float]:
    """(mean, CI low, CI high) of the per-replication differences ``value - base`` (95%, normal
    approximation: mean +- Z_95 x sd / sqrt(R), sd with R - 1). With one replication the interval
    is the difference itself when both runs are ``deterministic``, else undefined (NaN)."""
    diff = value - base
    mean = float(diff.mean())
    if diff.size < 2:
        half = 0.0 if deterministic else math.nan
    else:
        half = Z_95 * float(diff.std(ddof=1)) / math.sqrt(diff.size)
    return mean, mean - half, mean + half


NEGATIVE_ZERO_BITS = np.uint64(1 << 63)


def _plain(values: np.ndarray) -> bool:
    """Every value finite and no -0.0 (which sorts level with 0.0, so either could be picked)."""
    if values.size == 0:
        return True
    low, high = values.min(), values.max()  # NaN if there is one; no temporary array
    if not (np.isfinite(low) and np.isfinite(high)):
        return False
    if low > 0.0 or high < 0.0:  # no zero at all
        return True
    return not (values.view(np.uint64) == NEGATIVE_ZERO_BITS).any()


def _order_statistics(values: np.ndarray, quantiles: tuple[float, ...]) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """For numpy's ``linear`` quantiles over axis 0 of a finite (R, ...) array: per quantile, the
    two order statistics it lies between (one value per column) and its fraction gamma, all from
    one partition of the month-major copy.

    The same order statistics as ``np.quantile``: virtual index (R - 1) q, its floor and the next
    index (clipped at the last), gamma the fractional part.
    """
    n = values.shape[0]
    columns = _transposed(values.reshape(n, -1))  # a copy (partitioned in place), one row per column
    bounds = []
    for q in quantiles:
        virtual = (n - 1) * q
        if virtual >= n - 1:  # numpy takes the last value twice, with gamma measured from index -1
            bounds.append((n - 1, n - 1, virtual + 1))
        else:
            below = int(np.floor(virtual))
            bounds.append((below, below + 1, virtual - below))
    kth = sorted({i for below, above, _ in bounds for i in (below, above)})
    columns.partition(kth, axis=1)
    return [(columns[:, below], columns[:, above], gamma) for below, above, gamma in bounds]


TRANSPOSE_ROWS = 256
"""Rows of an (R, C) array copied at a time by :func:`_transposed`."""


def _transposed(values: np.ndarray) -> np.ndarray:
    """A C-ordered copy of ``values.T``, made a band of :data:`TRANSPOSE_ROWS` rows at a time:
    each band is read once while the part of every output row it fills stays in the cache (twice
    as fast as numpy's copy of the transposed view for 10,000 x 576 values)."""
    out = np.empty(values.shape[::-1], dtype=values.dtype)
    for start in range(0, values.shape[0], TRANSPOSE_ROWS):
        out[:, start:start + TRANSPOSE_ROWS] = values[start:start + TRANSPOSE_ROWS].T
    return out


def _interpolate(order: list[tuple[np.ndarray, np.ndarray, float]], divisor: np.ndarray | None,
                 shape: tuple[int, ...]) -> list[np.ndarray]:
    """The quantiles from :func:`_order_statistics` (of the values divided by ``divisor``, see
    :func:`summarise_scaled`), with ``np.quantile``'s arithmetic (its ``_lerp``):
    ``a + (b - a) gamma`` below gamma 0.5 and ``b - (b - a)(1 - gamma)`` from 0.5 (which keeps the
    sign of a -0.0)."""
    d = None if divisor is None else np.broadcast_to(np.asarray(divisor, dtype=float), shape).ravel()
    out = []
    for a, b, gamma in order:
        if d is not None:
            a, b = a / d, b / d
        difference = b - a
        result = a + difference * gamma
        if gamma >= 0.5:
            result = b - difference * (1 - gamma)
        out.append(result.reshape(shape))
    return out


def annual_values(series: dict[str, np.ndarray], start: str, hours: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per-replication annual metrics: (years, {metric: (R, Y)}).

    Stocks are taken at the last horizon month of each year; energy is summed; mean power is energy
    over the year's hours inside the horizon; PUE is facility energy over IT energy.
    """
    n_months = hours.shape[0]
    years = calendar_years(start, n_months)
    unique = np.unique(years)
    last = np.array([np.nonzero(years == y)[0][-1] for y in unique])
    out: dict[str, np.ndarray] = {}
    for name in ANNUAL_STOCKS:
        if name in series:
            out[name] = series[name][:, last]
    energy = np.stack([series["energy_mwh"][:, years == y].sum(axis=1) for y in unique], axis=1)
    it_energy = np.stack([series["it_energy_mwh"][:, years == y].sum(axis=1) for y in unique], axis=1)
    year_hours = np.array([hours[years == y].sum() for y in unique])
    out["energy_mwh"] = energy
    for name in ANNUAL_SUMS:
        out[name] = np.stack([series[name][:, years == y].sum(axis=1) for y in unique], axis=1)
    out["it_load_mw"] = it_energy / year_hours
    out["facility_mw"] = energy / year_hours
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pue"] = np.where(it_energy > 0, energy / np.where(it_energy > 0, it_energy, 1.0), np.nan)
    return unique, out


def _long_table(variant: str, labels, values: dict[str, np.ndarray], key: str,
                extra: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """One row per (label, metric), labels in their order and metrics in :data:`METRICS` order
    within each label (a shared limit the scenario does not have is left out), then the metrics
    of ``extra`` (a target criterion's measure, :func:`sim.analysis.criteria.extra_rows`): variant,
    ``key``, metric, mean, p5, ..., p95."""
    import pandas as pd  # imported when a table is made (about 0.2 s)
    labels = np.asarray(labels)
    values = {**values, **(extra or {})} if extra else values
    names = [name for name in METRICS if name in values] + list(extra or ())
    stats = [summarise(values[name]) for name in names]
    columns = {}
    for stat in ("mean", *QUANTILES):
        columns[stat] = np.column_stack([s[stat] for s in stats]).ravel()  # (label, metric) row-major
    return pd.DataFrame({
        "variant": np.full(labels.size * len(names), variant, dtype=object),
        key: np.repeat(labels, len(names)),
        "metric": np.tile(np.array(names, dtype=object), labels.size),
        **columns,
    })


def monthly_table(variant: str, start: str, series: dict[str, np.ndarray],
                  extra: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    n_months = series["total_eflops"].shape[1]
    return _long_table(variant, np.array(month_labels(start, n_months), dtype=object), series, "month", extra)


def annual_table(variant: str, start: str, series: dict[str, np.ndarray], hours: np.ndarray,
                 extra: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    years, values = annual_values(series, start, hours)
    return _long_table(variant, years.astype(int), values, "year", extra)


def target_outcomes(scenario: Scenario, series: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(met, reached): (R, T) bool met at month ``by`` (each criterion as :mod:`sim.analysis.criteria`
    takes it); (R, T) first month all criteria hold (float month index, inf if never within the horizon)."""
    from ..months import month_index

    n_reps, n_months = series["total_eflops"].shape
    met = np.zeros((n_reps, len(scenario.targets)), dtype=bool)
    reached = np.full((n_reps, len(scenario.targets)), np.inf)
    for t, target in enumerate(scenario.targets):
        holds = np.ones((n_reps, n_months), dtype=bool)
        for metric, figure in target.criteria().items():
            holds &= criterion_holds(metric, criterion_values(series, metric, scenario.horizon.start), figure)
        by = month_index(target.by, scenario.horizon.start)
        met[:, t] = holds[:, by]
        any_month = holds.any(axis=1)
        reached[any_month, t] = holds[any_month].argmax(axis=1)
    return met, reached


def month_quantiles(start: str, n_months: int, times: np.ndarray) -> dict[str, str]:
    """p10/p50/p90 of month times (inf = never) as 'YYYY-MM' / 'never'; '' when there are none."""
    out = {}
    for name in ("p10", "p50", "p90"):
        if times.size == 0:
            out[name] = ""
            continue
        value = float(np.quantile(times, QUANTILES[name], method="inverted_cdf"))
        out[name] = "never" if not np.isfinite(value) or value >= n_months else month_label(start, int(np.floor(value)))
    return out


def targets_table(variant: str, scenario: Scenario, met: np.ndarray, reached: np.ndarray) -> pd.DataFrame:
    import pandas as pd  # imported when a table is made (about 0.2 s)
    start = scenario.horizon.start
    n_months = None
    from ..months import horizon_months

    n_months = horizon_months(start, scenario.horizon.end)
    rows = []
    for t, target in enumerate(scenario.targets):
        q = month_quantiles(start, n_months, reached[:, t])
        rows.append({
            "variant": variant,
            "target": target.name,
            "by": target.by,
            "probability": float(met[:, t].mean()),
            "reached_p10": q["p10"],
            "reached_p50": q["p50"],
            "reached_p90": q["p90"],
        })
    columns = ["variant", "target", "by", "probability", "reached_p10", "reached_p50", "reached_p90"]
    return pd.DataFrame(rows, columns=columns)


def projects_table(variant: str, scenario: Scenario, go: np.ndarray, first_on: np.ndarray,
                   grid_wait: np.ndarray, supply_wait: np.ndarray, phase_project: np.ndarray,
                   policy=None, plan=None, policy_shift: np.ndarray | None = None) -> pd.DataFrame:
    """One row per project. Online percentiles are over the replications in which it went ahead;
    waits are means over those replications and the phases that asked. With ``policy`` (a
    :class:`~sim.engine.policies.PolicyPlan`): whether the capex subsidy applies and what the PUE cap did.
    With ``plan`` and ``policy_shift`` ((R, J) months the levers moved the drawn delay): the planned
    online month after a PUE-cap upgrade, the mean months the levers moved it, the design annual
    PUE and the peak facility MW (grid reservation)."""
    import pandas as pd  # imported when a table is made (about 0.2 s)
    from ..months import horizon_months

    start = scenario.horizon.start
    n_months = horizon_months(start, scenario.horizon.end)
    if plan is not None:
        peak_mw = np.bincount(phase_project, weights=plan.phase_peak_facility_mw, minlength=len(scenario.projects))
    rows = []
    for j, project in enumerate(scenario.projects):
        went = go[:, j]
        q = month_quantiles(start, n_months, first_on[went, j])
        phases = phase_project == j
        waits = {}
        for name, array in (("grid", grid_wait), ("supply", supply_wait)):
            chosen = array[:, phases][went]  # the project's columns first: a small copy, the same values in the same order
            chosen = chosen[~np.isnan(chosen)]
            waits[name] = float(chosen.mean()) if chosen.size else np.nan
        rows.append({
            "variant": variant,
            "project": project.id,
            "class": project.class_,
            "site": project.site,
            "status": project.status,
            "planned_online": project.online or "",
            "go_share": float(went.mean()),
            "online_p10": q["p10"],
            "online_p50": q["p50"],
            "online_p90": q["p90"],
            "grid_wait_months_mean": waits["grid"],
            "supply_wait_months_mean": waits["supply"],
        })
        if policy is not None:
            rows[-1]["subsidy_eligible"] = bool(policy.subsidy_eligible[j])
            rows[-1]["pue_cap"] = policy.pue_cap[j]
        if plan is not None:
            rows[-1].update(_plan_columns(project, plan, j, start, peak_mw[j],
                                          None if policy_shift is None else policy_shift[went, j]))
    return pd.DataFrame(rows)


def _plan_columns(project, plan, j: int, start: str, peak_mw: float, drawn_shift) -> dict:
    """planned_online_effective, policy_shift_months, design_pue, peak_facility_mw of project ``j``."""
    from ..months import month_index

    effective, shift = "", 0.0
    if project.online is not None:
        cap_shift = float(plan.project_online_index[j]) - month_index(project.online, start)
        effective = month_label(start, int(plan.project_online_index[j]))
        moved = float(drawn_shift.mean()) if drawn_shift is not None and drawn_shift.size else 0.0
        shift = cap_shift + moved
    return {"planned_online_effective": effective, "policy_shift_months": shift,
            "design_pue": float(plan.project_design_pue[j]), "peak_facility_mw": float(peak_mw)}
