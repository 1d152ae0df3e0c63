"""Post-processing: event logs of a block of replications -> monthly series, with numpy.

Stocks (capacity, IT MW, racks, projects online, investment, the shared limits' levels) are the
value at the *end* of month m: a phase counts when it came online at t < m + 1 and has not retired
by then (off >= m + 1). Flows (energy, mean power) integrate exactly over [m, m + 1): a phase online
for part of a month contributes that part of the month's real hours (and of its utilisation ramp).

The sums over phases come from each phase's span of months (:mod:`sim.engine.spans`: whole months
by cumulative sums, the partial months exactly); each runs over one replication's phases in a
fixed order, so a replication's numbers do not depend on how replications are grouped into blocks.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .plan import CLASS_INDEX, Plan, per_replication
from .policies import POLICY_METRICS, phase_arrays, policy_metrics
from .spans import PhaseMonths, month_bins, range_sums
from .supply import monthly_rates, supply_rate

ELEMENT_BUDGET = 4_000_000
"""Most elements of a block's (rows x phases or groups x months) working arrays at once: larger
blocks are worked out in chunks of rows."""

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
            + (SUPPLY_METRICS if supply_rate(plan) is not None else ()))


def _stock_values(plans: list[Plan]) -> list[np.ndarray]:
    """(R, P) per-phase values of each stock metric in :data:`STOCKS`."""
    phase_class = per_replication(plans, lambda p: p.phase_class)
    eflops = per_replication(plans, lambda p: p.phase_eflops)
    values = [np.where(phase_class == CLASS_INDEX[name], eflops, 0.0)
              for name in ("general", "intelligent", "supercomputing")]
    values += [per_replication(plans, lambda p: p.phase_it_mw), per_replication(plans, lambda p: p.phase_investment_cny)]
    assert len(values) == len(STOCKS)
    return values


def group_pue(plans: list[Plan]) -> tuple[np.ndarray, np.ndarray]:
    """((R, P) PUE group of each phase, (R, G, M) PUE of each group in each month) of the block."""
    groups = per_replication(plans, lambda p: p.phase_group)
    first = plans[0].group_pue
    if all(p.group_pue is first for p in plans):
        return groups, np.broadcast_to(first, (len(plans),) + first.shape)
    pue = np.zeros((len(plans), max(p.group_pue.shape[0] for p in plans), plans[0].n_months))
    for r, p in enumerate(plans):
        pue[r, :p.group_pue.shape[0]] = p.group_pue
    return groups, pue


def phase_months(plans: list[Plan], on: np.ndarray, off: np.ndarray) -> PhaseMonths:
    """The month structure of the block's phases (with their utilisation ramps, if any)."""
    ramped = any(p.phase_ramp_months.any() for p in plans)
    ramp = per_replication(plans, lambda p: p.phase_ramp_months) if ramped else None
    return PhaseMonths(on, off, ramp, plans[0].n_months)


def in_row_chunks(function, n_reps: int, width: int, n_months: int, *row_args) -> dict[str, np.ndarray]:
    """``function(*row_args)`` on chunks of rows (each arg sliced on its first axis; dicts value by
    value) so that a chunk's (rows x width x months) working arrays stay within
    :data:`ELEMENT_BUDGET`; the per-row results are concatenated. Rows are independent."""
    step = max(1, ELEMENT_BUDGET // (max(width, 1) * (n_months + 1)))
    if n_reps <= step:
        return function(*row_args)

    def rows(arg, r0, r1):
        if arg is None:
            return None
        if isinstance(arg, dict):
            return {k: v[r0:r1] for k, v in arg.items()}
        return arg[r0:r1]

    parts = [function(*(rows(a, r0, min(n_reps, r0 + step)) for a in row_args)) for r0 in range(0, n_reps, step)]
    return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}


def monthly_series(plans: list[Plan], on: np.ndarray, off: np.ndarray,
                   limits: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """The stored monthly arrays (R, M) for R replications (see :class:`MonthlySeries`).

    ``plans`` holds one plan per replication (the same object repeated when nothing is drawn per
    replication); ``on``/``off`` are (R, P) online and retirement times; ``limits`` the (R, P)
    request, grant and release times of :class:`sim.engine.model.EventLog` (needed with a grid or
    supply block).
    """
    width = max(on.shape[1], max(p.group_pue.shape[0] for p in plans) * 4)
    return in_row_chunks(monthly_rows, on.shape[0], width, plans[0].n_months, plans, on, off, limits)


def monthly_rows(plans: list[Plan], on: np.ndarray, off: np.ndarray, limits: dict[str, np.ndarray] | None,
                    months: PhaseMonths | None = None) -> dict[str, np.ndarray]:
    """:func:`monthly_series` of rows that fit in memory at once; ``months``: the rows' spans, if
    already made (the flows are then kept in it for :func:`sim.engine.sites.site_series`)."""
    n_months = plans[0].n_months
    months = phase_months(plans, on, off) if months is None else months
    stocks = range_sums(months.a, months.b, _stock_values(plans), n_months)
    load = per_replication(plans, lambda p: p.phase_load_mw)
    drop = per_replication(plans, lambda p: p.phase_ramp_drop_mw) if months.ramped else None
    groups, pue = group_pue(plans)
    minus_drop = None if drop is None else -drop
    it_energy, facility_energy = months.flow(load, minus_drop, pue, groups, key="load")

    levers = phase_arrays(plans)  # per-phase values of the policy levers in use, (R, P)
    sums: dict[str, np.ndarray] = {}
    if "subsidy_claims_cny" in levers:  # claims of phases that came online in the month
        sums["subsidy_claims_cny"] = _in_month(months.a, levers["subsidy_claims_cny"], n_months)
    if "spare_mw" in levers:  # what the idle part of online AI capacity could deliver (more while ramping)
        sums["spare_it_mwh"], sums["spare_facility_mwh"] = months.flow(levers["spare_mw"], levers.get("spare_ramp_mw"),
                                                                       pue, groups, key="spare_mw")
        sums["spare_pflops_hours"] = months.flow(levers["spare_pflops"], levers.get("spare_ramp_pflops"),
                                                 key="spare_pflops")

    hours = plans[0].hours
    it_energy *= hours
    facility_energy *= hours
    for name in ("spare_it_mwh", "spare_facility_mwh", "spare_pflops_hours"):
        if name in sums:
            sums[name] *= hours
    it_energy, facility_energy, lever_metrics = policy_metrics(plans, sums, it_energy, facility_energy)
    out: dict[str, np.ndarray] = {}
    for k, name in enumerate(STOCKS):
        out[name] = stocks[k]
    out["energy_mwh"] = facility_energy
    out["it_energy_mwh"] = it_energy
    out["projects_online"] = projects_online(plans[0], on, off)
    out.update(lever_metrics)
    out["rack_kw"] = np.array([[p.rack_kw] for p in plans], dtype=float)
    if limit_metrics(plans[0]):
        out.update(limit_series(plans, limits))
    return out


def _in_month(month: np.ndarray, amounts: np.ndarray, n_months: int) -> np.ndarray:
    """(R, M) sum of the (R, P) amounts of the phases whose ``month`` (index, any int) is m."""
    n_reps = month.shape[0]
    use = (month >= 0) & (month < n_months)
    index = (np.arange(n_reps)[:, None] * n_months + month)[use]
    return np.bincount(index, np.broadcast_to(amounts, month.shape)[use], n_reps * n_months).reshape(n_reps, n_months)


def _by_month_end(changes: list[tuple[np.ndarray, np.ndarray]], n_reps: int, n_months: int) -> np.ndarray:
    """(R, M) sum of the (time, amount) changes (each (R, P)) made at t < m + 1: a month-end level."""
    total = np.zeros((n_reps, n_months))
    for times, amounts in changes:
        total += np.cumsum(_in_month(month_bins(times, n_months), amounts, n_months), axis=1)
    return total


def _waiting(request: np.ndarray, grant: np.ndarray, amounts: np.ndarray, n_months: int) -> np.ndarray:
    """(R, M) sum of the amounts asked for at t < m + 1 and not granted by then (grant >= m + 1).

    Only requests that waited enter the sum, so a month with nobody waiting is exactly 0.
    """
    waited = np.where(grant > request, np.broadcast_to(amounts, request.shape), 0.0)
    return range_sums(month_bins(request, n_months), month_bins(grant, n_months), [waited], n_months)[0]


def limit_series(plans: list[Plan], limits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """(R, M) month-end levels of the shared limits (docs/model.md, section 3)."""
    plan = plans[0]
    n_reps, n_months = limits["grid_request"].shape[0], plan.n_months
    out: dict[str, np.ndarray] = {}
    if plan.grid_headroom_mw is not None:
        peak = per_replication(plans, lambda p: p.phase_peak_facility_mw)
        additions = np.zeros((n_reps, n_months))
        shared = all(p.grid_additions == plan.grid_additions for p in plans)
        for r, p in enumerate(plans[:1] if shared else plans):
            for t, mw in p.grid_additions:
                additions[r, int(t)] += mw
        if shared:
            additions[1:] = additions[0]
        headroom = np.array([[p.grid_headroom_mw] for p in plans], dtype=float)
        changes = _by_month_end([(limits["grid_release"], peak), (limits["grid_grant"], -peak)], n_reps, n_months)
        out["grid_free_mw"] = headroom + np.cumsum(additions, axis=1) + changes
        out["grid_queue_mw"] = _waiting(limits["grid_request"], limits["grid_grant"], peak, n_months)
    if plan.supply_schedule is not None:  # at t = 0, 1, ..., m, each month at its rate
        pflops = per_replication(plans, lambda p: p.phase_pflops_declared)
        delivered = np.cumsum([monthly_rates(p.supply_schedule, n_months) for p in plans], axis=1)
    elif plan.supply_pflops_per_month is not None:
        pflops = per_replication(plans, lambda p: p.phase_pflops_declared)
        rate = np.array([[p.supply_pflops_per_month] for p in plans], dtype=float)
        delivered = rate * np.arange(1, n_months + 1, dtype=float)  # at t = 0, 1, ..., m
    if supply_rate(plan) is not None:
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

    def month(self, name: str, m: int) -> np.ndarray:
        """``self[name][:, m]``, a derived metric worked out from month ``m``'s stored values only
        (the same elementwise arithmetic, so the same numbers, without a whole (R, M) array)."""
        if name in self.stored:
            return self.stored[name][:, m]
        n_months = len(self.hours)
        column = {k: v if v.shape[1] == 1 and n_months > 1 else v[:, m:m + 1] for k, v in self.stored.items()}
        return MonthlySeries(column, self.hours[m:m + 1])[name][:, 0]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.stored.values())


def projects_online(plan: Plan, on: np.ndarray, off: np.ndarray) -> np.ndarray:
    """(R, M) number of projects with at least one phase online at the end of each month."""
    first_on = project_first_on(plan, on)
    retire = np.broadcast_to(plan.project_retire_t, first_on.shape)
    ones = np.ones(first_on.shape)
    return range_sums(month_bins(first_on, plan.n_months), month_bins(retire, plan.n_months), [ones],
                      plan.n_months)[0]


def project_first_on(plan: Plan, on: np.ndarray) -> np.ndarray:
    """(R, J) time each project's first phase came online (inf if never)."""
    starts = np.flatnonzero(np.diff(plan.phase_project, prepend=-1))
    if len(starts) == plan.n_projects and on.shape[1] and np.array_equal(plan.phase_project[starts],
                                                                        np.arange(plan.n_projects)):
        return np.minimum.reduceat(on, starts, axis=1)  # each project's phases are consecutive, in order
    first = np.full((on.shape[0], plan.n_projects), np.inf)
    np.minimum.at(first, (slice(None), plan.phase_project), on)
    return first
