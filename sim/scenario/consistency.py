"""Cross-field checks on a scenario that passed the schema.

Each check is a small named function that yields ``(location, message)`` pairs, where the location
is a tuple of keys and list indices into the scenario data (``("projects", 2, "site")``).
:func:`check` runs them all, so a user sees every problem at once.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator

from ..months import horizon_months, month_index, month_number
from .criteria import NEEDS_EMISSIONS
from .paths import PathError, resolve_path
from .schema import Lognormal, Normal, Scenario, Triangular, Uniform

MAX_HORIZON_MONTHS = 100 * 12
PHASE_SUM_TOLERANCE = 1e-9

Finding = tuple[tuple, str]


def nearest(word: str, choices) -> str:
    """' (did you mean 'x'?)' for the closest choice, or ''."""
    choices = [str(c) for c in choices]
    match = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if not match:
        match = [c for c in choices if word and (c.startswith(str(word)) or str(word).startswith(c))][:1]
    return f"; did you mean {match[0]!r}?" if match else ""


def check_horizon(s: Scenario) -> Iterator[Finding]:
    if month_number(s.horizon.end) < month_number(s.horizon.start):
        yield ("horizon", "end"), f"must not be before start {s.horizon.start} (got {s.horizon.end})"
    elif horizon_months(s.horizon.start, s.horizon.end) > MAX_HORIZON_MONTHS:
        yield ("horizon", "end"), f"horizon is longer than 100 years ({s.horizon.start} to {s.horizon.end})"


def check_has_projects(s: Scenario) -> Iterator[Finding]:
    if not s.projects:
        yield ("projects",), "must list at least one project (a scenario without projects has nothing to simulate)"


def check_unique_ids(s: Scenario) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for i, project in enumerate(s.projects):
        if project.id in seen:
            yield ("projects", i, "id"), f"duplicate project id {project.id!r} (first used by item {seen[project.id] + 1})"
        else:
            seen[project.id] = i


def check_references(s: Scenario) -> Iterator[Finding]:
    for i, project in enumerate(s.projects):
        if project.site not in s.sites:
            yield ("projects", i, "site"), f"unknown site {project.site!r}{nearest(project.site, s.sites)}"
        if project.cooling not in s.cooling:
            yield ("projects", i, "cooling"), f"unknown cooling {project.cooling!r}{nearest(project.cooling, s.cooling)}"


def check_online_dates(s: Scenario) -> Iterator[Finding]:
    for i, project in enumerate(s.projects):
        if project.status != "operating" and project.online is None:
            yield ("projects", i), f"online is required for a project that is {project.status}"
        if project.retire is not None and project.online is not None:
            if month_number(project.retire) <= month_number(project.online):
                yield ("projects", i, "retire"), f"must be after online {project.online} (got {project.retire})"


def check_phases(s: Scenario) -> Iterator[Finding]:
    for i, project in enumerate(s.projects):
        if not project.phases:
            yield ("projects", i, "phases"), "must list at least one phase"
            continue
        for k, fraction in enumerate(project.phases):
            if not fraction > 0:
                yield ("projects", i, "phases", k), f"must be greater than 0 (got {fraction:g})"
        total = math.fsum(project.phases)
        if abs(total - 1.0) > PHASE_SUM_TOLERANCE:
            yield ("projects", i, "phases"), f"must sum to 1 (got {total:g})"


def check_sites(s: Scenario) -> Iterator[Finding]:
    for key, site in s.sites.items():
        n = len(site.monthly_temp_c)
        if n != 12:
            yield ("sites", key, "monthly_temp_c"), f"must have 12 values, January to December (got {n})"


def check_pue_curves(s: Scenario) -> Iterator[Finding]:
    for key, cooling in s.cooling.items():
        curve = cooling.pue_curve
        if not curve:
            yield ("cooling", key, "pue_curve"), "must have at least one (temperature, PUE) point"
        for k, (_, pue) in enumerate(curve):
            if pue < 1:
                yield ("cooling", key, "pue_curve", k, 1), f"PUE must be at least 1 (got {pue:g})"
        for k in range(1, len(curve)):
            if not curve[k][0] > curve[k - 1][0]:
                yield ("cooling", key, "pue_curve", k, 0), (
                    f"temperatures must increase (got {curve[k][0]:g} after {curve[k - 1][0]:g})"
                )


def _check_distribution(dist, loc: tuple) -> Iterator[Finding]:
    if isinstance(dist, Uniform) and dist.low > dist.high:
        yield loc + ("low",), f"low must not exceed high (got low {dist.low:g}, high {dist.high:g})"
    if isinstance(dist, Triangular) and not dist.low <= dist.mode <= dist.high:
        yield loc + ("mode",), f"must satisfy low <= mode <= high (got {dist.low:g}, {dist.mode:g}, {dist.high:g})"
    if isinstance(dist, (Normal, Lognormal)) and dist.low is not None and dist.high is not None:
        if not dist.low < dist.high:
            yield loc + ("low",), f"low must be below high (got low {dist.low:g}, high {dist.high:g})"


def check_uncertainty(s: Scenario) -> Iterator[Finding]:
    if s.uncertainty is None:
        return
    for status in ("construction", "registered", "planned"):
        dist = getattr(s.uncertainty.delay_months, status)
        if dist is not None:
            yield from _check_distribution(dist, ("uncertainty", "delay_months", status))
    for path, dist in s.uncertainty.parameters.items():
        loc = ("uncertainty", "parameters", path)
        yield from _check_distribution(dist, loc)
        try:
            resolve_path(s, path)
        except PathError as exc:
            yield ("uncertainty", "parameters", path, "<key>"), str(exc)


def check_project_uncertainty(s: Scenario) -> Iterator[Finding]:
    for i, project in enumerate(s.projects):
        if project.delay_months is not None:
            yield from _check_distribution(project.delay_months, ("projects", i, "delay_months"))
        for key in ("delay_months", "go_probability", "ramp"):
            if project.status == "operating" and getattr(project, key) is not None:
                yield ("projects", i, key), "an operating project is online from the start: it has no go decision, delay or ramp"


def check_targets(s: Scenario) -> Iterator[Finding]:
    names: set[str] = set()
    for i, target in enumerate(s.targets):
        if not target.name.strip():
            yield ("targets", i, "name"), "must not be empty (it names the target in tables and comparisons)"
        if target.name in names:
            yield ("targets", i, "name"), f"duplicate target name {target.name!r}"
        names.add(target.name)
        if not target.criteria():
            yield ("targets", i), "gives no criterion (total_eflops, intelligent_share, racks, pue, ...)"
        for name in NEEDS_EMISSIONS:
            if getattr(target, name) is not None and s.policies.emissions is None:
                yield ("targets", i, name), "needs policies.emissions (green energy and carbon are counted only with it)"
        index = month_index(target.by, s.horizon.start)
        if index < 0 or index >= horizon_months(s.horizon.start, s.horizon.end):
            yield ("targets", i, "by"), f"must be inside the horizon {s.horizon.start}..{s.horizon.end} (got {target.by})"


def check_supply(s: Scenario) -> Iterator[Finding]:
    """The region's deliveries given once: ``ai_pflops_per_month``, or ``national_pflops_per_month`` with ``share``."""
    supply = s.supply
    if supply is None:
        return
    national = [k for k in ("national_pflops_per_month", "share") if getattr(supply, k) is not None]
    if supply.ai_pflops_per_month is not None and national:
        yield ("supply", national[0]), ("give either ai_pflops_per_month (the region's deliveries) or "
                                        "national_pflops_per_month with share, not both")
    elif supply.ai_pflops_per_month is None and len(national) < 2:
        yield ("supply", *national[:1]), {
            "national_pflops_per_month": "needs share: the region's share of national_pflops_per_month (0 to 1)",
            "share": "needs national_pflops_per_month: the national supply that share is a share of"}.get(
            national[0] if national else "", "needs ai_pflops_per_month (the region's deliveries, PFLOPS per month), "
                                             "or national_pflops_per_month and share")


def check_policies(s: Scenario) -> Iterator[Finding]:
    for name in ("capex_subsidy", "compute_vouchers", "pue_cap", "fast_track"):
        lever = getattr(s.policies, name)
        if lever is not None and lever.from_ is not None and lever.until is not None:
            if month_number(lever.until) < month_number(lever.from_):
                yield ("policies", name, "until"), f"must not be before from {lever.from_} (got {lever.until})"
    cap = s.policies.pue_cap
    if cap is not None:
        if cap.action == "upgrade" and cap.cooling is None:
            yield ("policies", "pue_cap", "action"), "action upgrade needs `cooling`: the cooling upgraded projects switch to"
        if cap.cooling is not None and cap.cooling not in s.cooling:
            yield ("policies", "pue_cap", "cooling"), f"unknown cooling {cap.cooling!r}{nearest(cap.cooling, s.cooling)}"


def check_explore(s: Scenario) -> Iterator[Finding]:
    if s.explore is None:
        return
    for path, lever in s.explore.levers.items():
        loc = ("explore", "levers", path)
        if not lever.low < lever.high:
            yield loc + ("low",), f"low must be below high (got low {lever.low:g}, high {lever.high:g})"
        if path.split(".")[0] in ("explore", "variants"):
            yield loc + ("<key>",), f"a lever cannot name a value under `{path.split('.')[0]}`"
            continue
        try:
            resolve_path(s, path)
        except PathError as exc:
            yield loc + ("<key>",), str(exc)


def check_decision(s: Scenario) -> Iterator[Finding]:
    if s.decision.off_track > s.decision.on_track:
        yield ("decision", "off_track"), (f"must not be above on_track {s.decision.on_track:g} "
                                          f"(got {s.decision.off_track:g})")


def check_variant_names(s: Scenario) -> Iterator[Finding]:
    if "base" in s.variants:
        yield ("variants", "base", "<key>"), "'base' names the scenario without variants; choose another name"


CHECKS = (
    check_horizon,
    check_has_projects,
    check_unique_ids,
    check_references,
    check_online_dates,
    check_phases,
    check_sites,
    check_pue_curves,
    check_uncertainty,
    check_project_uncertainty,
    check_targets,
    check_supply,
    check_policies,
    check_explore,
    check_variant_names,
    check_decision,
)


def check(s: Scenario) -> list[Finding]:
    """Every cross-field problem of ``s`` (empty list when it is consistent)."""
    findings: list[Finding] = []
    for rule in CHECKS:
        findings.extend(rule(s))
    return findings
