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

The sums over phases come from the same spans of months (:class:`sim.engine.spans.PhaseMonths`),
grouped by site. :func:`block_series` (what a run uses) works out the province's series and the
sites' from one set of spans, so the monthly sums by PUE group are made once for both.
"""

from __future__ import annotations

import numpy as np

from .plan import Plan, per_replication
from .policies import phase_arrays
from .series import group_pue, in_row_chunks, monthly_rows, phase_months
from .spans import PhaseMonths

SITE_STORED = ("site_it_energy_mwh", "site_energy_mwh")
"""The per-site arrays a run keeps, each (R, S, M)."""
SITE_METRICS = ("it_load_mw", "facility_mw", "energy_mwh")
"""The metrics of ``sites.csv``, worked out from :data:`SITE_STORED` by :func:`sim.analysis.sites.sites_table` (power: energy over the month's hours)."""


def site_series(plans: list[Plan], on: np.ndarray, off: np.ndarray,
                voucher_pflops_hours: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The :data:`SITE_STORED` arrays (R, S, M) for R replications.

    ``plans`` holds one plan per replication, ``on``/``off`` the (R, P) online and retirement
    times (as for :func:`sim.engine.series.monthly_series`); ``voucher_pflops_hours`` the
    province's (R, M) PFLOPS-hours bought with vouchers (needed when the plan has vouchers).
    """
    width = max(on.shape[1], max(p.group_pue.shape[0] for p in plans) * 4, len(plans[0].site_ids) * 4)
    return in_row_chunks(_site_series, on.shape[0], width, plans[0].n_months, plans, on, off, voucher_pflops_hours)


def block_series(plans: list[Plan], on: np.ndarray, off: np.ndarray,
                 limits: dict[str, np.ndarray] | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(:func:`sim.engine.series.monthly_series`, :func:`site_series`) of one block, the same numbers,
    with the spans of months and the flows by PUE group worked out once for both."""
    width = max(on.shape[1], max(p.group_pue.shape[0] for p in plans) * 4, len(plans[0].site_ids) * 4)
    both = in_row_chunks(_block_series, on.shape[0], width, plans[0].n_months, plans, on, off, limits)
    return ({k: v for k, v in both.items() if k not in SITE_STORED}, {k: both[k] for k in SITE_STORED})


def _block_series(plans: list[Plan], on: np.ndarray, off: np.ndarray,
                  limits: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    months = phase_months(plans, on, off)
    series = monthly_rows(plans, on, off, limits, months)
    return {**series, **_site_series(plans, on, off, series["voucher_pflops_hours"], months)}


def _site_series(plans: list[Plan], on: np.ndarray, off: np.ndarray,
                 voucher_pflops_hours: np.ndarray | None, months: PhaseMonths | None = None) -> dict[str, np.ndarray]:
    plan = plans[0]
    n_reps = on.shape[0]
    n_sites = len(plan.site_ids)
    phase_site = np.broadcast_to(plan.project_site[plan.phase_project], on.shape)
    months = phase_months(plans, on, off) if months is None else months
    groups, pue = group_pue(plans)
    group_site = np.zeros((n_reps, pue.shape[1]), dtype=np.int64)  # each PUE group is one (site, cooling)
    group_site[np.arange(n_reps)[:, None], groups] = phase_site
    by_site = (phase_site, group_site, n_sites)
    load = per_replication(plans, lambda p: p.phase_load_mw)
    drop = -per_replication(plans, lambda p: p.phase_ramp_drop_mw) if months.ramped else None
    it_energy, energy = months.flow(load, drop, pue, groups, by_site, key="load")
    levers = phase_arrays(plans)
    hours = plan.hours
    it_energy *= hours
    energy *= hours
    if "spare_mw" in levers:
        if voucher_pflops_hours is None:
            raise ValueError("a plan with compute vouchers needs the province's voucher_pflops_hours")
        spare_it, spare_energy = months.flow(levers["spare_mw"], levers.get("spare_ramp_mw"), pue, groups, by_site,
                                             key="spare_mw")
        spare = months.flow(levers["spare_pflops"], levers.get("spare_ramp_pflops"), key="spare_pflops") * hours
        with np.errstate(invalid="ignore", divide="ignore"):
            used = np.where(spare > 0, voucher_pflops_hours / np.where(spare > 0, spare, 1.0), 0.0)
        it_energy += used[:, None, :] * spare_it * hours
        energy += used[:, None, :] * spare_energy * hours
    return {"site_it_energy_mwh": it_energy, "site_energy_mwh": energy}
