"""The ``pue_cap`` lever: a change to the scenario before it is compiled.

A project whose design annual PUE is above the cap (and whose decision is open at the cap's
``from``) is rejected (never built) or upgraded to another cooling (more investment, a later
planned online month). :func:`apply_pue_cap`; the plan marks rejected projects
(:func:`rejected`), which never go ahead.
"""

from __future__ import annotations

import numpy as np

from ...months import month_label
from ...scenario.schema import Scenario
from ..plan import monthly_pue
from .acts import decision_open

DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
"""Days of each calendar month in a common year: the weights of a design annual PUE."""

PUE_CAP_OUTCOMES = ("none", "rejected", "upgraded")


def design_annual_pue(scenario: Scenario, site: str, cooling: str) -> float:
    """Energy-weighted mean PUE over the site's 12 months (constant IT load: weights = days)."""

    by_month = monthly_pue(scenario.cooling[cooling].pue_curve, scenario.sites[site].monthly_temp_c)
    return float(np.dot(by_month, DAYS_IN_MONTH) / DAYS_IN_MONTH.sum())


def _capped(scenario: Scenario, project) -> bool:
    """Whether the PUE cap applies to ``project`` (its decision is open at the cap's ``from``)."""
    return decision_open(scenario, scenario.policies.pue_cap, project)


def apply_pue_cap(scenario: Scenario) -> tuple[Scenario, tuple[str, ...]]:
    """(scenario with upgraded projects changed, outcome per project: none | rejected | upgraded).

    A rejected project stays in the scenario (it has a row in projects.csv);
    :class:`~sim.engine.plan.PolicyPlan` marks it so that it never goes ahead. An upgrade whose
    cooling still misses the cap at the project's site is a rejection.
    """
    cap = scenario.policies.pue_cap
    if cap is None:
        return scenario, ("none",) * len(scenario.projects)
    outcomes: list[str] = []
    projects = []
    pue: dict[tuple[str, str], float] = {}

    def above_cap(site: str, cooling: str) -> bool:
        if (site, cooling) not in pue:
            pue[site, cooling] = design_annual_pue(scenario, site, cooling)
        return pue[site, cooling] > cap.max_annual_pue

    for project in scenario.projects:
        outcome = "none"
        if _capped(scenario, project) and above_cap(project.site, project.cooling):
            outcome = "rejected"
            if cap.action == "upgrade" and not above_cap(project.site, cap.cooling):
                outcome = "upgraded"
                investment = project.investment_cny
                project = project.model_copy(update={
                    "cooling": cap.cooling,
                    "investment_cny": None if investment is None else investment * (1.0 + cap.extra_capex_share),
                    "online": month_label(project.online, cap.delay_months),
                })
        outcomes.append(outcome)
        projects.append(project)
    if "upgraded" in outcomes:
        scenario = scenario.model_copy(update={"projects": tuple(projects)})
    return scenario, tuple(outcomes)


def rejected(pue_cap: tuple[str, ...]) -> np.ndarray:
    """(J,) bool: the projects the cap rejected (they never go ahead)."""
    return np.array([o == "rejected" for o in pue_cap], dtype=bool).reshape(len(pue_cap))
