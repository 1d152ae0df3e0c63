"""The ``capex_subsidy`` lever: pays a share of an eligible project's investment as each phase
comes online, within an optional annual budget (unpaid claims wait, in order, for the next year's
budget). Its assumed effect on investors raises the go probability and shortens the drawn delay
of the projects whose decision it reaches (docs/model.md, docs/policies.md)."""

from __future__ import annotations

import numpy as np

from ...scenario.schema import Scenario
from ..plan import Plan
from .acts import decision_open, months_in_force, reporting_factor, year_budget
from .rows import policy_rows


def subsidy_eligible(scenario: Scenario, project, pflops=None):
    """Whether ``project`` qualifies for the capex subsidy (class, size, not operating); with
    ``pflops`` (an array of its PFLOPS at its precision), for each of those values."""
    subsidy = scenario.policies.capex_subsidy
    if subsidy is None or project.status == "operating":
        return False
    if subsidy.classes is not None and project.class_ not in subsidy.classes:
        return False
    size = (project.compute.pflops if pflops is None else pflops) * reporting_factor(scenario, project.compute.precision)
    return size >= subsidy.min_pflops * reporting_factor(scenario, subsidy.precision)


def subsidy_budget(scenario: Scenario, n_months: int) -> tuple[np.ndarray | None, np.ndarray]:
    """((Y,) budget per year or None for no limit, (M,) bool months whose claims are paid)."""
    subsidy = scenario.policies.capex_subsidy
    start = scenario.horizon.start
    months = months_in_force(subsidy, start, n_months)
    budget = None
    if subsidy is not None and subsidy.annual_budget_cny is not None:
        budget = year_budget(subsidy.annual_budget_cny, start, n_months, months)
    return budget, months


def subsidy_arrays(scenario: Scenario, plan: Plan, eligible: np.ndarray):
    """(go bonus per project, delay reduction per project, claim per phase) of the capex subsidy."""
    n_projects = len(eligible)
    go_bonus = np.zeros(n_projects)
    reduction = np.zeros(n_projects)
    claims = np.zeros(plan.n_phases)
    subsidy = scenario.policies.capex_subsidy
    if subsidy is not None:
        if subsidy.rate > 0:  # the investors' response is to money actually offered, to open decisions
            responds = eligible & np.array([decision_open(scenario, subsidy, p) for p in scenario.projects],
                                           dtype=bool).reshape(n_projects)
            go_bonus[responds] = subsidy.go_probability_bonus
            reduction[responds] = subsidy.delay_reduction_months
        claims = np.where(eligible[plan.phase_project], subsidy.rate * plan.phase_investment_cny, 0.0)
    return go_bonus, reduction, claims


def subsidy_block_arrays(scenario: Scenario, plan: Plan, rows, eligible: np.ndarray):
    """:func:`subsidy_arrays` for R replications: ``eligible`` (R, J), ``rows.phase_investment_cny``
    (R, P); the same numbers row by row."""
    subsidy = scenario.policies.capex_subsidy
    shape = eligible.shape
    go_bonus, reduction, claims = np.zeros(shape), np.zeros(shape), np.zeros(shape[:1] + (plan.n_phases,))
    if subsidy is not None:
        if subsidy.rate > 0:
            opened = np.array([decision_open(scenario, subsidy, p) for p in scenario.projects], dtype=bool)
            responds = eligible & opened.reshape(shape[1])
            go_bonus[responds] = subsidy.go_probability_bonus
            reduction[responds] = subsidy.delay_reduction_months
        claims = np.where(eligible[:, plan.phase_project], subsidy.rate * rows.phase_investment_cny, 0.0)
    return go_bonus, reduction, claims


def pay_subsidy(claims_cny: np.ndarray, budget_cny: np.ndarray | None, month_year: np.ndarray) -> np.ndarray:
    """(R, M) subsidy paid each month. Claims are paid first come, first served from each calendar
    year's budget (a claim may be paid in parts); what the budget cannot pay waits for the next
    year; unused budget lapses at the year end. ``budget_cny`` is (R, Y) or None (no limit)."""
    if budget_cny is None:
        return claims_cny.copy()
    n_reps, n_months = claims_cny.shape
    paid = np.zeros_like(claims_cny)
    backlog = np.zeros(n_reps)
    remaining = np.zeros(n_reps)
    for m in range(n_months):
        if m == 0 or month_year[m] != month_year[m - 1]:
            remaining = budget_cny[:, month_year[m]].astype(float).copy()
        available = backlog + claims_cny[:, m]
        pay = np.minimum(available, remaining)
        paid[:, m] = pay
        remaining = remaining - pay
        backlog = available - pay
    return paid


def subsidy_metrics(plans: list[Plan], sums: dict[str, np.ndarray], zeros: np.ndarray) -> dict[str, np.ndarray]:
    """{subsidy_cny, subsidy_cny_cumulative}: (R, M) paid from the monthly claims in ``sums``."""
    policy = plans[0].policy
    out = {}
    if "subsidy_claims_cny" in sums:
        budget = None if policy.subsidy_budget_cny is None else policy_rows(plans, "subsidy_budget_cny")
        claims = sums["subsidy_claims_cny"]
        if not policy.subsidy_months.all():  # only phases coming online while the subsidy is in force
            claims = np.where(policy.subsidy_months, claims, 0.0)
        out["subsidy_cny"] = pay_subsidy(claims, budget, policy.month_year)
    else:
        out["subsidy_cny"] = zeros
    out["subsidy_cny_cumulative"] = np.cumsum(out["subsidy_cny"], axis=1)
    return out
