"""The verdict: one line a director can repeat, computed from a run's tables and its scenario.

    on track | at risk | off track: P(target met), the shortfall at the target's month (P50, P10),
    the month the target is reached (P50), and the peak facility power against the grid declared.

* The target is the one a comparison ranks by default: the latest-dated ``role: plan`` target
  (the first in file order on a tie), or the one named.
* ``on track`` when P(met) >= ``decision.on_track`` (default 0.8), ``off track`` when P(met) <
  ``decision.off_track`` (default 0.2), ``at risk`` between.
* The shortfall is, for each criterion of the target, ``max(0, criterion - value)`` at the
  target's month, with the value's P50 and its P10 (the low end: the larger shortfall), in the
  criterion's unit (EFLOPS at the scenario's accounting basis; a share in percentage points;
  racks; MW). An at-most criterion (peak facility MW, PUE, energy, carbon, public cost) is short
  by ``max(0, value - criterion)``, with the P50 and the P90 (the high end). A yearly criterion
  reads annual.csv in the target's year (``peak_facility_mw`` for the peak MW), the others
  monthly.csv (:data:`sim.analysis.criteria.TABLE_ROWS`).
* The month the target is reached is targets.csv's ``reached_p50``: "not within the horizon"
  when it says ``never``, "already met at the start" when it is the horizon's first month (the
  model starts there, so that month is not a date on which anything happened). When the P50 run
  falls short at the target's own month (met earlier, then lost, e.g. capacity retiring), it says
  "first met 2027-07 (median), not held at 2030-12", never "reached".
* The words are a director's: the P50 is "the median", the P10 "the low end (P10)", the P90
  "the high end (P90)".
* The peak facility power is the highest monthly P50 of ``facility_mw``; its rise over the
  first month is set against the grid declared for new projects (``grid.headroom_mw`` plus the
  ``grid.additions`` within the horizon). Without a ``grid`` block it says none is declared.

Everything is read from tables (``targets``, ``monthly``: the columns of monthly.csv and
targets.csv) and the scenario as a plain dict (``Scenario.model_dump(mode="json", by_alias=True)``
or a manifest's ``resolved_scenario``), so ``capsim run`` and the report say the same words.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..months import month_number
from ..scenario.criteria import CRITERIA as SPECS, FORMER, NAMES
from .criteria import TABLE_ROWS, shortfall

if TYPE_CHECKING:
    import pandas as pd

ON_TRACK = 0.8
OFF_TRACK = 0.2
"""The defaults of the schema's ``decision`` block, for a scenario dict written before it existed."""
CRITERIA = NAMES
NEVER = "never"


def edge_text(share: float) -> str:
    """A threshold as a percentage with the digits it has: 0.8 -> '80%', 0.314 -> '31.4%' (never '-0%')."""
    return f"{round(share * 100, 6) + 0.0:g}%"


def percent_text(probability: float, edges: tuple[float, ...] = ()) -> str:
    """``probability`` in whole percent unless that would put it on the wrong side of an edge (a
    threshold, 0 or 1): 0.7995 against 0.8 -> '79.95%', never '80%'; 0.3135 against 0.314 -> '31.35%'."""
    for digits in range(0, 5):
        shown = round(probability * 100, digits)
        wrong = (probability < 1 <= shown / 100) or (probability > 0 >= shown)
        wrong = wrong or any((probability < e) != (shown / 100 < round(e * 100, 6) / 100) for e in edges)
        if not wrong:
            return f"{probability:.{digits}%}"
    return f"{probability:.4%}"


def verdict_class(probability: float, on_track: float = ON_TRACK, off_track: float = OFF_TRACK) -> str:
    """``on track`` (P >= on_track), ``off track`` (P < off_track) or ``at risk``."""
    if probability >= on_track:
        return "on track"
    if probability < off_track:
        return "off track"
    return "at risk"


def thresholds(scenario: dict) -> tuple[float, float]:
    """(on_track, off_track) of the scenario's ``decision`` block (the defaults when absent)."""
    decision = scenario.get("decision") if isinstance(scenario.get("decision"), dict) else {}
    on = decision.get("on_track")
    off = decision.get("off_track")
    return (float(on) if isinstance(on, (int, float)) else ON_TRACK,
            float(off) if isinstance(off, (int, float)) else OFF_TRACK)


def verdict_target(scenario: dict, name: str | None = None) -> dict | None:
    """The target the verdict is about: ``name`` if it is a target, else the latest-dated plan target."""
    targets = [t for t in scenario.get("targets") or () if isinstance(t, dict) and "name" in t and "by" in t]
    if name is not None:
        named = [t for t in targets if t["name"] == name]
        if named:
            return named[0]
    plans = [t for t in targets if (t.get("role") or "plan") == "plan"]
    if not plans:
        return None
    latest = max(month_number(t["by"]) for t in plans)
    return next(t for t in plans if month_number(t["by"]) == latest)


def _rows(table: pd.DataFrame | None, variant: str | None) -> pd.DataFrame | None:
    if table is None or table.empty:
        return None
    if variant is not None and "variant" in table.columns:
        table = table[table["variant"] == variant]
    return table if not table.empty else None


def _at(monthly: pd.DataFrame | None, metric: str, month: str, column: str) -> float:
    if monthly is None:
        return math.nan
    hit = monthly[(monthly["metric"] == metric) & (monthly["month"] == month)]
    return float(hit[column].iloc[0]) if len(hit) and column in hit else math.nan


def _amount(criterion: str, value: float) -> str:
    if criterion == "intelligent_share":
        return f"{value * 100:.1f} points of AI share"
    if criterion in FORMER:
        return f"{value:,.2f} EFLOPS {criterion.removesuffix('_eflops')}"
    c = SPECS[criterion]
    if c.shown_unit == "%":
        return f"{value * 100:.1f} points of {c.label}"
    if criterion == "pue":
        return f"{value:.3f} of PUE"
    shown = f"{value:,.1f}" if c.shown_unit == "MW" else f"{value:,.0f}"
    return f"{shown} {c.shown_unit}" + ("" if c.label == c.shown_unit else f" {c.label}")


def _quantiles(criterion: str, month: str, monthly: pd.DataFrame | None,
               annual: pd.DataFrame | None) -> tuple[float, float] | None:
    """(P50, the adverse end: P10 for an at-least criterion, P90 for an at-most one) of the
    criterion's measure at ``month`` (monthly.csv) or in its year (annual.csv); None without its
    row (NaN in a row: undefined, such as utilisation with no IT online)."""
    table, metric = TABLE_ROWS[criterion]
    far = "p10" if SPECS[criterion].at_least else "p90"
    rows = monthly if table == "monthly" else annual
    if rows is None:
        return None
    if table == "monthly":
        hit = rows[(rows["metric"] == metric) & (rows["month"] == month)]
    else:
        hit = rows[(rows["metric"] == metric) & (rows["year"].astype(str) == month[:4])]
    if not len(hit) or "p50" not in hit:
        return None
    return float(hit["p50"].iloc[0]), float(hit[far].iloc[0]) if far in hit else math.nan


SHORT = "\x00"
"""Marks an at-least criterion's part of :func:`shortfall_text` (said "short by" when mixed with an at-most one's)."""


def shortfall_text(target: dict, monthly: pd.DataFrame | None, annual: pd.DataFrame | None = None) -> str:
    """'short by 4.42 EFLOPS total at P50, 21.64 at P10 in 2026-12', or 'no shortfall ...'; an
    at-most criterion (PUE, energy, ...) by how far its P50 and P90 are above the figure."""
    month = target["by"]
    parts, undefined, above = [], [], False
    for criterion in CRITERIA:
        need = target.get(criterion)
        if not isinstance(need, (int, float)):
            continue
        found = _quantiles(criterion, month, monthly, annual)
        if found is None:
            continue
        p50, far = found
        if math.isnan(p50):
            if criterion not in FORMER:
                undefined.append(SPECS[criterion].label)
            continue
        short50, short_far = (shortfall(criterion, v, need) for v in (p50, far if not math.isnan(far) else p50))
        at_least = SPECS[criterion].at_least
        edge = "the low end (P10)" if at_least else "the high end (P90)"
        amount = _amount if at_least else (lambda c, v: _above(c, v, need))
        if short_far > 0:
            low = _amount(criterion, short_far).split(" ", 1)[0]
            text = (f"{amount(criterion, short50)} at the median, {low} at {edge}" if short50 > 0
                    else f"{amount(criterion, short_far)} at {edge} (none at the median)")
            parts.append(text if not at_least else f"{SHORT}{text}")
            above = above or not at_least
    if undefined:  # never met where undefined (sim.analysis.criteria)
        parts.append(f"{', '.join(undefined)} undefined at the median (not met)")
    if not parts:
        at_most = any(isinstance(target.get(c), (int, float)) and not SPECS[c].at_least for c in CRITERIA)
        return f"no shortfall in {month} (even the {'low or high end, P10 or P90,' if at_most else 'low end, P10,'} meets it)"
    if above:  # an at-most criterion is over its aim, not "short by": "in 2026-12: PUE 0.066 above the aim of 1.2 ..."
        return f"in {month}: " + "; ".join(p.replace(SHORT, "short by ") for p in parts)
    return f"short in {month} by " + "; ".join(p.replace(SHORT, "") for p in parts)


def _above(criterion: str, value: float, need: float) -> str:
    """How far an at-most criterion is over its figure: 'PUE 0.066 above the aim of 1.2',
    '6.3 MW peak facility above the aim of 12.0 MW'."""
    if criterion == "pue":
        return f"PUE {value:.3f} above the aim of {need:g}"
    unit = SPECS[criterion].shown_unit
    aim = _amount(criterion, need).split(" ", 1)[0]
    return f"{_amount(criterion, value)} above the aim of {aim}{unit if unit == '%' else ' ' + unit}".rstrip()


def reached_text(row: dict, start: str, lost_by: str | None = None) -> str:
    """The P50 month the target is reached, in words (see the module docstring); ``lost_by``: the
    target's month when the P50 run falls short there (met earlier, then lost: not "reached")."""
    reached = str(row.get("reached_p50") or "")
    if reached in ("", NEVER, "nan"):
        return "not reached within the horizon (median)"
    if lost_by is not None and month_number(reached) <= month_number(lost_by):  # met by then, then lost
        first = "met at the start" if reached == start else f"first met {reached} (median)"
        return f"{first}, not held at {lost_by}"
    if reached == start:
        return "already met at the start"
    return f"reached {reached} (median)"


def short_at_p50(target: dict, monthly: pd.DataFrame | None, annual: pd.DataFrame | None = None) -> bool:
    """Whether the P50 value of some criterion of ``target`` falls short at the target's month (or year)."""
    for criterion in CRITERIA:
        need = target.get(criterion)
        if not isinstance(need, (int, float)):
            continue
        found = _quantiles(criterion, target["by"], monthly, annual)
        if found is not None and not math.isnan(found[0]) and shortfall(criterion, found[0], need) > 0:
            return True
    return False


def grid_text(scenario: dict, monthly: pd.DataFrame | None) -> str:
    """Peak facility power (monthly P50) and its rise over the first month, against the grid declared."""
    if monthly is None:
        return ""
    power = monthly[monthly["metric"] == "facility_mw"].sort_values("month", kind="stable")
    if power.empty:
        return ""
    peak, first = float(power["p50"].max()), float(power["p50"].iloc[0])
    text = f"peak facility {peak:,.0f} MW (median), +{max(0.0, peak - first):,.0f} MW over {power['month'].iloc[0]}"
    grid = scenario.get("grid") if isinstance(scenario.get("grid"), dict) else None
    if grid is None:
        return text + "; no grid capacity declared"
    horizon = scenario.get("horizon") or {}
    end = horizon.get("end")
    additions = [a for a in grid.get("additions") or () if isinstance(a, dict)
                 and (end is None or month_number(a["month"]) <= month_number(end))]
    declared = float(grid.get("headroom_mw") or 0) + sum(float(a.get("mw") or 0) for a in additions)
    return text + f", against {declared:,.0f} MW of grid declared for new projects"


def verdict_line(scenario: dict, targets: pd.DataFrame | None, monthly: pd.DataFrame | None,
                 variant: str | None = None, target_name: str | None = None,
                 annual: pd.DataFrame | None = None) -> str:
    """The one-line verdict of ``variant``'s run (None: the tables hold one run); see the module
    docstring. ``annual``: annual.csv's rows, for the criteria checked over a year."""
    targets, monthly, annual = _rows(targets, variant), _rows(monthly, variant), _rows(annual, variant)
    grid = grid_text(scenario, monthly)
    target = verdict_target(scenario, target_name)
    row = None
    if target is not None and targets is not None:
        hit = targets[targets["target"] == target["name"]]
        row = hit.iloc[0].to_dict() if len(hit) else None
    if target is None or row is None or not isinstance(row.get("probability"), (int, float)):
        return "no verdict: the scenario has no plan target" + (f"; {grid}" if grid else "")
    on, off = thresholds(scenario)
    p = float(row["probability"])
    start = str((scenario.get("horizon") or {}).get("start", ""))
    parts = [f"{verdict_class(p, on, off)}: P({target['name']!r} met by {target['by']}) {percent_text(p, (on, off))} "
             f"(on track at >= {edge_text(on)}, off track below {edge_text(off)})",
             shortfall_text(target, monthly, annual),
             reached_text(row, start, target["by"] if short_at_p50(target, monthly, annual) else None)]
    if grid:
        parts.append(grid)
    return "; ".join(parts)


def verdict_probability(scenario: dict, targets: pd.DataFrame | None, variant: str | None = None,
                        target_name: str | None = None) -> float | None:
    """P(met) of the verdict's target in ``variant``'s rows of ``targets`` (None when there is none)."""
    targets = _rows(targets, variant)
    target = verdict_target(scenario, target_name)
    if target is None or targets is None:
        return None
    hit = targets[targets["target"] == target["name"]]
    if not len(hit) or not isinstance(hit["probability"].iloc[0], (int, float)):
        return None
    return float(hit["probability"].iloc[0])


def views_text(scenario: dict, base_probability: float | None, views: dict[str, float | None]) -> str:
    """'counted another way: fp32-eq-low (view) gives off track (0%)' for each view (the same runs
    counted another way: {name: P(met)}) whose verdict class differs from the base's; '' when none does."""
    if base_probability is None:
        return ""
    on, off = thresholds(scenario)
    base = verdict_class(base_probability, on, off)
    other = [f"{name} (view) gives {verdict_class(p, on, off)} ({percent_text(p, (on, off))})" for name, p in views.items()
             if p is not None and verdict_class(p, on, off) != base]
    return "counted another way: " + "; ".join(other) if other else ""
