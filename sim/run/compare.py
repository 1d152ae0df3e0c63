"""Comparison stage: the base scenario and its variants, run with common random numbers.

Every variant is simulated with the same seed and number of replications as the base. The draws
are keyed by (seed, replication, stream, project id) (:mod:`sim.engine.draws`), so replication r of every
variant sees the same go uniforms, delays and parameter values for the same projects: the
difference between a variant and the base *within one replication* is the policy's effect, not
noise. :func:`compare` reports, for each variant and key output, the base value, the variant's
value, and the mean of those paired differences with a 95% confidence interval

    diff_mean +- 1.96 x sd(differences) / sqrt(R)     (normal approximation, sd with R - 1)

Because the differences are paired, their spread is much smaller than that of two independent
runs, and so is the interval. With one replication the interval is the difference itself when
neither scenario has ``uncertainty`` (there is no noise), and undefined (NaN) otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..analysis.results import Results
from ..analysis.statistics import month_quantiles
from ..engine.draws import has_uncertainty
from ..months import calendar_years, month_index
from ..scenario.schema import Scenario
from ..scenario.variants import BASE, apply_variant, select
from .parallel import process_pool
from .simulate import blocks, default_replications, simulate

Z_95 = 1.959963984540054
"""Two-sided 95% quantile of the standard normal distribution."""

COLUMNS = ["variant", "output", "when", "unit", "base", "value", "diff_mean", "diff_ci_low", "diff_ci_high"]
TABLES = ("monthly", "annual", "targets", "projects")


@dataclass(frozen=True)
class KeyOutput:
    """One key output measured in every replication; ``stat`` summarises it across replications."""

    output: str
    when: str
    unit: str
    values: np.ndarray  # (R,)
    stat: str = "mean"  # mean | p50


def key_outputs(results: Results) -> list[KeyOutput]:
    """The outputs a comparison reports, per replication, in the order of compare.csv.

    For each target: whether it is met (target_probability), total EFLOPS and AI share at its
    month, and the month it is first met (reached_month, months from the horizon start; a
    replication in which it is never met counts as the month after the horizon, so a difference
    is then a bound). For each calendar year: facility energy and peak monthly facility power.
    Over the horizon: subsidy paid, voucher spend, carbon.
    """
    s = results.scenario
    start = s.horizon.start
    n_months = results.plan.n_months
    series = results.series
    met, reached = results.target_outcomes
    out: list[KeyOutput] = []
    for t, target in enumerate(s.targets):
        m = month_index(target.by, start)
        out.append(KeyOutput("target_probability", target.name, "share", met[:, t].astype(float)))
        out.append(KeyOutput("total_eflops", target.name, "EFLOPS", series["total_eflops"][:, m]))
        out.append(KeyOutput("intelligent_share", target.name, "share", series["intelligent_share"][:, m]))
        out.append(KeyOutput("reached_month", target.name, f"months from {start}",
                             np.minimum(reached[:, t], float(n_months)), "p50"))
    years = calendar_years(start, n_months)
    for year in np.unique(years):
        in_year = years == year
        out.append(KeyOutput("energy_mwh", str(int(year)), "MWh", series["energy_mwh"][:, in_year].sum(axis=1)))
        out.append(KeyOutput("peak_facility_mw", str(int(year)), "MW", series["facility_mw"][:, in_year].max(axis=1)))
    out.append(KeyOutput("subsidy_cny", "", "CNY", series["subsidy_cny"].sum(axis=1)))
    out.append(KeyOutput("voucher_cny", "", "CNY", series["voucher_cny"].sum(axis=1)))
    out.append(KeyOutput("carbon_t", "", "t", series["carbon_t"].sum(axis=1)))
    return out


def _stat(values: np.ndarray, stat: str) -> float:
    if stat == "p50":
        return float(np.quantile(values, 0.5, method="inverted_cdf"))
    return float(values.mean())


def paired_difference(base: np.ndarray, value: np.ndarray, deterministic: bool = False) -> tuple[float, float, float]:
    """(mean, CI low, CI high) of the per-replication differences ``value - base`` (95%, normal)."""
    diff = value - base
    mean = float(diff.mean())
    if diff.size < 2:
        half = 0.0 if deterministic else math.nan
    else:
        half = Z_95 * float(diff.std(ddof=1)) / math.sqrt(diff.size)
    return mean, mean - half, mean + half


def comparison_table(base: Results, variants: dict[str, Results]) -> pd.DataFrame:
    """compare.csv: one row per variant and key output (see :data:`COLUMNS`)."""
    base_outputs = key_outputs(base)
    rows = []
    for name, results in variants.items():
        deterministic = not has_uncertainty(base.scenario) and not has_uncertainty(results.scenario)
        for b, v in zip(base_outputs, key_outputs(results)):
            if np.isnan(b.values).all() and np.isnan(v.values).all():
                continue  # e.g. carbon without an emissions block
            mean, low, high = paired_difference(b.values, v.values, deterministic)
            rows.append({
                "variant": name, "output": b.output, "when": b.when, "unit": b.unit,
                "base": _stat(b.values, b.stat), "value": _stat(v.values, v.stat),
                "diff_mean": mean, "diff_ci_low": low, "diff_ci_high": high,
            })
    return pd.DataFrame(rows, columns=COLUMNS)


@dataclass
class Comparison:
    """What :func:`compare` returns: the comparison table and every run's :class:`Results`."""

    table: pd.DataFrame
    results: dict[str, Results]  # "base" first, then the variants in the order asked
    seed: int
    replications: int
    info: dict = field(default_factory=dict)

    def stacked(self, name: str) -> pd.DataFrame:
        """One of the run tables (monthly, annual, targets, projects) of every run, stacked."""
        return pd.concat([getattr(r, name) for r in self.results.values()], ignore_index=True)

    @property
    def monthly(self) -> pd.DataFrame:
        return self.stacked("monthly")

    @property
    def annual(self) -> pd.DataFrame:
        return self.stacked("annual")

    @property
    def targets(self) -> pd.DataFrame:
        return self.stacked("targets")

    @property
    def projects(self) -> pd.DataFrame:
        return self.stacked("projects")

    def ranking(self) -> pd.DataFrame:
        """Every run, best first: by the first target's probability (higher first), then public
        cost (subsidy paid + voucher spend over the horizon, lower first)."""
        rows = []
        for name, results in self.results.items():
            s = results.scenario
            series = results.series
            row = {
                "variant": name,
                "public_cost_cny": float((series["subsidy_cny"].sum(axis=1) + series["voucher_cny"].sum(axis=1)).mean()),
                "peak_facility_mw": float(series["facility_mw"].max(axis=1).mean()),
                "energy_mwh": float(series["energy_mwh"].sum(axis=1).mean()),
                "carbon_t": float(series["carbon_t"].sum(axis=1).mean()),
            }
            if s.targets:
                target = s.targets[0]
                met, reached = results.target_outcomes
                m = month_index(target.by, s.horizon.start)
                row["target"] = target.name
                row["probability"] = float(met[:, 0].mean())
                row["reached_p50"] = month_quantiles(s.horizon.start, results.plan.n_months, reached[:, 0])["p50"]
                row["total_eflops"] = float(series["total_eflops"][:, m].mean())
                if name != BASE:
                    diff = self.table[(self.table.variant == name) & (self.table.output == "target_probability")
                                      & (self.table["when"] == target.name)].iloc[0]
                    row["probability_diff"] = diff.diff_mean
                    row["probability_ci_low"] = diff.diff_ci_low
                    row["probability_ci_high"] = diff.diff_ci_high
            rows.append(row)
        table = pd.DataFrame(rows)
        keys = (["probability"] if "probability" in table else []) + ["public_cost_cny"]
        ascending = [False] * (len(keys) - 1) + [True]
        table = table.sort_values(keys, ascending=ascending, kind="stable").reset_index(drop=True)
        table.insert(0, "rank", range(1, len(table) + 1))
        return table

    def summary_text(self) -> str:
        """The ranked table that ``capsim compare`` prints."""
        base = self.results[BASE]
        s = base.scenario
        ranking = self.ranking()
        lines = [f"{s.name}: base and {len(self.results) - 1} variant(s), {self.replications:,} replication"
                 f"{'s' if self.replications != 1 else ''} each, seed {self.seed} (common random numbers)"]
        if "probability" in ranking:
            lines.append(f"ranked by P(target {ranking.target.iloc[0]!r} met by {s.targets[0].by}), then public cost; "
                         "difference to base: paired mean [95% CI]")
        else:
            lines.append("ranked by public cost (the scenario has no targets)")
        if len(self.results) == 1:
            lines.append("the scenario has no variants to compare: the base alone")
        header = ["rank", "variant"]
        if "probability" in ranking:
            header += ["P(met)", "vs base [95% CI]", "first met P50", "EFLOPS at target"]
        header += ["public cost CNY bn", "peak MW", "energy TWh", "carbon Mt"]
        body = []
        for row in ranking.itertuples(index=False):
            cells = [str(row.rank), row.variant]
            if "probability" in ranking:
                if row.variant == BASE:
                    vs = "-"
                else:
                    vs = (f"{row.probability_diff * 100:+.1f} pts [{row.probability_ci_low * 100:+.1f}, "
                          f"{row.probability_ci_high * 100:+.1f}]")
                cells += [f"{row.probability:.1%}", vs, row.reached_p50, f"{row.total_eflops:,.2f}"]
            cells += [f"{row.public_cost_cny / 1e9:,.2f}", f"{row.peak_facility_mw:,.0f}",
                      f"{row.energy_mwh / 1e6:,.2f}",
                      "-" if math.isnan(row.carbon_t) else f"{row.carbon_t / 1e6:,.2f}"]
            body.append(cells)
        widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
        align = ["<" if i == 1 else ">" for i in range(len(header))]
        for cells in [header] + body:
            lines.append("  ".join(format(c, f"{a}{w}") for c, a, w in zip(cells, align, widths)).rstrip())
        return "\n".join(lines)


def compare(
    scenario: Scenario,
    variants=None,
    replications: int | None = None,
    seed: int = 0,
    *,
    progress=None,
    jobs: int = 1,
    executor=None,
) -> Comparison:
    """Run the base scenario and each variant (None or ``"all"``: every variant, in file order; or
    a list of names, or ``"a,b"``) with the same seed; return a :class:`Comparison`.

    ``replications`` defaults to the largest :func:`~sim.default_replications` of the runs.
    ``progress``, if given, is called with (variant name, replications done). ``jobs`` and
    ``executor`` are passed to :func:`~sim.simulate` (results do not depend on them).
    """
    names = select(scenario, variants)
    scenarios = {BASE: apply_variant(scenario, None)}
    scenarios.update({name: apply_variant(scenario, name) for name in names})
    if replications is None:
        replications = max(default_replications(s) for s in scenarios.values())
    results = {}
    pool = None
    if executor is None and jobs > 1 and len(blocks(replications)) > 1:
        pool = executor = process_pool(min(jobs, len(blocks(replications))))  # one pool for every run
    try:
        for name, local in scenarios.items():
            report = None if progress is None else (lambda done, name=name: progress(name, done))
            results[name] = simulate(local, replications=replications, seed=seed, variant=name,
                                     progress=report, jobs=jobs, executor=executor)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    base = results[BASE]
    table = comparison_table(base, {n: r for n, r in results.items() if n != BASE})
    return Comparison(table=table, results=results, seed=int(seed), replications=base.replications)
