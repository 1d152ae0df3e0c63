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
from typing import TYPE_CHECKING

import numpy as np

from ..analysis.results import Results
from ..analysis.statistics import Z_95, paired_difference  # noqa: F401 - Z_95 re-exported
from ..engine.build import build_plan
from ..engine.draws import has_uncertainty
from ..months import calendar_years, month_index, month_label
from ..errors import ScenarioError
from ..scenario.schema import Scenario
from ..scenario.variants import BASE, apply_variant, select
from .memory import available_bytes, check_memory, replication_bytes
from .parallel import process_pool
from .kinds import grouped_lines, grouped_ranking
from .ranking import OUTPUTS_BY_NAME, check_rank_by, limit_binds
from .robustness import ACROSS, Robustness, cell_scenarios, check_across, check_robust, robustness
from .simulate import (BLOCK_SIZE, auto_jobs, check_scenario_argument, default_replications, n_blocks, simulate,
                       whole_number)

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["variant", "output", "when", "unit", "stat", "base", "value", "diff_mean", "diff_ci_low", "diff_ci_high",
           "bound"]
"""compare.csv. ``stat`` says which statistic across replications ``base`` and ``value`` are (``mean``, or
``p50`` for a month); ``bound`` is empty for an ordinary difference, ``lower`` when the variant never
met the target within the horizon in some replications (the true difference is at least this),
``upper`` when the base never did (at most this), ``censored`` when both never did in one replication
(neither)."""
TABLES = ("monthly", "annual", "targets", "projects", "sites")


@dataclass(frozen=True)
class KeyOutput:
    """One key output measured in every replication; ``stat`` summarises it across replications.
    ``censored`` marks the replications whose value is only a bound (a target never met: the month
    after the horizon stands in for it)."""

    output: str
    when: str
    unit: str
    values: np.ndarray  # (R,)
    stat: str = "mean"  # mean | p50
    censored: np.ndarray | None = None  # (R,) bool


def key_outputs(results: Results) -> list[KeyOutput]:
    """The outputs a comparison reports, per replication, in the order of compare.csv.

    For each target: whether it is met (target_probability), total EFLOPS and AI share at its
    month, and the month it is first met (reached_month, months from the horizon start; a
    replication in which it is never met counts as the month after the horizon, so a difference
    is then a bound). For each calendar year: facility energy and peak monthly facility power.
    Over the horizon: subsidy paid, voucher spend, carbon, and whether a shared limit ever bound
    (grid_binds, supply_binds: 1 in a replication in which some project phase waited for grid
    headroom / accelerators; only for a scenario with a ``grid`` / ``supply`` block).
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
                             np.minimum(reached[:, t], float(n_months)), "p50", reached[:, t] >= n_months))
    years = calendar_years(start, n_months)
    for year in np.unique(years):
        in_year = years == year
        out.append(KeyOutput("energy_mwh", str(int(year)), "MWh", series["energy_mwh"][:, in_year].sum(axis=1)))
        out.append(KeyOutput("peak_facility_mw", str(int(year)), "MW", series["facility_mw"][:, in_year].max(axis=1)))
    out.append(KeyOutput("subsidy_cny", "", "CNY", series["subsidy_cny"].sum(axis=1)))
    out.append(KeyOutput("voucher_cny", "", "CNY", series["voucher_cny"].sum(axis=1)))
    out.append(KeyOutput("carbon_t", "", "t", series["carbon_t"].sum(axis=1)))
    for name, binds in limit_binds(results).items():
        out.append(KeyOutput(f"{name}_binds", "", "share", binds))
    return out


def _stat(values: np.ndarray, stat: str) -> float:
    if stat == "p50":
        return float(np.quantile(values, 0.5, method="inverted_cdf"))
    return float(values.mean())


def _bound(base: KeyOutput, value: KeyOutput) -> str:
    """compare.csv's ``bound`` for one row (see :data:`COLUMNS`)."""
    if base.censored is None or value.censored is None:
        return ""
    b, v = base.censored, value.censored
    if (b & v).any() or (b.any() and v.any()):
        return "censored"
    return "lower" if v.any() else "upper" if b.any() else ""


def comparison_table(base: Results, variants: dict[str, Results]) -> pd.DataFrame:
    """compare.csv: one row per variant and key output (see :data:`COLUMNS`).

    Outputs are matched by (output, when): a target that a variant removes or renames, or a
    calendar year outside its horizon, has no row for it (see :func:`unmatched_targets`).
    """
    import pandas as pd  # imported when a table is made (about 0.2 s)
    rows = []
    for name, results in variants.items():
        deterministic = not has_uncertainty(base.scenario) and not has_uncertainty(results.scenario)
        theirs = {(k.output, k.when): k for k in key_outputs(results)}
        for b in key_outputs(base):
            v = theirs.get((b.output, b.when))
            if v is None:
                continue
            if np.isnan(b.values).all() and np.isnan(v.values).all():
                continue  # e.g. carbon without an emissions block
            mean, low, high = paired_difference(b.values, v.values, deterministic)
            rows.append({
                "variant": name, "output": b.output, "when": b.when, "unit": b.unit, "stat": b.stat,
                "base": _stat(b.values, b.stat), "value": _stat(v.values, v.stat),
                "diff_mean": mean, "diff_ci_low": low, "diff_ci_high": high, "bound": _bound(b, v),
            })
    return pd.DataFrame(rows, columns=COLUMNS)


def unmatched_targets(base: Results, variants: dict[str, Results]) -> dict[str, list[str]]:
    """{variant: targets in only one of the base and the variant} (they are not compared)."""
    out: dict[str, list[str]] = {}
    mine = [t.name for t in base.scenario.targets]
    for name, results in variants.items():
        theirs = [t.name for t in results.scenario.targets]
        only = [f"{t!r} (base only)" for t in mine if t not in theirs]
        only += [f"{t!r} ({name} only)" for t in theirs if t not in mine]
        if only:
            out[name] = only
    return out


@dataclass
class Comparison:
    """What :func:`compare` returns: the comparison table and every run's :class:`Results`.

    ``rank_by`` is what :meth:`ranking` and :meth:`summary_text` rank by unless told otherwise
    (see :mod:`sim.run.ranking`; None: the latest-dated plan target, else public cost)."""

    table: pd.DataFrame
    results: dict[str, Results]  # "base" first, then the variants in the order asked
    seed: int
    replications: int
    info: dict = field(default_factory=dict)
    rank_by: str | None = None
    robustness: Robustness | None = None  # the matrix, when run across risks (sim.run.robustness)

    def stacked(self, name: str) -> pd.DataFrame:
        """One of the run tables (monthly, annual, targets, projects) of every run, stacked."""
        import pandas as pd  # imported when a table is made (about 0.2 s)
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

    def _rank_by(self, rank_by: str | None) -> str:
        return check_rank_by(self.results[BASE].scenario, rank_by if rank_by is not None else self.rank_by)

    def ranking(self, rank_by: str | None = None) -> pd.DataFrame:
        """Every run, best first by ``rank_by`` (a plan target's name or an output of
        :data:`~sim.run.ranking.RANK_OUTPUTS`), then by public cost; see
        :func:`sim.run.ranking.ranking_table` for the columns (means across replications). When the
        scenario's variants say their kind, each kind is ranked apart, policies with the base first
        (:func:`sim.run.kinds.grouped_ranking`)."""
        return grouped_ranking(self.results, self._rank_by(rank_by))

    def verdict(self, rank_by: str | None = None) -> str:
        """The base's verdict line (:mod:`sim.analysis.verdict`), on the ranked target when it is one."""
        from ..analysis.summary import run_verdict
        chosen = self._rank_by(rank_by)
        return run_verdict(self.results[BASE], None if chosen in OUTPUTS_BY_NAME else chosen)

    def views_line(self, rank_by: str | None = None) -> str:
        """After the verdict: each view (``kind: view``) whose verdict class differs from the base's
        (:func:`sim.analysis.verdict.views_text`); '' when none does."""
        from ..analysis.verdict import verdict_probability, views_text
        chosen = self._rank_by(rank_by)
        chosen = None if chosen in OUTPUTS_BY_NAME else chosen  # as the verdict: the latest plan target
        s = self.results[BASE].scenario
        data = s.model_dump(mode="json", by_alias=True)
        views = {name: verdict_probability(data, r.targets, target_name=chosen) for name, r in self.results.items()
                 if name != BASE and name in s.variants and s.variants[name].kind == "view"}
        return views_text(data, verdict_probability(data, self.results[BASE].targets, target_name=chosen), views)

    def summary_text(self, rank_by: str | None = None) -> str:
        """The ranked table that ``capsim compare`` prints."""
        base = self.results[BASE]
        s = base.scenario
        chosen = self._rank_by(rank_by)
        lines = [f"verdict for the base (do nothing new): {self.verdict(chosen)}",
                 f"{s.name}: base and {len(self.results) - 1} variant(s), {self.replications:,} replication"
                 f"{'s' if self.replications != 1 else ''} each, seed {self.seed} (every variant on the same simulated futures: common random numbers)"]
        views = self.views_line(chosen)
        lines[1:1] = [views] if views else []
        if len(self.results) == 1:
            lines.append("the scenario has no variants to compare: the base alone")
        end = month_label(s.horizon.start, base.plan.n_months - 1)
        lines += grouped_lines(s, self.ranking(chosen), chosen, end, self.results)
        unmatched = unmatched_targets(base, {n: r for n, r in self.results.items() if n != BASE})
        lines += [f"not compared, targets in only one of base and {name}: {', '.join(only)}"
                  for name, only in unmatched.items()]
        if self.robustness is not None:
            lines += self.robustness.lines()
            chosen_policy = self.robustness.recommended
            if chosen_policy != BASE:
                from ..analysis.summary import run_verdict
                target = None if chosen in OUTPUTS_BY_NAME else chosen
                lines.append(f"verdict for {chosen_policy} (in the base scenario): "
                             f"{run_verdict(self.results[chosen_policy], target)}")
        return "\n".join(lines)


def selected_variants(scenario: Scenario, variants) -> list[str]:
    """The variants to compare (:func:`~sim.scenario.variants.select`); at least one, or a ScenarioError."""
    names = select(scenario, variants)
    if not names:
        have = ", ".join(scenario.variants) or "none"
        raise ScenarioError(f"--variants: no variants selected (got {variants!r}; this scenario's variants: {have}); "
                            "a comparison needs at least one variant besides the base")
    return names


def compare(
    scenario: Scenario,
    variants=None,
    replications: int | None = None,
    seed: int = 0,
    *,
    progress=None,
    jobs: int | None = 1,
    executor=None,
    rank_by: str | None = None,
    memory_limit_bytes: int | None = None,
    across: str | None = None,
    robust: str = "minimax-regret",
) -> Comparison:
    """Run the base scenario and each variant (None or ``"all"``: every variant, in file order; or
    a list of names, or ``"a,b"``) with the same seed; return a :class:`Comparison`.

    ``replications`` defaults to the largest :func:`~sim.default_replications` of the runs.
    ``progress``, if given, is called with (variant name, replications done). ``jobs`` and
    ``executor`` are passed to :func:`~sim.simulate` (results do not depend on them; ``jobs=None``:
    :func:`~sim.run.simulate.auto_jobs` for all the runs together). ``rank_by`` (a plan target's
    name or an output, see :mod:`sim.run.ranking`) is checked before anything is simulated and
    kept as the comparison's default ranking. Every run is kept until the end, so the memory
    check before the first run counts all of them (:class:`~sim.run.memory.MemoryLimitError` if
    they exceed ``memory_limit_bytes``, default: available memory). No variant selected is a
    :class:`~sim.errors.ScenarioError`.

    ``across="risks"`` also runs every policy variant under every risk variant (the base among
    both) with the same seed, and keeps the matrix as ``Comparison.robustness``; ``robust`` is the
    rule that recommends a policy (:mod:`sim.run.robustness`). Both are checked before anything
    is simulated.
    """
    check_scenario_argument(scenario, "compare")
    if replications is not None:
        replications = whole_number("replications", replications, 1)
    seed = whole_number("seed", seed, 0)
    if jobs is not None:
        jobs = whole_number("jobs", jobs, 1)
    names = selected_variants(scenario, variants)
    chosen = check_rank_by(scenario, rank_by)
    matrix = None
    if across is not None:
        if across not in ACROSS:
            raise ScenarioError(f"--across: unknown {across!r}; choose {', '.join(ACROSS)}")
        check_robust(scenario, robust, chosen)
        matrix = check_across(scenario, names)
        cells = cell_scenarios(scenario, *matrix)  # each validated before anything runs
    scenarios = {BASE: apply_variant(scenario, None)}
    scenarios.update({name: apply_variant(scenario, name) for name in names})
    if replications is None:
        replications = max(default_replications(s) for s in scenarios.values())
    plans = [build_plan(s) for s in scenarios.values()]
    if jobs is None:
        jobs = auto_jobs(plans[0], replications * len(scenarios))
    local_workers = 1 if executor is not None else max(1, min(jobs, n_blocks(replications)))
    # every run's results are kept until the table is built: the memory needed is their sum
    limit = available_bytes() if memory_limit_bytes is None else memory_limit_bytes
    check_memory(plans, replications, BLOCK_SIZE, local_workers, limit)
    results = {}
    pool = None
    if executor is None and local_workers > 1:
        pool = executor = process_pool(local_workers)  # one pool for every run
    try:
        for (name, local), plan in zip(scenarios.items(), plans):
            report = None if progress is None else (lambda done, name=name: progress(name, done))
            # what the runs before this one keep is already counted: check this one against the rest
            left = None if limit is None else limit - sum(replications * replication_bytes(r.plan) for r in results.values())
            results[name] = simulate(local, replications=replications, seed=seed, variant=name,
                                     progress=report, jobs=jobs, executor=executor, memory_limit_bytes=left)
        if matrix is not None:
            def run(name: str, local: Scenario) -> Results:
                report = None if progress is None else (lambda done, name=name: progress(name, done))
                left = None if limit is None else limit - sum(replications * replication_bytes(r.plan)
                                                                for r in results.values())
                return simulate(local, replications=replications, seed=seed, variant=name, progress=report,
                                jobs=jobs, executor=executor, memory_limit_bytes=left)
            matrix = robustness(scenario, results, *matrix, chosen, robust, run, cells)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    base = results[BASE]
    table = comparison_table(base, {n: r for n, r in results.items() if n != BASE})
    return Comparison(table=table, results=results, seed=int(seed), replications=base.replications,
                      rank_by=rank_by, robustness=matrix)
