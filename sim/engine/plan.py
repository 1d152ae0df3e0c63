"""The plan: flat numpy arrays the model runs on (built by :mod:`sim.engine.build`).

One row per *phase* of every project (a project with ``phases: [0.5, 0.5]`` has two rows), with
everything the model and the post-processing need already multiplied out: PFLOPS on the reporting
basis, IT design MW, mean IT load MW, peak facility MW (for the grid), investment. PUE is tabulated
per (site, cooling) group for each month of the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.schema import CLASSES

CLASS_INDEX = {name: i for i, name in enumerate(CLASSES)}


def monthly_pue(curve, monthly_temp_c) -> np.ndarray:
    """PUE for each calendar month (12 values) of a site with the given cooling curve."""
    temps = np.array([point[0] for point in curve], dtype=float)
    pues = np.array([point[1] for point in curve], dtype=float)
    return np.interp(np.asarray(monthly_temp_c, dtype=float), temps, pues)


@dataclass(frozen=True)
class PolicyPlan:
    """The policy levers as arrays: per project (J), per phase (P), per horizon month (M) or year
    (Y). Compiled by :func:`sim.engine.policies.build_policy_plan` (each lever's part by its own
    module of :mod:`sim.engine.policies`) and kept on the :class:`Plan`."""

    pue_cap: tuple[str, ...]  # (J,) none | rejected | upgraded
    rejected: np.ndarray  # (J,) bool: never goes ahead
    subsidy_eligible: np.ndarray  # (J,) bool
    go_bonus: np.ndarray  # (J,) added to the go probability (capped at 1)
    delay_reduction_months: np.ndarray  # (J,) taken off the drawn delay, not below 0
    delay_scale: np.ndarray  # (J,) multiplies the drawn delay (fast_track)
    phase_subsidy_cny: np.ndarray  # (P,) claim when the phase comes online
    phase_spare_pflops: np.ndarray  # (P,) PFLOPS (reporting basis) vouchers may buy: intelligent x (1 - utilization)
    phase_spare_mw: np.ndarray  # (P,) IT MW that goes with it: it_mw x (1 - utilization)
    month_year: np.ndarray  # (M,) index of each month's calendar year (0 = first horizon year)
    subsidy_budget_cny: np.ndarray | None  # (Y,) budget per year (pro rata in part years); None = unlimited
    subsidy_months: np.ndarray  # (M,) bool: claims of phases coming online in this month are paid
    voucher_budget_cny: np.ndarray | None  # (Y,) budget per year for the months vouchers run; None = no vouchers
    voucher_months: np.ndarray  # (M,) bool: vouchers are spent in this month
    voucher_price_cny_per_pflops_hour: float
    green_share: np.ndarray | None  # (M,) share of facility energy that is green; None = no emissions block
    grid_t_per_mwh: float

    @property
    def has_subsidy(self) -> bool:
        return bool(self.phase_subsidy_cny.any())

    @property
    def has_vouchers(self) -> bool:
        return self.voucher_budget_cny is not None


@dataclass(frozen=True)
class Plan:
    """Arrays the model runs on. Times are in months from the horizon start (t = 0)."""

    n_months: int
    hours: np.ndarray  # (M,) hours in each horizon month
    # projects (J)
    project_ids: tuple[str, ...]
    project_status: tuple[str, ...]
    project_class: np.ndarray  # (J,) index into CLASSES
    project_online_index: np.ndarray  # (J,) planned online month index (0 for operating)
    project_retire_t: np.ndarray  # (J,) retirement time, inf if never
    project_design_pue: np.ndarray  # (J,) design annual PUE at its site with its cooling (after a PUE-cap upgrade)
    project_site: np.ndarray  # (J,) index into site_ids
    site_ids: tuple[str, ...]  # every site of the scenario, in the file's order
    # phases (P)
    phase_project: np.ndarray  # (P,) project index
    phase_offset_months: np.ndarray  # (P,) k x phase_gap_months
    phase_class: np.ndarray  # (P,)
    phase_pflops_declared: np.ndarray  # (P,) PFLOPS at the declared precision (taken from supply)
    phase_eflops: np.ndarray  # (P,) EFLOPS on the reporting basis
    phase_it_mw: np.ndarray  # (P,) IT design MW
    phase_load_mw: np.ndarray  # (P,) mean IT load MW (once ramped up)
    phase_ramp_months: np.ndarray  # (P,) months of the utilisation ramp after coming online; 0 = none
    phase_ramp_drop_mw: np.ndarray  # (P,) IT load MW below phase_load_mw at the start of the ramp
    phase_peak_facility_mw: np.ndarray  # (P,) IT design MW x highest monthly PUE at its site
    phase_investment_cny: np.ndarray  # (P,)
    phase_group: np.ndarray  # (P,) index of its (site, cooling) PUE group
    group_pue: np.ndarray  # (G, M) PUE of each group in each horizon month
    group_pue_peak: np.ndarray  # (G,) highest monthly PUE of each group (sizes grid requests)
    # shared limits
    grid_headroom_mw: float | None
    grid_additions: tuple[tuple[float, float], ...]  # (t, MW), sorted, inside the horizon
    supply_pflops_per_month: float | None
    rack_kw: float  # IT kW of a standard rack
    # policy levers (see sim.engine.policies); None only while the plan is being built
    policy: PolicyPlan | None = None
    supply_schedule: tuple[tuple[int, float], ...] | None = None  # sim.engine.supply.Schedule, else one rate

    @property
    def n_phases(self) -> int:
        return len(self.phase_project)

    @property
    def n_projects(self) -> int:
        return len(self.project_ids)


def per_replication(plans: list[Plan], get) -> np.ndarray:
    """(R, ...) of a per-plan array, one row per replication's plan: a broadcast view when every
    replication has the same plan, or the very same array (no copy)."""
    value = get(plans[0])
    if all(p is plans[0] for p in plans) or all(get(p) is value for p in plans):
        return np.broadcast_to(value, (len(plans),) + np.shape(value))
    return np.stack([get(p) for p in plans])
