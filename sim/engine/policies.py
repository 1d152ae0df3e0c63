"""Policy levers: what the ``policies`` block does to the plan, the draws and the monthly series.

Five levers, each optional (docs/model.md gives the rules and the reasons):

* ``pue_cap`` changes the scenario before it is compiled: a project whose design annual PUE is
  above the cap is rejected (never built) or upgraded to another cooling (more investment, a later
  planned online month). :func:`apply_pue_cap`.
* ``capex_subsidy`` pays a share of an eligible project's investment as each phase comes online,
  within an optional annual budget (unpaid claims wait, in order, for the next year's budget). Its
  assumed effect on investors raises the go probability and shortens the drawn delay.
* ``fast_track`` scales the drawn delay of registered and planned projects.
* ``compute_vouchers`` buy PFLOPS-hours on the spare part of online intelligent capacity, which
  raises its IT load and so the power and energy metrics.
* ``emissions`` splits facility energy into green and grid energy and counts grid carbon.

The levers act on the draws of :mod:`sim.engine.draws`, never on the random streams themselves: with or
without a policy, a project sees the same uniform for its go decision and the same drawn delay, so
two variants differ only by what the policy does (common random numbers).

:func:`build_policy_plan` compiles the levers into :class:`PolicyPlan` arrays, kept on the
:class:`~sim.engine.plan.Plan`; :func:`adjust_draws` applies them to one replication's draws;
:func:`policy_metrics` turns the per-month sums of :mod:`sim.engine.series` into the policy metrics.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from ..months import (
    calendar_years,
    hours_in_months,
    month_index,
    month_label,
    month_number,
)
from ..scenario.schema import Scenario
from .plan import CLASS_INDEX, Plan, monthly_pue, per_replication

DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
"""Days of each calendar month in a common year: the weights of a design annual PUE."""

PUE_CAP_OUTCOMES = ("none", "rejected", "upgraded")
FAST_TRACK_STATUSES = ("registered", "planned")
POLICY_METRICS = (
    "subsidy_cny",
    "subsidy_cny_cumulative",
    "voucher_pflops_hours",
    "voucher_cny",
    "green_mwh",
    "carbon_t",
)
"""Monthly metrics the levers add (see :data:`sim.engine.series.METRICS`)."""


# --- pue_cap: a change to the scenario ------------------------------------------------------


def design_annual_pue(scenario: Scenario, site: str, cooling: str) -> float:
    """Energy-weighted mean PUE over the site's 12 months (constant IT load: weights = days)."""

    by_month = monthly_pue(scenario.cooling[cooling].pue_curve, scenario.sites[site].monthly_temp_c)
    return float(np.dot(by_month, DAYS_IN_MONTH) / DAYS_IN_MONTH.sum())


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


def _capped(scenario: Scenario, project) -> bool:
    """Whether the PUE cap applies to ``project`` (its decision is open at the cap's ``from``)."""
    return decision_open(scenario, scenario.policies.pue_cap, project)


def apply_pue_cap(scenario: Scenario) -> tuple[Scenario, tuple[str, ...]]:
    """(scenario with upgraded projects changed, outcome per project: none | rejected | upgraded).

    A rejected project stays in the scenario (it has a row in projects.csv); :class:`PolicyPlan`
    marks it so that it never goes ahead. An upgrade whose cooling still misses the cap at the
    project's site is a rejection.
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


# --- the compiled levers --------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyPlan:
    """The levers as arrays: per project (J), per phase (P), per horizon month (M) or year (Y)."""

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


def _year_budget(annual_cny: float, start: str, n_months: int, active: np.ndarray) -> np.ndarray:
    """Budget of each horizon year: the annual amount x share of the year's hours that are active."""
    years = calendar_years(start, n_months)
    hours = hours_in_months(start, n_months)
    budget = []
    for year in np.unique(years):
        full_year_hours = (366.0 if _leap(int(year)) else 365.0) * 24.0
        budget.append(annual_cny * hours[(years == year) & active].sum() / full_year_hours)
    return np.asarray(budget)


def _months_in_force(lever, start: str, n_months: int) -> np.ndarray:
    """(M,) bool: the horizon months from the lever's ``from`` to its ``until`` (all without them)."""
    active = np.zeros(n_months, dtype=bool)
    if lever is not None:
        first = 0 if lever.from_ is None else max(month_index(lever.from_, start), 0)
        last = n_months - 1 if lever.until is None else min(month_index(lever.until, start), n_months - 1)
        if last >= first:
            active[first:last + 1] = True
    return active


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def subsidy_eligible(scenario: Scenario, project, pflops=None):
    """Whether ``project`` qualifies for the capex subsidy (class, size, not operating); with
    ``pflops`` (an array of its PFLOPS at its precision), for each of those values."""
    subsidy = scenario.policies.capex_subsidy
    if subsidy is None or project.status == "operating":
        return False
    if subsidy.classes is not None and project.class_ not in subsidy.classes:
        return False
    size = (project.compute.pflops if pflops is None else pflops) * _factor(scenario, project.compute.precision)
    return size >= subsidy.min_pflops * _factor(scenario, subsidy.precision)


def _factor(scenario: Scenario, precision: str | None) -> float:
    """Reporting-basis PFLOPS per PFLOPS at ``precision`` (None: already on the reporting basis)."""
    return 1.0 if precision is None else float(getattr(scenario.accounting.factors, precision))


def build_policy_plan(scenario: Scenario, plan: Plan, pue_cap: tuple[str, ...]) -> PolicyPlan:
    """Compile the levers of ``scenario`` (already passed through :func:`apply_pue_cap`)."""
    policies = scenario.policies
    start = scenario.horizon.start
    n_projects = len(scenario.projects)
    n_months = plan.n_months
    years = calendar_years(start, n_months)
    month_year = years - years[0]

    eligible = np.array([subsidy_eligible(scenario, p) for p in scenario.projects], dtype=bool).reshape(n_projects)
    go_bonus, reduction, claims = _subsidy_arrays(scenario, plan, eligible)
    subsidy_budget = None
    subsidy_months = _months_in_force(policies.capex_subsidy, start, n_months)
    if policies.capex_subsidy is not None and policies.capex_subsidy.annual_budget_cny is not None:
        subsidy_budget = _year_budget(policies.capex_subsidy.annual_budget_cny, start, n_months, subsidy_months)

    scale = np.ones(n_projects)
    if policies.fast_track is not None:
        track = policies.fast_track
        for j, p in enumerate(scenario.projects):
            if p.status in FAST_TRACK_STATUSES and decision_open(scenario, track, p):
                scale[j] = track.delay_scale

    voucher_budget = None
    voucher_months = np.zeros(n_months, dtype=bool)
    price = math.nan
    spare_pflops = np.zeros(plan.n_phases)
    spare_mw = np.zeros(plan.n_phases)
    if policies.compute_vouchers is not None:
        vouchers = policies.compute_vouchers
        voucher_months = _months_in_force(vouchers, start, n_months)
        voucher_budget = _year_budget(vouchers.annual_budget_cny, start, n_months, voucher_months)
        # a PFLOPS-hour at `precision` is factor PFLOPS-hours on the reporting basis
        price = vouchers.price_cny_per_pflops_hour / _factor(scenario, vouchers.precision)
        spare_pflops, spare_mw = _voucher_arrays(plan)

    green = None
    carbon_factor = math.nan
    if policies.emissions is not None:
        emissions = policies.emissions
        carbon_factor = emissions.grid_t_per_mwh
        if isinstance(emissions.green_share, dict):
            table = sorted(emissions.green_share.items())
            green = np.interp(years.astype(float), [y for y, _ in table], [s for _, s in table])
        else:
            green = np.full(n_months, float(emissions.green_share))

    return PolicyPlan(
        pue_cap=pue_cap,
        rejected=np.array([o == "rejected" for o in pue_cap], dtype=bool).reshape(n_projects),
        subsidy_eligible=eligible,
        go_bonus=go_bonus,
        delay_reduction_months=reduction,
        delay_scale=scale,
        phase_subsidy_cny=claims,
        phase_spare_pflops=spare_pflops,
        phase_spare_mw=spare_mw,
        month_year=month_year,
        subsidy_budget_cny=subsidy_budget,
        subsidy_months=subsidy_months,
        voucher_budget_cny=voucher_budget,
        voucher_months=voucher_months,
        voucher_price_cny_per_pflops_hour=price,
        green_share=green,
        grid_t_per_mwh=carbon_factor,
    )


def _subsidy_arrays(scenario: Scenario, plan: Plan, eligible: np.ndarray):
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


def _voucher_arrays(plan: Plan, ramp: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(PFLOPS, IT MW) per phase that vouchers may buy: the idle part of intelligent capacity once
    ramped up; with ``ramp``, the part more that is idle at the start of a utilisation ramp."""
    intelligent = plan.phase_class == _intelligent()
    it_mw = np.where(plan.phase_it_mw > 0, plan.phase_it_mw, 1.0)  # no 0/0 (and no numpy warning) for a phase of 0 MW
    if ramp:
        idle = np.where(plan.phase_it_mw > 0, plan.phase_ramp_drop_mw / it_mw, 0.0)
    else:
        idle = np.where(plan.phase_it_mw > 0, 1.0 - plan.phase_load_mw / it_mw, 0.0)
        idle = np.clip(idle, 0.0, 1.0)
    return (np.where(intelligent, plan.phase_eflops * 1000.0 * idle, 0.0),
            np.where(intelligent, plan.phase_it_mw * idle, 0.0))


def refresh_policy(policy: PolicyPlan, scenario: Scenario, plan: Plan, changed: dict) -> PolicyPlan:
    """The levers again after the projects in ``changed`` (index -> project) took new values and
    ``plan``'s phase rows were recomputed for them (see :class:`sim.engine.build.PlanPatcher`); the same
    arithmetic as :func:`build_policy_plan`. ``scenario`` has passed through :func:`apply_pue_cap`."""
    eligible = policy.subsidy_eligible.copy()
    for j, project in changed.items():
        eligible[j] = subsidy_eligible(scenario, project)
    go_bonus, reduction, claims = _subsidy_arrays(scenario, plan, eligible)
    update = dict(subsidy_eligible=eligible, go_bonus=go_bonus, delay_reduction_months=reduction,
                  phase_subsidy_cny=claims)
    if scenario.policies.compute_vouchers is not None:
        update["phase_spare_pflops"], update["phase_spare_mw"] = _voucher_arrays(plan)
    return dataclasses.replace(policy, **update)


def refresh_policy_block(policy: PolicyPlan, scenario: Scenario, plan: Plan, rows, eligible: np.ndarray) -> dict:
    """:func:`refresh_policy` for a block of R replications at once: ``rows`` has the plan's phase
    arrays (R, P) (``phase_investment_cny``, and those :func:`_voucher_arrays` reads), ``eligible``
    is (R, J). Returns {PolicyPlan field: (R, ...) array}, the same numbers row by row."""
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
    update = dict(subsidy_eligible=eligible, go_bonus=go_bonus, delay_reduction_months=reduction,
                  phase_subsidy_cny=claims)
    if scenario.policies.compute_vouchers is not None:
        update["phase_spare_pflops"], update["phase_spare_mw"] = _voucher_arrays(rows)
    return update


def _intelligent() -> int:
    return CLASS_INDEX["intelligent"]


# --- one replication's draws ----------------------------------------------------------------


def policy_rows(plans: list[Plan], name: str) -> np.ndarray:
    """(R, ...) a PolicyPlan array of every replication's plan (one array when they share it)."""
    first = getattr(plans[0].policy, name)
    if all(getattr(p.policy, name) is first for p in plans):
        return np.broadcast_to(first, (len(plans),) + np.shape(first))
    return np.stack([getattr(p.policy, name) for p in plans])


def block_policy(plans: list[Plan]):
    """What :func:`adjust_draws` reads, (R, J) for a block of replications."""
    return dataclasses.replace(plans[0].policy, **{name: policy_rows(plans, name) for name in
                                                   ("rejected", "delay_scale", "delay_reduction_months")})


def adjust_draws(policy: PolicyPlan, go: np.ndarray, delay_months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(go, delay) after the levers: rejected projects never go; fast_track scales the drawn delay,
    then the subsidy's delay reduction takes months off it, but not below 0 (a delay already below
    0 is left as it is). The go bonus acts earlier, in :func:`sim.engine.draws.draw_projects_block`."""
    go = go & ~policy.rejected
    scaled = delay_months * policy.delay_scale
    reduced = np.minimum(scaled, np.maximum(scaled - policy.delay_reduction_months, 0.0))
    return go, reduced


# --- monthly metrics ------------------------------------------------------------------------


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
            out["spare_ramp_pflops"], out["spare_ramp_mw"] = _voucher_arrays(rows, ramp=True)
    return out


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


def policy_metrics(plans: list[Plan], sums: dict[str, np.ndarray], it_energy_mwh: np.ndarray,
                   facility_energy_mwh: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(IT energy, facility energy, {policy metric: (R, M)}) for R replications.

    ``sums`` holds the monthly sums over phases from :mod:`sim.engine.series`: ``subsidy_claims_cny``
    (claims of phases that came online in the month), ``spare_pflops_hours``, ``spare_it_mwh`` and
    ``spare_facility_mwh`` (what the spare part of online intelligent capacity could deliver and
    would draw). Voucher energy is added to the energies returned.
    """
    policy = plans[0].policy
    n_reps, n_months = it_energy_mwh.shape
    zeros = np.zeros((n_reps, n_months))
    out: dict[str, np.ndarray] = {}

    if "subsidy_claims_cny" in sums:
        budget = None if policy.subsidy_budget_cny is None else policy_rows(plans, "subsidy_budget_cny")
        claims = sums["subsidy_claims_cny"]
        if not policy.subsidy_months.all():  # only phases coming online while the subsidy is in force
            claims = np.where(policy.subsidy_months, claims, 0.0)
        out["subsidy_cny"] = pay_subsidy(claims, budget, policy.month_year)
    else:
        out["subsidy_cny"] = zeros
    out["subsidy_cny_cumulative"] = np.cumsum(out["subsidy_cny"], axis=1)

    if policy.has_vouchers:
        price = policy_rows(plans, "voucher_price_cny_per_pflops_hour")
        budget_hours = policy_rows(plans, "voucher_budget_cny") / price[:, None]
        hours = plans[0].hours
        bought = buy_vouchers(sums["spare_pflops_hours"], budget_hours, policy.month_year, policy.voucher_months, hours)
        spare = sums["spare_pflops_hours"]
        with np.errstate(invalid="ignore", divide="ignore"):
            used = np.where(spare > 0, bought / np.where(spare > 0, spare, 1.0), 0.0)
        it_energy_mwh = it_energy_mwh + used * sums["spare_it_mwh"]
        facility_energy_mwh = facility_energy_mwh + used * sums["spare_facility_mwh"]
        out["voucher_pflops_hours"] = bought
        out["voucher_cny"] = bought * price[:, None]
    else:
        out["voucher_pflops_hours"] = zeros
        out["voucher_cny"] = zeros

    if policy.green_share is not None:
        share = policy_rows(plans, "green_share")
        factor = policy_rows(plans, "grid_t_per_mwh")
        out["green_mwh"] = facility_energy_mwh * share
        out["carbon_t"] = (facility_energy_mwh - out["green_mwh"]) * factor[:, None]
    else:
        out["green_mwh"] = np.full((n_reps, n_months), np.nan)
        out["carbon_t"] = np.full((n_reps, n_months), np.nan)
    return it_energy_mwh, facility_energy_mwh, out
