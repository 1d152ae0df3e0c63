"""The levers compiled into :class:`~sim.engine.plan.PolicyPlan` arrays, each lever's part from its
own module; and compiled again for projects whose drawn values changed (:func:`refresh_policy`,
:func:`refresh_policy_block`)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ...months import calendar_years
from ...scenario.schema import Scenario
from ..plan import Plan, PolicyPlan
from .emissions import emission_terms
from .fast_track import delay_scale
from .pue_cap import rejected
from .subsidy import subsidy_arrays, subsidy_block_arrays, subsidy_budget, subsidy_eligible
from .vouchers import voucher_arrays, voucher_terms


def build_policy_plan(scenario: Scenario, plan: Plan, pue_cap: tuple[str, ...]) -> PolicyPlan:
    """Compile the levers of ``scenario`` (already passed through
    :func:`~sim.engine.policies.apply_pue_cap`)."""
    n_projects = len(scenario.projects)
    years = calendar_years(scenario.horizon.start, plan.n_months)
    eligible = np.array([subsidy_eligible(scenario, p) for p in scenario.projects], dtype=bool).reshape(n_projects)
    go_bonus, reduction, claims = subsidy_arrays(scenario, plan, eligible)
    subsidy_budget_cny, subsidy_months = subsidy_budget(scenario, plan.n_months)
    voucher_budget, voucher_months, price, spare_pflops, spare_mw = voucher_terms(scenario, plan)
    green, carbon_factor = emission_terms(scenario, years, plan.n_months)
    return PolicyPlan(
        pue_cap=pue_cap,
        rejected=rejected(pue_cap),
        subsidy_eligible=eligible,
        go_bonus=go_bonus,
        delay_reduction_months=reduction,
        delay_scale=delay_scale(scenario),
        phase_subsidy_cny=claims,
        phase_spare_pflops=spare_pflops,
        phase_spare_mw=spare_mw,
        month_year=years - years[0],
        subsidy_budget_cny=subsidy_budget_cny,
        subsidy_months=subsidy_months,
        voucher_budget_cny=voucher_budget,
        voucher_months=voucher_months,
        voucher_price_cny_per_pflops_hour=price,
        green_share=green,
        grid_t_per_mwh=carbon_factor,
    )


def refresh_policy(policy: PolicyPlan, scenario: Scenario, plan: Plan, changed: dict) -> PolicyPlan:
    """The levers again after the projects in ``changed`` (index -> project) took new values and
    ``plan``'s phase rows were recomputed for them (see :class:`sim.engine.build.PlanPatcher`); the
    same arithmetic as :func:`build_policy_plan`. ``scenario`` has passed through
    :func:`~sim.engine.policies.apply_pue_cap`."""
    eligible = policy.subsidy_eligible.copy()
    for j, project in changed.items():
        eligible[j] = subsidy_eligible(scenario, project)
    go_bonus, reduction, claims = subsidy_arrays(scenario, plan, eligible)
    update = dict(subsidy_eligible=eligible, go_bonus=go_bonus, delay_reduction_months=reduction,
                  phase_subsidy_cny=claims)
    if scenario.policies.compute_vouchers is not None:
        update["phase_spare_pflops"], update["phase_spare_mw"] = voucher_arrays(plan)
    return dataclasses.replace(policy, **update)


def refresh_policy_block(policy: PolicyPlan, scenario: Scenario, plan: Plan, rows, eligible: np.ndarray) -> dict:
    """:func:`refresh_policy` for a block of R replications at once: ``rows`` has the plan's phase
    arrays (R, P) (``phase_investment_cny``, and those :func:`voucher_arrays` reads), ``eligible``
    is (R, J). Returns {PolicyPlan field: (R, ...) array}, the same numbers row by row."""
    go_bonus, reduction, claims = subsidy_block_arrays(scenario, plan, rows, eligible)
    update = dict(subsidy_eligible=eligible, go_bonus=go_bonus, delay_reduction_months=reduction,
                  phase_subsidy_cny=claims)
    if scenario.policies.compute_vouchers is not None:
        update["phase_spare_pflops"], update["phase_spare_mw"] = voucher_arrays(rows)
    return update
