"""Per-site monthly energy: event logs of a block of replications -> (R, S, M) arrays.

Grid planning is done place by place, so a run also keeps, for every site of the scenario (in the
file's order, :attr:`Plan.site_ids`), its IT energy and facility energy in each month. They come
from the same per-phase online and retirement times and the same plan arrays as the province's
monthly series, by the same rules (docs/model.md, "Power and energy"): a phase online for part
of month m draws its mean IT load for that part of the month's hours, times its site's PUE in that
month. The compute vouchers' extra use of idle AI capacity is shared out like the province's: the
share of the spare PFLOPS-hours the vouchers bought in a month (one figure per replication and
month) times each site's spare IT and facility energy. Summed over sites, the arrays give the
province's ``it_energy_mwh`` and ``energy_mwh`` (to rounding; tests/test_sites.py).

This module does not depend on how :mod:`sim.engine.series` is organised: it reads only the plan,
the event times and the province's voucher purchases, and shares with it one rule, the
utilisation ramp's shortfall in a month (:func:`sim.engine.series.ramp_shortfall`).
"""

from __future__ import annotations

import numpy as np

from .plan import Plan, per_replication
from .policies import phase_arrays
from .series import ramp_shortfall

SITE_STORED = ("site_it_energy_mwh", "site_energy_mwh")
"""The per-site arrays a run keeps, each (R, S, M)."""
SITE_METRICS = ("it_load_mw", "facility_mw", "energy_mwh")
"""The metrics of ``sites.csv``, worked out from :data:`SITE_STORED` (see :func:`site_metric`)."""
PHASE_CHUNK = 256
ELEMENT_BUDGET = 4_000_000


def _by_site(values: np.ndarray, phase_site: np.ndarray, n_sites: int) -> np.ndarray:
    """(r, S, M) sums over the phases of each site of ``values`` (r, p, M); the phases of a site are
    added in their plan order, whatever the number of rows, so a replication's sums do not depend
    on how replications are grouped."""
    out = np.zeros((values.shape[0], n_sites, values.shape[2]))
    for s in np.unique(phase_site):
        out[:, s] = values[:, phase_site == s].sum(axis=1)
    return out


def site_series(plans: list[Plan], on: np.ndarray, off: np.ndarray,
                voucher_pflops_hours: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The :data:`SITE_STORED` arrays (R, S, M) for R replications.

    ``plans`` holds one plan per replication, ``on``/``off`` the (R, P) online and retirement
    times (as for :func:`sim.engine.series.monthly_series`); ``voucher_pflops_hours`` the
    province's (R, M) PFLOPS-hours bought with vouchers (needed when the plan has vouchers).
    """
    plan = plans[0]
    n_reps, n_phases = on.shape
    n_months, n_sites = plan.n_months, len(plan.site_ids)
    phase_site = plan.project_site[plan.phase_project]
    load = per_replication(plans, lambda p: p.phase_load_mw)
    pue = per_replication(plans, lambda p: p.group_pue[p.phase_group])  # (R, P, M)
    levers = phase_arrays(plans)
    ramped = any(p.phase_ramp_months.any() for p in plans)
    if ramped:
        ramp_months = per_replication(plans, lambda p: p.phase_ramp_months)
        ramp_drop = per_replication(plans, lambda p: p.phase_ramp_drop_mw)
    vouchers = "spare_mw" in levers
    it_energy = np.zeros((n_reps, n_sites, n_months))
    energy = np.zeros((n_reps, n_sites, n_months))
    if vouchers:
        spare_it = np.zeros((n_reps, n_sites, n_months))
        spare_energy = np.zeros((n_reps, n_sites, n_months))
        spare_pflops_hours = np.zeros((n_reps, n_months))
    month_end = np.arange(1, n_months + 1, dtype=float)
    month_start = month_end - 1.0

    rows_per_chunk = max(1, ELEMENT_BUDGET // (PHASE_CHUNK * max(n_months, 1)))
    for r0 in range(0, n_reps, rows_per_chunk):
        r1 = min(n_reps, r0 + rows_per_chunk)
        for p0 in range(0, n_phases, PHASE_CHUNK):
            p1 = min(n_phases, p0 + PHASE_CHUNK)
            t_on, t_off = on[r0:r1, p0:p1, None], off[r0:r1, p0:p1, None]
            overlap = np.clip(np.minimum(t_off, month_end) - np.maximum(t_on, month_start), 0.0, 1.0)
            load_time = load[r0:r1, p0:p1, None] * overlap  # MW x fraction of the month
            if ramped:  # less load while a phase ramps up
                shortfall = ramp_shortfall(t_on, t_off, month_start, month_end, ramp_months[r0:r1, p0:p1, None])
                load_time = load_time - ramp_drop[r0:r1, p0:p1, None] * shortfall
            chunk_pue = pue[r0:r1, p0:p1]
            chunk_site = phase_site[p0:p1]
            it_energy[r0:r1] += _by_site(load_time, chunk_site, n_sites)
            energy[r0:r1] += _by_site(load_time * chunk_pue, chunk_site, n_sites)
            if vouchers:
                spare_time = levers["spare_mw"][r0:r1, p0:p1, None] * overlap
                spare_pflops = levers["spare_pflops"][r0:r1, p0:p1, None] * overlap
                if ramped:  # more of it idle while it ramps up
                    spare_time = spare_time + levers["spare_ramp_mw"][r0:r1, p0:p1, None] * shortfall
                    spare_pflops = spare_pflops + levers["spare_ramp_pflops"][r0:r1, p0:p1, None] * shortfall
                spare_it[r0:r1] += _by_site(spare_time, chunk_site, n_sites)
                spare_energy[r0:r1] += _by_site(spare_time * chunk_pue, chunk_site, n_sites)
                spare_pflops_hours[r0:r1] += spare_pflops.sum(axis=1)

    hours = plan.hours
    it_energy *= hours
    energy *= hours
    if vouchers:
        if voucher_pflops_hours is None:
            raise ValueError("a plan with compute vouchers needs the province's voucher_pflops_hours")
        spare = spare_pflops_hours * hours
        with np.errstate(invalid="ignore", divide="ignore"):
            used = np.where(spare > 0, voucher_pflops_hours / np.where(spare > 0, spare, 1.0), 0.0)
        it_energy += used[:, None, :] * spare_it * hours
        energy += used[:, None, :] * spare_energy * hours
    return {"site_it_energy_mwh": it_energy, "site_energy_mwh": energy}


def site_metric(stored: dict[str, np.ndarray], name: str, hours: np.ndarray) -> np.ndarray:
    """(R, S, M) of a metric in :data:`SITE_METRICS` from the stored arrays."""
    if name == "energy_mwh":
        return stored["site_energy_mwh"]
    if name == "facility_mw":
        return stored["site_energy_mwh"] / hours
    if name == "it_load_mw":
        return stored["site_it_energy_mwh"] / hours
    raise KeyError(name)
