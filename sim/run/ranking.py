"""What a comparison ranks by, and the ranked table ``capsim compare`` prints.

A comparison is ranked by one figure, chosen with ``rank_by`` (``--rank-by NAME``):

* a target's name: the probability that the target is met by its month (higher is better);
  a target with ``role: calibration`` (a reported past figure) is shown but never ranked by;
* or one of :data:`RANK_OUTPUTS`, each a per-replication total or level with its direction:
  ``public_cost``, ``peak_mw``, ``energy``, ``carbon`` (lower is better), ``eflops``,
  ``ai_share`` (higher is better).

The default is the latest-dated ``plan`` target (the first of them in file order on a tie), or
``public_cost`` when there is none. Ties are broken by public cost (lower first), then by the
order in which the runs were asked for. Every figure of the ranked table is the **mean** across
replications (a probability is the mean of met/not met), except "first met", a month, which is
the P50; the difference to the base is the paired mean difference with its 95% interval, as in
compare.csv.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..analysis.results import Results
from ..analysis.statistics import month_quantiles, paired_difference
from ..engine.draws import has_uncertainty
from ..errors import ScenarioError
from ..months import month_index
from ..scenario.criteria import criteria_words
from ..scenario.schema import Scenario, Target
from ..scenario.variants import BASE

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class RankOutput:
    """An output a comparison can rank by: its per-replication values and how to show them."""

    name: str  # the --rank-by name
    column: str  # its column in the ranking table (mean across replications)
    label: str  # printed column header, in display units
    description: str
    higher_is_better: bool
    scale: float  # display units per unit of the column
    fmt: str
    values: Callable[[Results], np.ndarray]  # (R,)


def _public_cost(r: Results) -> np.ndarray:
    return r.series["subsidy_cny"].sum(axis=1) + r.series["voucher_cny"].sum(axis=1)


RANK_OUTPUTS: tuple[RankOutput, ...] = (
    RankOutput("public_cost", "public_cost_cny", "public cost bn CNY", "subsidy paid + voucher spend over the horizon",
               False, 1e-9, ",.2f", _public_cost),
    RankOutput("peak_mw", "peak_facility_mw", "peak MW", "highest monthly facility power over the horizon",
               False, 1.0, ",.0f", lambda r: r.series["facility_mw"].max(axis=1)),
    RankOutput("energy", "energy_mwh", "energy TWh", "facility energy over the horizon",
               False, 1e-6, ",.2f", lambda r: r.series["energy_mwh"].sum(axis=1)),
    RankOutput("carbon", "carbon_t", "carbon Mt", "carbon emitted over the horizon",
               False, 1e-6, ",.2f", lambda r: r.series["carbon_t"].sum(axis=1)),
    RankOutput("eflops", "total_eflops_end", "EFLOPS end", "total EFLOPS at the end of the horizon",
               True, 1.0, ",.2f", lambda r: r.series["total_eflops"][:, -1]),
    RankOutput("ai_share", "intelligent_share_end", "AI % end", "AI-compute share at the end of the horizon",
               True, 100.0, ".1f", lambda r: r.series["intelligent_share"][:, -1]),
)
OUTPUTS_BY_NAME = {o.name: o for o in RANK_OUTPUTS}
DEFAULT_OUTPUT = "public_cost"
RANK_BY_HELP = ("rank by a target's name (probability met, higher first) or by an output: " + "; ".join(
    f"{o.name} ({o.description}, {'higher' if o.higher_is_better else 'lower'} first)" for o in RANK_OUTPUTS)
    + ". Default: the latest-dated target that is not role: calibration, else public_cost")


def plan_targets(scenario: Scenario) -> list[Target]:
    return [t for t in scenario.targets if t.role != "calibration"]


def default_rank_by(scenario: Scenario) -> str:
    """The latest-dated plan target (first in file order on a tie), else ``public_cost``."""
    plans = plan_targets(scenario)
    if not plans:
        return DEFAULT_OUTPUT
    latest = max(month_index(t.by, scenario.horizon.start) for t in plans)
    return next(t.name for t in plans if month_index(t.by, scenario.horizon.start) == latest)


def check_rank_by(scenario: Scenario, rank_by: str | None) -> str:
    """The name to rank by (``None``: :func:`default_rank_by`); a name that is neither a plan target
    of ``scenario`` nor an output of :data:`RANK_OUTPUTS` raises one :class:`ScenarioError` line."""
    if rank_by is None:
        return default_rank_by(scenario)
    targets = {t.name: t for t in scenario.targets}
    if rank_by in targets:
        if targets[rank_by].role == "calibration":
            raise ScenarioError(f"--rank-by: target {rank_by!r} has role: calibration (shown and checked, never "
                                f"ranked by); choose one of {_valid_names(scenario)}")
        return rank_by
    if rank_by == "carbon" and (scenario.policies is None or scenario.policies.emissions is None):
        raise ScenarioError("--rank-by carbon: the scenario has no policies.emissions block, so capsim computes "
                            f"no carbon; add one or choose one of {_valid_names(scenario)}")
    if rank_by in OUTPUTS_BY_NAME:
        return rank_by
    raise ScenarioError(f"--rank-by: unknown {rank_by!r}; choose one of {_valid_names(scenario)}")


def _valid_names(scenario: Scenario) -> str:
    targets = [repr(t.name) for t in plan_targets(scenario)]
    outputs = ", ".join(o.name for o in RANK_OUTPUTS)
    return (f"the targets {', '.join(targets)} or " if targets else "") + f"the outputs {outputs}"


def _target_column(target_name: str) -> str:
    return f"probability[{target_name}]"


def _reached_column(target_name: str) -> str:
    return f"reached_p50[{target_name}]"


def rank_values(results: Results, rank_by: str) -> np.ndarray:
    """Per-replication values of the ranked figure (met as 0/1 for a target; NaN if the run lacks it)."""
    if rank_by in OUTPUTS_BY_NAME:
        return np.asarray(OUTPUTS_BY_NAME[rank_by].values(results), dtype=float)
    names = [t.name for t in results.scenario.targets]
    if rank_by not in names:
        return np.full(results.replications, np.nan)
    met, _ = results.target_outcomes
    return met[:, names.index(rank_by)].astype(float)


def limit_binds(results: Results) -> dict[str, np.ndarray]:
    """Per replication (R,), 1.0 if some project phase waited for grid headroom (``grid``) or for
    accelerators (``supply``): a wait > 0 months. Only the limits the scenario has."""
    s = results.scenario
    out = {}
    for name, block, waits in (("grid", s.grid, results.grid_wait), ("supply", s.supply, results.supply_wait)):
        if block is not None:
            waited = np.nan_to_num(waits, nan=0.0) > 0
            out[name] = (waited.any(axis=1) if waited.ndim == 2 and waited.shape[1] else
                         np.zeros(results.replications, dtype=bool)).astype(float)
    return out


def binding_shares(results: Results) -> dict[str, float]:
    """Share of replications in which each limit bound (see :func:`limit_binds`); NaN without it."""
    binds = limit_binds(results)
    return {name: float(binds[name].mean()) if name in binds else math.nan for name in ("grid", "supply")}


def ranking_table(results: dict[str, Results], rank_by: str) -> pd.DataFrame:
    """Every run, best first (see the module docstring): ``rank``, ``variant``, ``rank_by``, the
    ranked figure's mean (``value``) and paired difference to the base (``diff_mean``,
    ``diff_ci_low``, ``diff_ci_high``), ``probability[T]`` and ``reached_p50[T]`` per target of
    the base, each output of :data:`RANK_OUTPUTS` (means) and ``grid_bound_share``,
    ``supply_bound_share``."""
    import pandas as pd  # imported when a table is made (about 0.2 s)
    base = results[BASE]
    targets = list(base.scenario.targets)
    base_values = rank_values(base, rank_by)
    rows = []
    for name, r in results.items():
        s = r.scenario
        values = rank_values(r, rank_by)
        row = {"variant": name, "rank_by": rank_by, "value": _mean(values)}
        if name == BASE or np.isnan(values).all():
            row.update(diff_mean=math.nan, diff_ci_low=math.nan, diff_ci_high=math.nan)
        else:
            deterministic = not has_uncertainty(base.scenario) and not has_uncertainty(s)
            mean, low, high = paired_difference(base_values, values, deterministic)
            row.update(diff_mean=mean, diff_ci_low=low, diff_ci_high=high)
        met, reached = r.target_outcomes
        own = [t.name for t in s.targets]
        for target in targets:
            if target.name in own:
                t = own.index(target.name)
                row[_target_column(target.name)] = float(met[:, t].mean())
                row[_reached_column(target.name)] = month_quantiles(s.horizon.start, r.plan.n_months,
                                                                    reached[:, t])["p50"]
            else:  # a variant that drops the target
                row[_target_column(target.name)] = math.nan
                row[_reached_column(target.name)] = ""
        for output in RANK_OUTPUTS:
            row[output.column] = _mean(output.values(r))
        shares = binding_shares(r)
        row["grid_bound_share"], row["supply_bound_share"] = shares["grid"], shares["supply"]
        rows.append(row)
    table = pd.DataFrame(rows)
    higher = rank_by not in OUTPUTS_BY_NAME or OUTPUTS_BY_NAME[rank_by].higher_is_better
    order = table["value"] * (-1 if higher else 1)
    tie = table["public_cost_cny"]
    table = table.assign(_key=order.fillna(np.inf), _tie=tie.fillna(np.inf))
    table = table.sort_values(["_key", "_tie"], kind="stable").drop(columns=["_key", "_tie"]).reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def _mean(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    return math.nan if values.size == 0 or np.isnan(values).all() else float(np.nanmean(values))


def rank_by_text(scenario: Scenario, rank_by: str) -> str:
    """The header line saying what the ranking uses."""
    if rank_by in OUTPUTS_BY_NAME:
        o = OUTPUTS_BY_NAME[rank_by]
        what = f"{o.name} ({o.description}, mean; {'higher' if o.higher_is_better else 'lower'} is better)"
    else:
        target = next(t for t in scenario.targets if t.name == rank_by)
        what = f"P(target {target.name!r} met by {target.by}) (higher is better)"
    tie = "" if rank_by == "public_cost" else ", then public cost"
    return f"ranked by {what}{tie}; choose with --rank-by"


def _interval(diff: float, low: float, high: float, fmt: str, suffix: str = "") -> str:
    """'+1.0 points [+0.5, +1.5]'; 'no difference' when exactly 0 in every replication; '(no interval:
    1 replication)' when the interval is undefined (one replication
    of an uncertain scenario); without brackets when it is the difference itself (no uncertainty)."""
    if math.isnan(diff):
        return "-"
    if diff == low == high == 0:
        return "no difference"  # exactly 0 in every replication
    text = f"{format(diff, '+' + fmt)}{suffix}"
    if math.isnan(low) or math.isnan(high):
        return f"{text} (no interval: 1 replication)"
    if low == high:
        return text
    return f"{text} [{format(low, '+' + fmt)}, {format(high, '+' + fmt)}]"


def _share(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0%}"


def summary_lines(scenario: Scenario, ranking: pd.DataFrame, rank_by: str, end: str) -> list[str]:
    """The ranked table as text lines: its legend, then one row per run (``end``: the horizon's last month)."""
    targets = list(scenario.targets)
    labels = {t.name: f"T{i + 1}" for i, t in enumerate(targets)}
    lines = [rank_by_text(scenario, rank_by)]
    for t in targets:
        criteria = criteria_words(t.criteria())
        role = "; calibration: shown, never ranked" if t.role == "calibration" else ""
        lines.append(f"  {labels[t.name]} = {t.name!r} by {t.by} ({criteria}{role})")
    lines.append(f"figures are means across replications (P(T): share of replications meeting T; end: {end}); "
                 "vs base: mean difference on the same simulated futures [95% interval] ('no difference': exactly 0 in every "
                 "replication)")
    lines.append("grid/supply binds: share of replications in which some project waited for grid headroom / "
                 "accelerators ('-': the scenario has no such limit)")
    ranked_target = rank_by not in OUTPUTS_BY_NAME
    output = OUTPUTS_BY_NAME.get(rank_by)
    header = ["rank", "variant"] + [f"P({labels[t.name]})" for t in targets]
    if ranked_target:
        header += [f"{labels[rank_by]} vs base [95% interval]", f"{labels[rank_by]} first met P50"]
    else:
        header += [f"{output.label} vs base [95% interval]"]
    header += [f"{o.label} mean" for o in RANK_OUTPUTS] + ["grid binds", "supply binds"]
    body = []
    for row in ranking.to_dict("records"):
        cells = [str(row["rank"]), row["variant"]]
        cells += ["-" if math.isnan(row[_target_column(t.name)]) else f"{row[_target_column(t.name)]:.1%}"
                  for t in targets]
        diff = [row["diff_mean"], row["diff_ci_low"], row["diff_ci_high"]]
        if ranked_target:
            reached = row[_reached_column(rank_by)] or "-"
            at_start = reached == scenario.horizon.start  # not a date: the model starts there
            cells += [_interval(*(d * 100 for d in diff), ".1f", " points"), "at the start" if at_start else reached]
        else:
            cells += [_interval(*(d * output.scale for d in diff), output.fmt)]
        cells += ["-" if math.isnan(row[o.column]) else format(row[o.column] * o.scale, o.fmt) for o in RANK_OUTPUTS]
        cells += [_share(row["grid_bound_share"]), _share(row["supply_bound_share"])]
        body.append(cells)
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    align = ["<" if i == 1 else ">" for i in range(len(header))]
    for cells in [header] + body:
        lines.append("  ".join(format(c, f"{a}{w}") for c, a, w in zip(cells, align, widths)).rstrip())
    return lines

