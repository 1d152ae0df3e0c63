"""Build stage: a validated :class:`~sim.scenario.schema.Scenario` -> the :class:`~sim.engine.plan.Plan`.

One row per *phase* of every project (a project with ``phases: [0.5, 0.5]`` has two rows), with
everything the model and the post-processing need already multiplied out: PFLOPS on the reporting
basis, IT design MW, mean IT load MW, peak facility MW (for the grid), investment. PUE is tabulated
per (site, cooling) group for each month of the horizon.
"""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np

from ..months import calendar_months, horizon_months, hours_in_months, month_index
from ..scenario.paths import resolve_path, with_values
from ..scenario.schema import Scenario
from .plan import CLASS_INDEX, Plan, monthly_pue
from .supply import make_schedule
from .policies import (apply_pue_cap, build_policy_plan, design_annual_pue, refresh_policy, refresh_policy_block,
                       subsidy_eligible)

PHASE_ROWS = {
    "project": "phase_project", "offset": "phase_offset_months", "cls": "phase_class",
    "declared": "phase_pflops_declared", "eflops": "phase_eflops", "it": "phase_it_mw",
    "load": "phase_load_mw", "peak": "phase_peak_facility_mw", "invest": "phase_investment_cny",
    "group": "phase_group", "ramp": "phase_ramp_months", "ramp_drop": "phase_ramp_drop_mw",
}
"""Row name in :func:`_phase_rows` -> :class:`Plan` field."""


def _phase_rows(p, j: int, group: int, peak_pue: float, factor: float) -> dict[str, list]:
    """The phase rows of project ``p`` (index ``j``), one value per phase for each of :data:`PHASE_ROWS`."""
    rows: dict[str, list] = {k: [] for k in PHASE_ROWS}
    for k, fraction in enumerate(p.phases):
        rows["project"].append(j)
        rows["offset"].append(k * p.phase_gap_months)
        rows["cls"].append(CLASS_INDEX[p.class_])
        rows["declared"].append(p.compute.pflops * fraction)
        rows["eflops"].append(p.compute.pflops * fraction * factor / 1000.0)
        rows["it"].append(p.it_mw * fraction)
        rows["load"].append(p.it_mw * fraction * p.utilization)
        rows["peak"].append(p.it_mw * fraction * peak_pue)
        rows["invest"].append((p.investment_cny or 0.0) * fraction)
        rows["group"].append(group)
        ramp = p.ramp
        rows["ramp"].append(0.0 if ramp is None else ramp.months)
        rows["ramp_drop"].append(0.0 if ramp is None else p.it_mw * fraction * (p.utilization - ramp.start))
    return rows


def region_supply(supply) -> float | dict[str, float] | None:
    """The region's accelerator deliveries, PFLOPS per month (one rate or ``{YYYY-MM: rate}``):
    ``ai_pflops_per_month``, or ``national_pflops_per_month`` x ``share`` (each step of a national
    schedule times the share); None without a supply block."""
    if supply is None:
        return None
    if supply.ai_pflops_per_month is not None:
        return supply.ai_pflops_per_month
    national = supply.national_pflops_per_month
    if isinstance(national, dict):
        return {month: rate * supply.share for month, rate in national.items()}
    return national * supply.share


def build_plan(scenario: Scenario) -> Plan:
    """Compile ``scenario`` into a :class:`Plan`, its policy levers included.

    A ``pue_cap`` is applied first: upgraded projects are compiled with their new cooling,
    investment and online month.
    """
    scenario, pue_cap = apply_pue_cap(scenario)
    start = scenario.horizon.start
    n_months = horizon_months(start, scenario.horizon.end)
    cal = calendar_months(start, n_months)
    factors = scenario.accounting.factors
    site_ids = tuple(scenario.sites)

    groups: dict[tuple[str, str], int] = {}
    group_rows: list[np.ndarray] = []
    group_peak: list[float] = []
    group_design: list[float] = []

    def group_of(site: str, cooling: str) -> int:
        key = (site, cooling)
        if key not in groups:
            by_month = monthly_pue(scenario.cooling[cooling].pue_curve, scenario.sites[site].monthly_temp_c)
            groups[key] = len(group_rows)
            group_rows.append(by_month[cal])
            group_peak.append(float(by_month.max()))
            group_design.append(design_annual_pue(scenario, site, cooling))
        return groups[key]

    ids, statuses, classes, online_idx, retire_t, design_pue = [], [], [], [], [], []
    rows: dict[str, list] = {k: [] for k in PHASE_ROWS}
    for j, p in enumerate(scenario.projects):
        ids.append(p.id)
        statuses.append(p.status)
        classes.append(CLASS_INDEX[p.class_])
        online_idx.append(0 if p.online is None else month_index(p.online, start))
        retire_t.append(math.inf if p.retire is None else float(month_index(p.retire, start)))
        g = group_of(p.site, p.cooling)
        design_pue.append(group_design[g])
        for key, values in _phase_rows(p, j, g, group_peak[g], getattr(factors, p.compute.precision)).items():
            rows[key].extend(values)

    grid = scenario.grid
    supply = region_supply(scenario.supply)
    additions: list[tuple[float, float]] = []
    if grid is not None:
        for add in grid.additions:
            t = float(max(month_index(add.month, start), 0))
            if t < n_months:
                additions.append((t, add.mw))
        additions.sort(key=lambda a: a[0])

    def arr(key: str, dtype=float) -> np.ndarray:
        return np.asarray(rows[key], dtype=dtype)

    plan = Plan(
        n_months=n_months,
        hours=hours_in_months(start, n_months),
        project_ids=tuple(ids),
        project_status=tuple(statuses),
        project_class=np.asarray(classes, dtype=np.int64),
        project_online_index=np.asarray(online_idx, dtype=float),
        project_retire_t=np.asarray(retire_t, dtype=float),
        project_design_pue=np.asarray(design_pue, dtype=float),
        project_site=np.asarray([site_ids.index(p.site) for p in scenario.projects], dtype=np.int64),
        site_ids=site_ids,
        phase_project=arr("project", np.int64),
        phase_offset_months=arr("offset"),
        phase_class=arr("cls", np.int64),
        phase_pflops_declared=arr("declared"),
        phase_eflops=arr("eflops"),
        phase_it_mw=arr("it"),
        phase_load_mw=arr("load"),
        phase_ramp_months=arr("ramp"),
        phase_ramp_drop_mw=arr("ramp_drop"),
        phase_peak_facility_mw=arr("peak"),
        phase_investment_cny=arr("invest"),
        phase_group=arr("group", np.int64),
        group_pue=np.asarray(group_rows, dtype=float).reshape(len(group_rows), n_months),
        group_pue_peak=np.asarray(group_peak, dtype=float),
        grid_headroom_mw=None if grid is None else grid.headroom_mw,
        grid_additions=tuple(additions),
        supply_pflops_per_month=None if isinstance(supply, dict) else supply,
        rack_kw=scenario.accounting.rack_kw,
        supply_schedule=None if not isinstance(supply, dict)
        else make_schedule([(month_index(m, scenario.horizon.start), r) for m, r in supply.items()]),
    )
    return dataclasses.replace(plan, policy=build_policy_plan(scenario, plan, pue_cap))


PLAN_SCALARS = {"supply.ai_pflops_per_month": "supply_pflops_per_month", "grid.headroom_mw": "grid_headroom_mw",
                "accounting.rack_kw": "rack_kw"}
PROJECT_FIELDS = ("it_mw", "utilization", "investment_cny", "compute.pflops")
"""Project values whose change alters only that project's phase rows (not their number)."""


class PlanPatcher:
    """Plans of a scenario with some values replaced, made by patching its plan where possible.

    Drawn parameters usually name a shared limit (``supply.ai_pflops_per_month``) or a number of
    one project (``projects.north-ai-1.utilization``); for those the plan of the scenario is
    copied and the affected values recomputed with the same code as :func:`build_plan`, so the
    result is identical to building the plan of the changed scenario, only faster. Any other path
    falls back to :func:`build_plan`.
    """

    def __init__(self, scenario: Scenario, plan: Plan, paths):

        self.scenario = scenario
        self.plan = plan
        self.projects: dict[str, int] = {}  # path -> project index, for project paths
        self.general = False
        for path in paths:
            if path in PLAN_SCALARS:
                continue
            head, _, field = path.partition(".")
            segment, _, field = field.partition(".")
            if head == "projects" and field in PROJECT_FIELDS:
                project = resolve_path(scenario, f"projects.{segment}", numeric=False)
                self.projects[path] = next(j for j, p in enumerate(scenario.projects) if p is project)
            else:
                self.general = True
        # projects are patched as the PUE cap left them; an upgraded project's drawn value would
        # need the cap applied again (its investment grows with the upgrade): rebuild for those
        self.capped, outcomes = apply_pue_cap(scenario)
        if any(outcomes[j] != "none" for j in self.projects.values()):
            self.general = True
        self._phases = {j: np.nonzero(plan.phase_project == j)[0] for j in set(self.projects.values())}

    def apply(self, values: dict[str, float]) -> tuple[Scenario, Plan]:
        """(scenario, plan) with ``values`` ({path: value}) put in.

        The scenario returned is for the draws of go decisions and delays: it is the scenario
        itself unless a value outside :data:`PLAN_SCALARS` and project numbers was drawn.
        """

        if not values:
            return self.scenario, self.plan
        if self.general:
            changed = with_values(self.scenario, values)
            return changed, build_plan(changed)
        update = {PLAN_SCALARS[path]: value for path, value in values.items() if path in PLAN_SCALARS}
        changed: dict[int, object] = {}  # project index -> project with its drawn values
        for path, value in values.items():
            if path in self.projects:
                j = self.projects[path]
                field = path.split(".", 2)[2]
                changed[j] = with_values(changed.get(j, self.capped.projects[j]), {field: value})
        if changed:
            arrays = {field: getattr(self.plan, field).copy() for field in PHASE_ROWS.values()}
            factors = self.scenario.accounting.factors
            for j, p in changed.items():
                phases = self._phases[j]
                group = int(self.plan.phase_group[phases[0]])
                peak = float(self.plan.group_pue_peak[group])
                rows = _phase_rows(p, j, group, peak, getattr(factors, p.compute.precision))
                for key, field in PHASE_ROWS.items():
                    arrays[field][phases] = rows[key]
            update.update(arrays)
        plan = dataclasses.replace(self.plan, **update)
        if changed:  # subsidy claims and voucher capacity follow the projects' values
            plan = dataclasses.replace(plan, policy=refresh_policy(plan.policy, self.capped, plan, changed))
        return self.scenario, plan

    def apply_block(self, drawn: list[dict[str, float]]) -> list[tuple[Scenario, Plan]]:
        """:meth:`apply` for a block of replications' drawn values (one dict each, the same paths).

        Shared limits and project numbers are written straight into (R, P) arrays with the
        arithmetic of :func:`_phase_rows` (each phase value is the drawn value times constants, in
        the same order, so every float is the same); each replication's plan shares the base plan's
        arrays except the rows that its draws change. General paths and PUE-cap upgrades go through
        :meth:`apply` one replication at a time.
        """
        paths = list(drawn[0]) if drawn else []
        known = set(paths) == set(self.projects) | (set(paths) & set(PLAN_SCALARS))
        if self.general or not paths or not known or any(list(values) != paths for values in drawn):
            return [self.apply(values) for values in drawn]
        n_reps = len(drawn)
        column = {path: np.array([values[path] for values in drawn], dtype=float) for path in paths}
        rows: dict[str, np.ndarray] = {}  # plan field -> (R, P), the fields the draws change
        eligible = None
        for j, phases in self._phases.items():
            p = self.capped.projects[j]
            got = {path.split(".", 2)[2]: column[path] for path, k in self.projects.items() if k == j}
            it_mw = got.get("it_mw", p.it_mw)
            utilization = got.get("utilization", p.utilization)
            factor = getattr(self.scenario.accounting.factors, p.compute.precision)
            peak = float(self.plan.group_pue_peak[self.plan.phase_group[phases[0]]])
            for k, fraction in enumerate(p.phases):
                put = {}
                if "compute.pflops" in got:
                    put["phase_pflops_declared"] = got["compute.pflops"] * fraction
                    put["phase_eflops"] = got["compute.pflops"] * fraction * factor / 1000.0
                if "it_mw" in got:
                    put["phase_it_mw"] = it_mw * fraction
                    put["phase_peak_facility_mw"] = it_mw * fraction * peak
                if "it_mw" in got or "utilization" in got:
                    put["phase_load_mw"] = it_mw * fraction * utilization
                    if p.ramp is not None:
                        put["phase_ramp_drop_mw"] = it_mw * fraction * (utilization - p.ramp.start)
                if "investment_cny" in got:
                    put["phase_investment_cny"] = got["investment_cny"] * fraction
                for field, values in put.items():
                    if field not in rows:
                        rows[field] = np.repeat(getattr(self.plan, field)[None, :], n_reps, axis=0)
                    rows[field][:, phases[k]] = values
            if "compute.pflops" in got:
                if eligible is None:
                    eligible = np.repeat(self.plan.policy.subsidy_eligible[None, :], n_reps, axis=0)
                eligible[:, j] = subsidy_eligible(self.capped, p, got["compute.pflops"])
        plan_values = {PLAN_SCALARS[path]: [values[path] for values in drawn] for path in paths if path in PLAN_SCALARS}
        policy_rows = {}
        if self._phases:  # subsidy claims and voucher capacity follow the projects' values
            if eligible is None:
                eligible = np.repeat(self.plan.policy.subsidy_eligible[None, :], n_reps, axis=0)
            view = SimpleNamespace(**{f: rows.get(f, getattr(self.plan, f)) for f in PHASE_ROWS.values()})
            policy_rows = {field: np.broadcast_to(values, (n_reps,) + np.shape(values)[-1:])
                           for field, values in refresh_policy_block(self.plan.policy, self.capped, self.plan,
                                                                     view, eligible).items()}
        out = []
        for r in range(n_reps):
            plan = _copy(self.plan, {field: values[r] for field, values in rows.items()})
            for field, values in plan_values.items():
                object.__setattr__(plan, field, values[r])
            if policy_rows:
                object.__setattr__(plan, "policy", _copy(self.plan.policy, {f: v[r] for f, v in policy_rows.items()}))
            out.append((self.scenario, plan))
        return out


def _copy(frozen, fields: dict):
    """A shallow copy of a frozen dataclass with ``fields`` replaced (no __init__, no checks)."""
    new = object.__new__(type(frozen))
    new.__dict__.update(frozen.__dict__)
    new.__dict__.update(fields)
    return new
