"""The summary of a one-replication run (``capsim run --deterministic`` or ``-r 1``).

One replication has no spread: the summary gives the values and whether each target is met or
missed, never a probability, a percentage, a P50 or a band (a share is a fraction, 0..1), so that a planner can
check every figure by hand against the scenario (docs/model.md, "A deterministic run").
"""

from __future__ import annotations

import math

from ..months import month_index, month_label
from ..scenario.criteria import CRITERIA, FORMER, criteria_words
from .criteria import criterion_values
from .results import Results
from .statistics import annual_values
from .verdict import verdict_target


def _value(name: str, value: float, by: str) -> str:
    """A criterion's value at the target's month, as the check uses it (yearly ones over the year of
    ``by``, public cost to date; :mod:`sim.analysis.criteria`), in its unit; a share as a fraction."""
    if name == "intelligent_share":
        return f"AI share {value:.3f}"
    if name in FORMER:
        return f"{value:,.2f} EFLOPS {name.removesuffix('_eflops')}"
    c = CRITERIA[name]
    if not math.isfinite(value):
        return f"{c.label} undefined (not met)"
    when = f" in {by[:4]}" if c.when == "year" else (" to date" if c.when == "cumulative" else "")
    if c.unit == "share":
        return f"{c.label} {value:.3f}"
    if name == "pue":
        return f"{c.label}{when} {value:.3f}"
    return f"{c.label}{when} {value:{',.1f' if c.shown_unit == 'MW' else ',.0f'}} {c.shown_unit}"


def target_lines(results: Results) -> list[str]:
    """One line per target: met or missed at its month, the value of each criterion there, and the
    first month all criteria hold."""
    s = results.scenario
    met, reached = results.target_outcomes
    lines = []
    for t, target in enumerate(s.targets):
        m = month_index(target.by, s.horizon.start)
        criteria = target.criteria()
        values = "; ".join(_value(k, float(criterion_values(results.series, k, s.horizon.start)[0, m]), target.by)
                           for k in criteria)
        first = reached[0, t]
        if not math.isfinite(first) or first >= results.series["total_eflops"].shape[1]:
            when = "never met within the horizon"
        elif first == 0:
            when = "already met at the start"
        else:
            when = f"first met {month_label(s.horizon.start, int(first))}"
        role = " (calibration)" if target.role == "calibration" else ""
        need = criteria_words(criteria)
        lines.append(f"target {target.name!r}{role} by {target.by} ({need}): {'met' if met[0, t] else 'missed'}; "
                     f"{values}; {when}")
    return lines


def single_verdict(results: Results) -> str:
    """'met: 'plan 2026' by 2026-12; ...' for the verdict target, or 'no verdict: ...'."""
    s = results.scenario
    target = verdict_target(s.model_dump(mode="json", by_alias=True))
    power = results.series["facility_mw"][0]
    peak = f"peak facility {float(power.max()):,.0f} MW"
    if target is None:
        return f"no verdict: the scenario has no plan target; {peak}"
    t = next(i for i, x in enumerate(s.targets) if x.name == target["name"])
    met, _ = results.target_outcomes
    return f"{'met' if met[0, t] else 'missed'}: {target['name']!r} by {target['by']} (one replication); {peak}"


def single_summary_text(results: Results, policy: str = "") -> str:
    """The summary of a run of one replication: values, met or missed; ``policy``: the line of what
    the policies paid (:func:`sim.analysis.summary.summary_text` makes it)."""
    s = results.scenario
    lines = [
        single_verdict(results),
        f"{s.name}: 1 replication, seed {results.seed}, variant {results.variant}; capacity {s.accounting.label}",
        *target_lines(results),
        f"peak monthly facility power: {float(results.series['facility_mw'][0].max()):,.0f} MW",
    ]
    years, annual = annual_values(results.series, s.horizon.start, results.plan.hours)
    lines.append("energy per year (TWh): " + "; ".join(
        f"{int(y)} {annual['energy_mwh'][0, i] / 1e6:,.2f}" for i, y in enumerate(years)))
    if policy:
        lines.append(policy)
    return "\n".join(lines)
