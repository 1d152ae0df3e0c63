"""When a lever acts: the rule every lever shares (docs/policies.md, "When a lever acts").

A lever with ``from`` and ``until`` reaches a project whose decision is still open at ``from``
(:func:`decision_open`), and it is in force (pays, buys) in the horizon months from ``from`` to
``until`` (:func:`months_in_force`); an annual budget is pro rata of the hours in force
(:func:`year_budget`). A new lever with ``from``/``until`` uses these, not a rule of its own.
"""

from __future__ import annotations

import numpy as np

from ...months import calendar_years, hours_in_months, month_index, month_number
from ...scenario.schema import Scenario


def decision_open(scenario: Scenario, lever, project) -> bool:
    """Whether ``lever`` (with ``from_`` and ``until``) reaches ``project`` (docs/policies.md).

    Its decision is still open at ``from``: the project is not operating, is planned online in or
    after ``from``, and, when ``from`` is after the horizon start, is not under construction (a
    ``construction`` status describes the horizon start, so such a project is being built at any
    later ``from``). Without ``from`` the lever has been in force all along and reaches every
    project not operating. A project planned online after ``until`` is not reached.
    """
    if project.status == "operating":
        return False
    online = month_number(project.online)
    if lever.until is not None and online > month_number(lever.until):
        return False
    if lever.from_ is None:
        return True
    start = month_number(lever.from_)
    return online >= start and (project.status != "construction"
                                or start <= month_number(scenario.horizon.start))


def months_in_force(lever, start: str, n_months: int) -> np.ndarray:
    """(M,) bool: the horizon months from the lever's ``from`` to its ``until`` (all without them)."""
    active = np.zeros(n_months, dtype=bool)
    if lever is not None:
        first = 0 if lever.from_ is None else max(month_index(lever.from_, start), 0)
        last = n_months - 1 if lever.until is None else min(month_index(lever.until, start), n_months - 1)
        if last >= first:
            active[first:last + 1] = True
    return active


def year_budget(annual_cny: float, start: str, n_months: int, active: np.ndarray) -> np.ndarray:
    """Budget of each horizon year: the annual amount x share of the year's hours that are active."""
    years = calendar_years(start, n_months)
    hours = hours_in_months(start, n_months)
    budget = []
    for year in np.unique(years):
        full_year_hours = (366.0 if _leap(int(year)) else 365.0) * 24.0
        budget.append(annual_cny * hours[(years == year) & active].sum() / full_year_hours)
    return np.asarray(budget)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def reporting_factor(scenario: Scenario, precision: str | None) -> float:
    """Reporting-basis PFLOPS per PFLOPS at ``precision`` (None: already on the reporting basis)."""
    return 1.0 if precision is None else float(getattr(scenario.accounting.factors, precision))
