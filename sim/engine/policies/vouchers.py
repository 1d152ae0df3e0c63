"""The ``compute_vouchers`` lever: buys PFLOPS-hours on the spare part of online intelligent
capacity, within an annual budget spread over the months in force, which raises that capacity's
IT load and so the power and energy metrics."""

from __future__ import annotations

import math

import numpy as np

from ...scenario.schema import Scenario
from ..plan import CLASS_INDEX, Plan
from .acts import months_in_force, reporting_factor, year_budget
from .rows import policy_rows


def voucher_terms(scenario: Scenario, plan: Plan):
    """(budget per year or None, (M,) bool months in force, price per reporting-basis PFLOPS-hour,
    spare PFLOPS per phase, spare IT MW per phase); None, no months, NaN, zeros without vouchers."""
    vouchers = scenario.policies.compute_vouchers
    if vouchers is None:
        return None, np.zeros(plan.n_months, dtype=bool), math.nan, np.zeros(plan.n_phases), np.zeros(plan.n_phases)
    start = scenario.horizon.start
    months = months_in_force(vouchers, start, plan.n_months)
    budget = year_budget(vouchers.annual_budget_cny, start, plan.n_months, months)
    # a PFLOPS-hour at `precision` is factor PFLOPS-hours on the reporting basis
    price = vouchers.price_cny_per_pflops_hour / reporting_factor(scenario, vouchers.precision)
    spare_pflops, spare_mw = voucher_arrays(plan)
    return budget, months, price, spare_pflops, spare_mw


def voucher_arrays(plan: Plan, ramp: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(PFLOPS, IT MW) per phase that vouchers may buy: the idle part of intelligent capacity once
    ramped up; with ``ramp``, the part more that is idle at the start of a utilisation ramp.
    ``plan`` may be a plan or (R, P) rows of its phase arrays."""
    intelligent = plan.phase_class == CLASS_INDEX["intelligent"]
    it_mw = np.where(plan.phase_it_mw > 0, plan.phase_it_mw, 1.0)  # no 0/0 (and no numpy warning) for a phase of 0 MW
    if ramp:
        idle = np.where(plan.phase_it_mw > 0, plan.phase_ramp_drop_mw / it_mw, 0.0)
    else:
        idle = np.where(plan.phase_it_mw > 0, 1.0 - plan.phase_load_mw / it_mw, 0.0)
        idle = np.clip(idle, 0.0, 1.0)
    return (np.where(intelligent, plan.phase_eflops * 1000.0 * idle, 0.0),
            np.where(intelligent, plan.phase_it_mw * idle, 0.0))


def buy_vouchers(spare_pflops_hours: np.ndarray, budget_pflops_hours: np.ndarray, month_year: np.ndarray,
                 active: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """(R, M) PFLOPS-hours bought. Each active month spends the year's remaining budget spread
    evenly over the year's remaining active hours, up to the spare capacity; what a month cannot
    spend stays for the rest of the year; at the year end it lapses."""
    n_reps, n_months = spare_pflops_hours.shape
    bought = np.zeros_like(spare_pflops_hours)
    for year in np.unique(month_year):
        months = np.nonzero((month_year == year) & active)[0]
        remaining = budget_pflops_hours[:, year].astype(float).copy()
        hours_left = float(hours[months].sum())
        for m in months:
            want = remaining * (hours[m] / hours_left) if hours_left > 0 else remaining
            got = np.minimum(want, spare_pflops_hours[:, m])
            bought[:, m] = got
            remaining = remaining - got
            hours_left -= hours[m]
    return bought


def voucher_metrics(plans: list[Plan], sums: dict[str, np.ndarray], it_energy_mwh: np.ndarray,
                    facility_energy_mwh: np.ndarray, zeros: np.ndarray):
    """(IT energy, facility energy with what vouchers bought, {voucher_pflops_hours, voucher_cny})."""
    policy = plans[0].policy
    if not policy.has_vouchers:
        return it_energy_mwh, facility_energy_mwh, {"voucher_pflops_hours": zeros, "voucher_cny": zeros}
    price = policy_rows(plans, "voucher_price_cny_per_pflops_hour")
    budget_hours = policy_rows(plans, "voucher_budget_cny") / price[:, None]
    hours = plans[0].hours
    bought = buy_vouchers(sums["spare_pflops_hours"], budget_hours, policy.month_year, policy.voucher_months, hours)
    spare = sums["spare_pflops_hours"]
    with np.errstate(invalid="ignore", divide="ignore"):
        used = np.where(spare > 0, bought / np.where(spare > 0, spare, 1.0), 0.0)
    it_energy_mwh = it_energy_mwh + used * sums["spare_it_mwh"]
    facility_energy_mwh = facility_energy_mwh + used * sums["spare_facility_mwh"]
    return it_energy_mwh, facility_energy_mwh, {"voucher_pflops_hours": bought, "voucher_cny": bought * price[:, None]}
