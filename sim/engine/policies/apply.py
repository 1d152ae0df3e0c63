"""The compiled levers at work: on one block's draws (:func:`adjust_draws`), on the per-phase
values the monthly series sum (:func:`phase_arrays`), and on those sums (:func:`policy_metrics`),
each lever's metrics from its own module."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..plan import Plan, PolicyPlan, per_replication
from .emissions import emission_metrics
from .rows import policy_rows
from .subsidy import subsidy_metrics
from .vouchers import voucher_arrays, voucher_metrics

POLICY_METRICS = (
    "subsidy_cny",
    "subsidy_cny_cumulative",
    "voucher_pflops_hours",
    "voucher_cny",
    "green_mwh",
    "carbon_t",
)
"""Monthly metrics the levers add (see :data:`sim.engine.series.METRICS`)."""


def adjust_draws(policy: PolicyPlan, go: np.ndarray, delay_months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(go, delay) after the levers: rejected projects never go; fast_track scales the drawn delay,
    then the subsidy's delay reduction takes months off it, but not below 0 (a delay already below
    0 is left as it is). The go bonus acts earlier, in :func:`sim.engine.draws.draw_projects_block`."""
    go = go & ~policy.rejected
    scaled = delay_months * policy.delay_scale
    reduced = np.minimum(scaled, np.maximum(scaled - policy.delay_reduction_months, 0.0))
    return go, reduced


def phase_arrays(plans: list[Plan]) -> dict[str, np.ndarray]:
    """(R, P) per-phase values that :mod:`sim.engine.series` sums per month (only the levers in use)."""
    policy = plans[0].policy
    out = {}
    if policy.has_subsidy or any(p.policy.has_subsidy for p in plans):
        out["subsidy_claims_cny"] = policy_rows(plans, "phase_subsidy_cny")
    if policy.has_vouchers:
        out["spare_pflops"] = policy_rows(plans, "phase_spare_pflops")
        out["spare_mw"] = policy_rows(plans, "phase_spare_mw")
        if any(p.phase_ramp_months.any() for p in plans):  # what a ramp leaves idle, per unit of shortfall
            rows = SimpleNamespace(**{name: per_replication(plans, lambda p, name=name: getattr(p, name)) for name in
                                      ("phase_class", "phase_it_mw", "phase_ramp_drop_mw", "phase_eflops")})
            out["spare_ramp_pflops"], out["spare_ramp_mw"] = voucher_arrays(rows, ramp=True)
    return out


def policy_metrics(plans: list[Plan], sums: dict[str, np.ndarray], it_energy_mwh: np.ndarray,
                   facility_energy_mwh: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(IT energy, facility energy, {policy metric: (R, M)}) for R replications.

    ``sums`` holds the monthly sums over phases from :mod:`sim.engine.series`: ``subsidy_claims_cny``
    (claims of phases that came online in the month), ``spare_pflops_hours``, ``spare_it_mwh`` and
    ``spare_facility_mwh`` (what the spare part of online intelligent capacity could deliver and
    would draw). Voucher energy is added to the energies returned (and so counts for emissions).
    """
    zeros = np.zeros(it_energy_mwh.shape)
    out = subsidy_metrics(plans, sums, zeros)
    it_energy_mwh, facility_energy_mwh, bought = voucher_metrics(plans, sums, it_energy_mwh, facility_energy_mwh, zeros)
    out.update(bought)
    out.update(emission_metrics(plans, facility_energy_mwh))
    return it_energy_mwh, facility_energy_mwh, out
