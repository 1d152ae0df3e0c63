"""Post-processing: event logs of a block of replications -> monthly series, with numpy.

Stocks (capacity, IT MW, racks, projects online, investment, the shared limits' levels) are the
value at the *end* of month m: a phase counts when it came online at t < m + 1 and has not retired
by then (off >= m + 1). Flows (energy, mean power) integrate exactly over [m, m + 1): a phase online
for part of a month contributes that part of the month's real hours (and of its utilisation ramp).

Sums over phases run in a fixed order (phase chunks of :data:`PHASE_CHUNK`, rows independent),
so a replication's numbers do not depend on how replications are grouped into blocks.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .plan import CLASS_INDEX, Plan, per_replication
from .policies import POLICY_METRICS, phase_arrays, policy_metrics

PHASE_CHUNK = 256
ELEMENT_BUDGET = 4_000_000

STOCKS = ("general_eflops", "intelligent_eflops", "supercomputing_eflops", "it_mw", "investment_cny")
GRID_METRICS = ("grid_free_mw", "grid_queue_mw")
SUPPLY_METRICS = ("supply_backlog_pflops", "supply_stock_pflops")
METRICS = (
    "total_eflops",
    "general_eflops",
    "intelligent_eflops",
    "supercomputing_eflops",
    "intelligent_share",
    "it_mw",
    "racks",
    "it_load_mw",
    "facility_mw",
    "pue",
    "energy_mwh",
    "projects_online",
    "investment_cny",
) + GRID_METRICS + SUPPLY_METRICS + POLICY_METRICS
"""Monthly metrics, in output order. See docs/model.md for each definition; the policy metrics
(subsidy, vouchers, emissions) come from :mod:`sim.engine.policies`. The grid and supply metrics
exist only when the scenario has that block (:func:`limit_metrics`)."""
STORED = STOCKS + ("energy_mwh", "it_energy_mwh", "projects_online") + POLICY_METRICS + ("rack_kw",)
"""The per-replication arrays a run always keeps ((R, M) each, ``rack_kw`` (R, 1)), plus those of
:func:`limit_metrics`; :class:`MonthlySeries` derives the other metrics."""


def limit_metrics(plan: Plan) -> tuple[str, ...]:
    """The shared limits' metrics of ``plan``: grid ones with a grid block, supply ones with supply."""
    return ((GRID_METRICS if plan.grid_headroom_mw is not None else ())
            + (SUPPLY_METRICS if plan.supply_pflops_per_month is not None else ()))


def _phase_values(plan: Plan) -> np.ndarray:
    """(P, 5) per-phase values of the stock metrics in :data:`STOCKS`."""
    values = np.zeros((plan.n_phases, len(STOCKS)))
    for name in ("general", "intelligent", "supercomputing"):
        column = STOCKS.index(f"{name}_eflops")
        values[:, column] = np.where(plan.phase_class == CLASS_INDEX[name], plan.phase_eflops, 0.0)
    values[:, STOCKS.index("it_mw")] = plan.phase_it_mw
    values[:, STOCKS.index("investment_cny")] = plan.phase_investment_cny
    return values


def monthly_series(plans: list[Plan], on: np.ndarray, off: np.ndarray,
                   limits: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """The stored monthly arrays (R, M) for R replications (see :class:`MonthlySeries`).

    ``plans`` holds one plan per replication (the same object repeated when nothing is drawn per
    replication); ``on``/``off`` are (R, P) online and retirement times; ``limits`` the (R, P)
    request, grant and release times of :class:`sim.engine.model.EventLog` (needed with a grid or
    supply block).
    """
    n_reps, n_phases = on.shape
    n_months = plans[0].n_months
    same_plan = all(p is plans[0] for p in plans)
    if same_plan:
        values = np.broadcast_to(_phase_values(plans[0]), (n_reps, n_phases, len(STOCKS)))
        load = np.broadcast_to(plans[0].phase_load_mw, (n_reps, n_phases))
        pue = np.broadcast_to(plans[0].group_pue[plans[0].phase_group], (n_reps, n_phases, n_months))
    else:
        values = np.stack([_phase_values(p) for p in plans])
        load = np.stack([p.phase_load_mw for p in plans])
        pue = np.stack([p.group_pue[p.phase_group] for p in plans])
    ramped = any(p.phase_ramp_months.any() for p in plans)
    if ramped:
        ramp_months = per_replication(plans, lambda p: p.phase_ramp_months)
        ramp_drop = per_replication(plans, lambda p: p.phase_ramp_drop_mw)

    stocks = np.zeros((n_reps, len(STOCKS), n_months))
    it_energy = np.zeros((n_reps, n_months))
    facility_energy = np.zeros((n_reps, n_months))
    month_end = np.arange(1, n_months + 1, dtype=float)
    month_start = month_end - 1.0
    levers = phase_arrays(plans)  # per-phase values of the policy levers in use, (R, P)
    sums = {name: np.zeros((n_reps, n_months)) for name in _lever_sums(levers)}

    rows_per_chunk = max(1, ELEMENT_BUDGET // (PHASE_CHUNK * max(n_months, 1)))
    for r0 in range(0, n_reps, rows_per_chunk):
        r1 = min(n_reps, r0 + rows_per_chunk)
        for p0 in range(0, n_phases, PHASE_CHUNK):
            p1 = min(n_phases, p0 + PHASE_CHUNK)
            t_on = on[r0:r1, p0:p1, None]
            t_off = off[r0:r1, p0:p1, None]
            active = (t_on < month_end) & (t_off >= month_end)  # (r, p, M)
            for k in range(len(STOCKS)):
                stocks[r0:r1, k] += (values[r0:r1, p0:p1, k, None] * active).sum(axis=1)
            overlap = np.clip(np.minimum(t_off, month_end) - np.maximum(t_on, month_start), 0.0, 1.0)
            load_time = load[r0:r1, p0:p1, None] * overlap  # MW x fraction of the month
            if ramped:  # less load while a phase ramps up: drop x the ramp's shortfall in the month
                shortfall = ramp_shortfall(t_on, t_off, month_start, month_end, ramp_months[r0:r1, p0:p1, None])
                load_time = load_time - ramp_drop[r0:r1, p0:p1, None] * shortfall
            it_energy[r0:r1] += load_time.sum(axis=1)
            facility_energy[r0:r1] += (load_time * pue[r0:r1, p0:p1]).sum(axis=1)
            if "subsidy_claims_cny" in levers:  # claims of phases that came online in the month
                came_on = (t_on >= month_start) & (t_on < month_end)
                claims = levers["subsidy_claims_cny"][r0:r1, p0:p1, None]
                sums["subsidy_claims_cny"][r0:r1] += (claims * came_on).sum(axis=1)
            if "spare_mw" in levers:  # what the idle part of online AI capacity could deliver
                spare_time = levers["spare_mw"][r0:r1, p0:p1, None] * overlap
                spare_pflops = levers["spare_pflops"][r0:r1, p0:p1, None] * overlap
                if ramped:  # more of it idle while it ramps up
                    spare_time = spare_time + levers["spare_ramp_mw"][r0:r1, p0:p1, None] * shortfall
                    spare_pflops = spare_pflops + levers["spare_ramp_pflops"][r0:r1, p0:p1, None] * shortfall
                sums["spare_it_mwh"][r0:r1] += spare_time.sum(axis=1)
                sums["spare_facility_mwh"][r0:r1] += (spare_time * pue[r0:r1, p0:p1]).sum(axis=1)
                sums["spare_pflops_hours"][r0:r1] += spare_pflops.sum(axis=1)

    hours = plans[0].hours
    it_energy *= hours
    facility_energy *= hours
    for name in ("spare_it_mwh", "spare_facility_mwh", "spare_pflops_hours"):
        if name in sums:
            sums[name] *= hours
    it_energy, facility_energy, lever_metrics = policy_metrics(plans, sums, it_energy, facility_energy)
    out: dict[str, np.ndarray] = {}
    for k, name in enumerate(STOCKS):
        out[name] = stocks[:, k]
    out["energy_mwh"] = facility_energy
    out["it_energy_mwh"] = it_energy
    out["projects_online"] = projects_online(plans[0], on, off)
    out.update(lever_metrics)
    out["rack_kw"] = np.array([[p.rack_kw] for p in plans], dtype=float)
    if limit_metrics(plans[0]):
        out.update(limit_series(plans, limits))
    return out


def ramp_shortfall(t_on, t_off, month_start, month_end, ramp_months) -> np.ndarray:
    """Months of full load missing in each month from a linear ramp, per unit of the ramp's drop.

    A phase online at ``t_on`` with a ramp of R months runs at (1 - s) of its ramp's drop below its
    full load at time t, s = max(0, 1 - (t - t_on) / R). This is the exact integral of s over the
    part of [month_start, month_end) the phase is online; 0 without a ramp (R = 0).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        ramp = np.where(ramp_months > 0, ramp_months, 1.0)

        def area(x):  # integral of max(0, 1 - u / R) du from 0 to x (x >= 0)
            return np.where(x < ramp, x - x * x / (2.0 * ramp), ramp / 2.0)

        a = np.maximum(t_on, month_start)
        b = np.maximum(a, np.minimum(t_off, month_end))
        value = area(b - t_on) - area(a - t_on)
        return np.where((ramp_months > 0) & (b > a), value, 0.0)


def _month_bins(times: np.ndarray, n_months: int) -> np.ndarray:
    """Month index of each time (times >= 0); ``n_months`` for a time at or after the horizon end."""
    index = np.full(times.shape, n_months, dtype=np.int64)
    inside = times < n_months
    index[inside] = np.floor(times[inside]).astype(np.int64)
    return index


def _by_month_end(changes: list[tuple[np.ndarray, np.ndarray]], n_reps: int, n_months: int) -> np.ndarray:
    """(R, M) sum of the (time, amount) changes (each (R, P)) made at t < m + 1: a month-end level."""
    bins = np.zeros((n_reps, n_months + 1))
    rows = np.arange(n_reps)[:, None]
    for times, amounts in changes:
        np.add.at(bins, (np.broadcast_to(rows, times.shape), _month_bins(times, n_months)), amounts)
    return np.cumsum(bins[:, :n_months], axis=1)


def _waiting(request: np.ndarray, grant: np.ndarray, amounts: np.ndarray, n_months: int) -> np.ndarray:
    """(R, M) sum of the amounts asked for at t < m + 1 and not granted by then (grant >= m + 1).

    Only requests that waited enter the sum, so a month with nobody waiting is exactly 0.
    """
    out = np.zeros((request.shape[0], n_months))
    rows, cols = np.nonzero(grant > request)
    if rows.size == 0:
        return out
    first = _month_bins(request[rows, cols], n_months)
    last = _month_bins(grant[rows, cols], n_months)  # no longer waiting at the end of this month
    months = np.arange(n_months)
    step = max(1, ELEMENT_BUDGET // max(n_months, 1))
    for k0 in range(0, rows.size, step):
        k = slice(k0, k0 + step)
        waiting = (months >= first[k, None]) & (months < last[k, None])
        np.add.at(out, rows[k], amounts[rows[k], cols[k], None] * waiting)
    return out


def limit_series(plans: list[Plan], limits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """(R, M) month-end levels of the shared limits (docs/model.md, section 3)."""
    plan = plans[0]
    n_reps, n_months = limits["grid_request"].shape[0], plan.n_months
    out: dict[str, np.ndarray] = {}
    if plan.grid_headroom_mw is not None:
        peak = per_replication(plans, lambda p: p.phase_peak_facility_mw)
        additions = np.zeros((n_reps, n_months))
        for r, p in enumerate(plans):
            for t, mw in p.grid_additions:
                additions[r, int(t)] += mw
        headroom = np.array([[p.grid_headroom_mw] for p in plans], dtype=float)
        changes = _by_month_end([(limits["grid_release"], peak), (limits["grid_grant"], -peak)], n_reps, n_months)
        out["grid_free_mw"] = headroom + np.cumsum(additions, axis=1) + changes
        out["grid_queue_mw"] = _waiting(limits["grid_request"], limits["grid_grant"], peak, n_months)
    if plan.supply_pflops_per_month is not None:
        pflops = per_replication(plans, lambda p: p.phase_pflops_declared)
        rate = np.array([[p.supply_pflops_per_month] for p in plans], dtype=float)
        delivered = rate * np.arange(1, n_months + 1, dtype=float)  # at t = 0, 1, ..., m
        taken = _by_month_end([(limits["supply_grant"], pflops)], n_reps, n_months)
        out["supply_stock_pflops"] = np.maximum(delivered - taken, 0.0)  # no rounding below 0
        out["supply_backlog_pflops"] = _waiting(limits["supply_request"], limits["supply_grant"], pflops, n_months)
    return out


def _lever_sums(levers: dict[str, np.ndarray]) -> tuple[str, ...]:
    """Names of the monthly sums the policy levers in use need."""
    names: tuple[str, ...] = ()
    if "subsidy_claims_cny" in levers:
        names += ("subsidy_claims_cny",)
    if "spare_mw" in levers:
        names += ("spare_it_mwh", "spare_facility_mwh", "spare_pflops_hours")
    return names


class MonthlySeries(Mapping):
    """metric -> (R, M) array of every metric in :data:`METRICS` (and ``it_energy_mwh``).

    Only the arrays in :data:`STORED` are kept; the others are worked out from them elementwise
    when asked for (the same arithmetic, so the same numbers), which keeps a run of many
    replications about 40 % smaller in memory.
    """

    def __init__(self, stored: dict[str, np.ndarray], hours: np.ndarray):
        missing = set(STORED) - set(stored)
        if missing:
            raise ValueError(f"missing stored series: {sorted(missing)}")
        limits = GRID_METRICS + SUPPLY_METRICS
        self.stored = {name: stored[name] for name in STORED + limits if name in stored}
        self.hours = hours
        self.names = tuple(m for m in METRICS if m not in limits or m in stored) + ("it_energy_mwh",)

    def __getitem__(self, name: str) -> np.ndarray:
        s = self.stored
        if name in s:
            return s[name]
        if name == "total_eflops":
            return s["general_eflops"] + s["intelligent_eflops"] + s["supercomputing_eflops"]
        if name == "intelligent_share":
            total = self["total_eflops"]
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(total > 0, s["intelligent_eflops"] / np.where(total > 0, total, 1.0), 0.0)
        if name == "pue":
            it_energy, energy = s["it_energy_mwh"], s["energy_mwh"]
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(it_energy > 0, energy / np.where(it_energy > 0, it_energy, 1.0), np.nan)
        if name == "racks":
            return s["it_mw"] * 1000.0 / s["rack_kw"]
        if name == "it_load_mw":
            return s["it_energy_mwh"] / self.hours
        if name == "facility_mw":
            return s["energy_mwh"] / self.hours
        raise KeyError(name)

    def __iter__(self):
        return iter(self.names)

    def __contains__(self, name) -> bool:
        return name in self.names

    def __len__(self) -> int:
        return len(self.names)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.stored.values())


def projects_online(plan: Plan, on: np.ndarray, off: np.ndarray) -> np.ndarray:
    """(R, M) number of projects with at least one phase online at the end of each month."""
    first_on = project_first_on(plan, on)
    retire = np.broadcast_to(plan.project_retire_t, first_on.shape)
    month_end = np.arange(1, plan.n_months + 1, dtype=float)
    counts = np.zeros((on.shape[0], plan.n_months))
    for j0 in range(0, plan.n_projects, PHASE_CHUNK):
        j1 = min(plan.n_projects, j0 + PHASE_CHUNK)
        active = (first_on[:, j0:j1, None] < month_end) & (retire[:, j0:j1, None] >= month_end)
        counts += active.sum(axis=1)
    return counts


def project_first_on(plan: Plan, on: np.ndarray) -> np.ndarray:
    """(R, J) time each project's first phase came online (inf if never)."""
    first = np.full((on.shape[0], plan.n_projects), np.inf)
    np.minimum.at(first, (slice(None), plan.phase_project), on)
    return first
