"""The short text summary that ``capsim run`` prints."""

from __future__ import annotations

import numpy as np

from ..months import month_index, month_label
from ..scenario.criteria import CRITERIA, criteria_words
from .criteria import TABLE_ROWS, criterion_values, extra_rows
from .results import Results
from .statistics import annual_values, monthly_table
from .verdict import CRITERIA as VERDICT_CRITERIA, reached_text, verdict_line


def _pct(values: np.ndarray, q: float) -> float:
    return float(np.quantile(values, q))


def _band(values: np.ndarray, fmt: str) -> str:
    p10, p50, p90 = (_pct(values, q) for q in (0.1, 0.5, 0.9))
    if p10 == p90:
        return format(p50, fmt)
    return f"{format(p50, fmt)} [{format(p10, fmt)} - {format(p90, fmt)}]"


def summary_text(results: Results) -> str:
    """The verdict (:mod:`sim.analysis.verdict`), then targets, peak facility power and energy per
    calendar year, as P50 [P10 - P90]; a run of one replication: its values, met or missed
    (:mod:`sim.analysis.single`)."""
    if results.replications == 1:
        from .single import single_summary_text

        return single_summary_text(results, _policy_line(results))
    s = results.scenario
    lines = [
        run_verdict(results),
        f"{s.name}: {results.replications:,} replication{'s' if results.replications != 1 else ''}, "
        f"seed {results.seed}, variant {results.variant}; capacity {s.accounting.label}",
    ]
    if results.replications > 1:
        lines.append("figures are P50 [P10 - P90] across replications")
    met, _ = results.target_outcomes
    targets = results.targets
    for t, target in enumerate(s.targets):
        m = month_index(target.by, s.horizon.start)
        criteria = criteria_words(target.criteria())
        reached = targets.loc[t, "reached_p50"]
        role = " (calibration)" if target.role == "calibration" else ""
        lines.append(
            f"target {target.name!r}{role} by {target.by} ({criteria}): probability met {met[:, t].mean():.1%}; "
            f"{_figures(results, target, m)}; "
            f"first met (P50) {reached if reached != s.horizon.start else reached_text({'reached_p50': reached}, reached)}"
        )
    lines.append(peak_text(results.series["facility_mw"], s.horizon.start))
    years, annual = annual_values(results.series, s.horizon.start, results.plan.hours)
    parts = [f"{int(y)} {_band(annual['energy_mwh'][:, i] / 1e6, ',.2f')}" for i, y in enumerate(years)]
    lines.append("energy per year (TWh): " + "; ".join(parts))
    policy = _policy_line(results)
    if policy:
        lines.append(policy)
    return "\n".join(lines)


def peak_text(power: np.ndarray, start: str) -> str:
    """The peak of facility power (``power``: replications x months, MW) under two plainly different
    names: "peak monthly facility power" is the month with the highest median, with that month's
    P10 - P90 (the verdict's "peak facility ... (median)" and the report's key figure of the same
    name); "each run's own peak month" is the P50 [P10 - P90] of every replication's highest month
    (higher, as the runs peak in different months; left out when it reads the same)."""
    medians = np.quantile(power, 0.5, axis=0)
    m = int(np.argmax(medians))
    highest, own = _band(power[:, m], ',.0f'), _band(power.max(axis=1), ',.0f')
    text = f"peak monthly facility power: {highest} MW in {month_label(start, m)}, the month with the highest median"
    return text if own == highest else text + f"; each run's own peak month: {own} MW"  # said once when the same


def _figures(results: Results, target, m: int) -> str:
    """What the run reached on ``target``'s measures at its month: each criterion's value (yearly
    ones over the year, :mod:`sim.analysis.criteria`); a target on total EFLOPS and AI share only
    shows both, as before the other criteria existed."""
    names = list(target.criteria())
    if set(names) <= {"total_eflops", "intelligent_share"}:
        names = ["total_eflops", "intelligent_share"]
    parts = []
    for name in names:
        c = CRITERIA[name]
        if c.when == "month" and name not in ("green_share", "utilization"):
            values = results.series.month(name, m)  # without a whole (R, M) array
        else:
            values = criterion_values(results.series, name, results.scenario.horizon.start)[:, m]
        undefined = int(np.isnan(values).sum())
        if undefined == len(values):
            parts.append(f"{c.label} undefined (not met)")
            continue
        if undefined:  # e.g. utilisation in replications with no IT online yet: never met there
            parts.append(f"{c.label} undefined in {undefined:,} of {len(values):,} replications")
            values = values[~np.isnan(values)]
        if c.shown_unit == "EFLOPS":
            parts.append(f"{c.label} {_band(values, ',.2f')} EFLOPS")
        elif c.shown_unit == "%":
            parts.append(f"{c.label} {_band(values * 100, '.1f')}%")
        elif name == "pue":
            parts.append(f"{c.label} in {target.by[:4]} {_band(values, '.3f')}")
        else:
            when = f" in {target.by[:4]}" if c.when == "year" else (" to date" if c.when == "cumulative" else "")
            parts.append(f"{c.label}{when} {_band(values, ',.1f' if c.shown_unit == 'MW' else ',.0f')} {c.shown_unit}")
    return ", ".join(parts)


def run_verdict(results: Results, target_name: str | None = None) -> str:
    """The verdict line of a run, from its targets table and the monthly quantiles of the metrics
    the verdict reads (the rows monthly.csv holds for them)."""
    s = results.scenario
    series = {name: results.series[name] for name in ("facility_mw", *VERDICT_CRITERIA) if name in results.series}
    monthly = monthly_table(results.variant, s.horizon.start, series, extra_rows(s, results.series, "monthly"))
    annual = results.annual if any(TABLE_ROWS[c][0] == "annual" for t in s.targets for c in t.criteria()) else None
    return verdict_line(s.model_dump(mode="json", by_alias=True), results.targets, monthly,
                        target_name=target_name, annual=annual)


def _policy_line(results: Results) -> str:
    """Totals over the horizon of what the policy levers in use paid and emitted."""
    levers = results.scenario.policies
    series = results.series
    parts = []
    if levers.capex_subsidy is not None:
        parts.append(f"subsidy paid {_band(series['subsidy_cny'].sum(axis=1) / 1e9, ',.2f')} bn CNY")
    if levers.compute_vouchers is not None:
        parts.append(f"vouchers {_band(series['voucher_cny'].sum(axis=1) / 1e9, ',.2f')} bn CNY")
    if levers.pue_cap is not None:
        outcomes = results.plan.policy.pue_cap
        parts.append(f"PUE cap: {outcomes.count('upgraded')} upgraded, {outcomes.count('rejected')} rejected")
    if levers.emissions is not None:
        parts.append(f"carbon {_band(series['carbon_t'].sum(axis=1) / 1e6, ',.2f')} Mt")
    return ("policies over the horizon: " + "; ".join(parts)) if parts else ""
