"""Every policy under every risk: the robustness matrix and the rules that pick a policy.

``capsim compare --across risks`` runs each policy (the base, "do nothing new", and every
variant of ``kind: policy``) under each scenario of the world (the base and every variant of
``kind: risk``). A policy under a risk is the scenario with both variants applied, the policy's
changes first, then the risk's (:func:`~sim.scenario.variants.combine_variants`; two variants that
set the same value are refused). Every cell is run with the same seed and replications, so
replication r of every cell sees the same draws (common random numbers, :mod:`sim.run.compare`).

The rules that pick a policy from the matrix (``--robust``: minimax-regret, worst-case,
satisficing, and their tie-breaks) are :mod:`sim.run.rules`'s.
Each cell also carries its paired difference to the base policy in the same scenario, with the
95% interval of :func:`~sim.analysis.statistics.paired_difference`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..analysis.statistics import paired_difference
from ..engine.draws import has_uncertainty
from ..errors import ScenarioError
from ..scenario.schema import Scenario
from ..scenario.variants import BASE, clash_text, clashing_paths, combine_variants
from .ranking import OUTPUTS_BY_NAME, rank_values
from .rules import (  # noqa: F401 (tie_text re-exported: sim.report.decisions imports it from here)
    RULE_TEXT, RULES, choose, percent_cell, regrets, rule_keys, shares_on_track, tie_text, worst_cases)

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.results import Results

ACROSS = ("risks",)
COLUMNS = ["policy", "scenario", "measure", "value", "regret", "diff_vs_base", "diff_ci_low", "diff_ci_high",
           "worst_case", "max_regret", "share_on_track", "assumed_behaviour", "rule", "recommended", "on_track",
           "public_cost_cny"]
"""robustness.csv: one row per (policy, scenario). ``value`` is the measure's mean in the cell;
``regret`` its shortfall against the best policy in that scenario; ``diff_vs_base`` and its interval
the paired difference to the base policy in the same scenario; ``worst_case``, ``max_regret`` and
``share_on_track`` are the policy's (repeated on each of its rows); ``rule`` the rule that picked
the recommended policy, ``recommended`` 1 on its rows, else 0; ``on_track`` 1 when the cell is on
track (value >= decision.on_track; empty for an output), so a scenario whose rows are all 0 is one
in which no policy is on track; ``public_cost_cny`` the policy's public cost (its mean in the base
scenario), the last tie-break."""
MIN_REPLICATIONS = 30
"""Below this many replications (of a matrix with uncertainty) the output warns that the choice may
not be stable."""


def check_robust(scenario: Scenario, rule: str, rank_by: str) -> None:
    """A rule capsim knows, and one the measure allows (satisficing needs a target)."""
    if rule not in RULES:
        raise ScenarioError(f"--robust: unknown rule {rule!r}; choose one of {', '.join(RULES)}")
    if rule == "satisficing" and rank_by in OUTPUTS_BY_NAME:
        raise ScenarioError(f"--robust satisficing: needs a target to rank by (on track = P >= decision.on_track); "
                            f"--rank-by {rank_by} is an output: choose minimax-regret or worst-case")


def members(scenario: Scenario, names: list[str]) -> tuple[list[str], list[str]]:
    """(policies, scenarios) of the matrix among the compared variants ``names``, each with the base first."""
    policies = [BASE] + [n for n in names if scenario.variants[n].kind == "policy"]
    risks = [BASE] + [n for n in names if scenario.variants[n].kind == "risk"]
    return policies, risks


def check_across(scenario: Scenario, names: list[str]) -> tuple[list[str], list[str]]:
    """The matrix's policies and scenarios; at least one of each besides the base, and no two
    variants of a cell setting the same value (one ScenarioError line each, before anything runs)."""
    policies, risks = members(scenario, names)
    if len(policies) == 1 or len(risks) == 1:
        missing = "kind: policy" if len(policies) == 1 else "kind: risk"
        hint = ("; the scenario's variants say no kind: add kind: policy | risk | assumption | view to each "
                "(docs/decisions.md)" if not any(v.kind for v in scenario.variants.values())
                else "; the matrix needs at least one policy and one risk")
        raise ScenarioError(f"--across risks: no variant with {missing} among those compared "
                            f"({', '.join(names)}){hint}")
    for p in policies[1:]:
        for r in risks[1:]:
            clash = clashing_paths(scenario, scenario.variants[p].set_, scenario.variants[r].set_)
            if clash:
                raise ScenarioError(f"--across risks: policy {p!r} and risk {r!r} both set {clash_text(clash[0])}: the policy "
                                    "cannot be applied under the risk (write a variant that sets both as you mean "
                                    "them)")
    return policies, risks


@dataclass
class Robustness:
    """The matrix of a comparison run ``--across risks``."""

    policies: list[str]
    scenarios: list[str]
    measure: str  # the rank_by name
    label: str  # the measure in words
    values: np.ndarray  # (P, S) means
    diffs: np.ndarray  # (P, S, 3) paired difference to the base policy: mean, low, high
    higher_is_better: bool
    threshold: float | None  # decision.on_track when the measure is a target
    rule: str
    assumed: dict[str, str] = field(default_factory=dict)  # policy -> assumed behaviour ('' none)
    costs: np.ndarray | None = None  # (P,) public cost in CNY, mean in the base scenario: the last tie-break
    replications: int | None = None
    uncertain: bool = False  # whether some cell draws anything (else one run is the answer)

    def _choose(self, rule: str) -> int:
        return choose(self.values, rule, self.higher_is_better, self.threshold, self.costs, self.policies)

    @property
    def recommended(self) -> str:
        return self.policies[self._choose(self.rule)]

    def picks(self) -> dict[str, str]:
        """The policy every rule would recommend."""
        return {rule: self.policies[self._choose(rule)]
                for rule in RULES if rule != "satisficing" or self.threshold is not None}

    def table(self) -> pd.DataFrame:
        """robustness.csv (see :data:`COLUMNS`)."""
        import pandas as pd  # imported when a table is made (about 0.2 s)
        regret = regrets(self.values, self.higher_is_better)
        worst = worst_cases(self.values, self.higher_is_better)
        share = shares_on_track(self.values, self.threshold)
        best = self.recommended
        rows = []
        for i, policy in enumerate(self.policies):
            for j, scenario in enumerate(self.scenarios):
                rows.append({
                    "policy": policy, "scenario": scenario, "measure": self.measure,
                    "value": float(self.values[i, j]), "regret": float(regret[i, j]),
                    "diff_vs_base": float(self.diffs[i, j, 0]), "diff_ci_low": float(self.diffs[i, j, 1]),
                    "diff_ci_high": float(self.diffs[i, j, 2]),
                    "worst_case": float(worst[i]), "max_regret": float(regret[i].max()),
                    "share_on_track": float(share[i]), "assumed_behaviour": self.assumed.get(policy, ""),
                    "rule": self.rule, "recommended": int(policy == best),
                    "on_track": (math.nan if self.threshold is None
                                 else int(bool(self.values[i, j] >= self.threshold))),
                    "public_cost_cny": math.nan if self.costs is None else float(self.costs[i]),
                })
        return pd.DataFrame(rows, columns=COLUMNS)

    def _cell(self, value: float) -> str:
        if math.isnan(value):
            return "-"
        if self.measure in OUTPUTS_BY_NAME:
            o = OUTPUTS_BY_NAME[self.measure]
            return format(value * o.scale, o.fmt)
        return percent_cell(value)

    def _points(self, value: float) -> str:
        if self.measure in OUTPUTS_BY_NAME:
            o = OUTPUTS_BY_NAME[self.measure]
            return format(value * o.scale, o.fmt)
        return f"{value * 100:.1f} points"

    def lines(self) -> list[str]:
        """The matrix as ``capsim compare --across risks`` prints it, and the recommendation."""
        regret = regrets(self.values, self.higher_is_better)
        worst = worst_cases(self.values, self.higher_is_better)
        share = shares_on_track(self.values, self.threshold)
        lines = [f"-- robustness: every policy under every risk (the same simulated futures in every cell), {self.label} per cell",
                 "   a cell = the policy's changes, then the risk's; regret = shortfall against the best policy "
                 "in that column"]
        header = ["policy \\ scenario"] + self.scenarios + ["worst case", "max regret"]
        if self.threshold is not None:
            header.append(f"on track (>= {self.threshold:.0%})")
        body = []
        for i, policy in enumerate(self.policies):
            mark = "*" if self.assumed.get(policy) else ""
            cells = [policy + mark] + [self._cell(v) for v in self.values[i]]
            cells += [self._cell(worst[i]), self._points(regret[i].max())]
            if self.threshold is not None:
                cells.append(f"{int(round(share[i] * len(self.scenarios)))} of {len(self.scenarios)}")
            body.append(cells)
        widths = [max(len(r[k]) for r in [header] + body) for k in range(len(header))]
        for cells in [header] + body:
            lines.append("  " + "  ".join(format(c, ("<" if k == 0 else ">") + str(w))
                                          for k, (c, w) in enumerate(zip(cells, widths))).rstrip())
        if any(self.assumed.values()):
            lines.append("  * rests on an assumed investor response to the capex subsidy (go_probability_bonus, "
                         "delay_reduction_months)")
        best = self.recommended
        i = self.policies.index(best)
        same = bool(np.all(self.values == self.values[:1]))
        if same:
            others = ", ".join(m for m in ("public_cost", "eflops", "peak_mw") if m != self.measure)
            lines.append(f"every policy scores the same in every scenario ({self._cell(self.values[0, 0])}): no rule "
                         f"separates them{self._decided(self.rule)[1]}; rank by another measure with --rank-by "
                         f"(e.g. {others})")
        lines += self.nothing_on_track()
        lines.append(f"recommended: {best} (max regret {self._points(regret[i].max())}, worst case "
                     f"{self._cell(worst[i])}), by the rule {RULE_TEXT[self.rule]}; choose with --robust")
        if self.rule == "satisficing" and not np.any(share > 0):
            lines.append(f"no policy is on track in any scenario; the rule falls back to the smaller largest regret"
                         f"{self._decided(self.rule, fallback=True)[1]}")
        elif not same:
            tie = self._decided(self.rule)[0]
            lines += [tie] if tie else []
        others = []
        for rule, pick in self.picks().items():
            if rule != self.rule:
                how = self._decided(rule, short=True)[0]
                others.append(f"{rule} picks {pick}" + (f" ({how})" if how else ""))
        if others:
            lines.append("the other rules: " + "; ".join(others))
        warning = self.stability_warning()
        lines += [warning] if warning else []
        return lines

    def _cost(self, i: int) -> str:
        return f"{self.costs[i] / 1e9:,.2f} bn CNY" if self.costs is not None else "?"

    def _decided(self, rule: str, short: bool = False, fallback: bool = False) -> tuple[str, str]:
        """(the sentence saying what decided among the policies tied on the rule's first key, '' when
        nothing tied; the clause after the keys: how the policies that tie on every key were told apart)."""
        keys = rule_keys(self.values, rule, self.higher_is_better, self.threshold)
        i = self._choose(rule)
        first, second = {"minimax-regret": ("largest regret", "worst case"),
                         "worst-case": ("worst case", "largest regret"),
                         "satisficing": ("share of scenarios on track", "largest regret")}[rule]
        primary = [k for k in range(len(keys)) if keys[k][0] == keys[i][0]]
        both = [k for k in primary if keys[k] == keys[i]]
        if len(both) == 1:
            clause = f": {self.policies[i]}" if fallback else ""
            text = "" if len(primary) == 1 else (
                f"{len(primary)} tie on the {first}, decided by the "
                f"{'better worst case' if rule == 'minimax-regret' else 'smaller largest regret'}" if short else
                f"{len(primary)} policies tie on the {first}: the tie is broken by "
                f"{'the better worst case' if rule == 'minimax-regret' else 'the smaller largest regret'}")
            return text, clause
        costs = [self.costs[k] if self.costs is not None else math.nan for k in both]
        cheaper = self.costs is not None and sum(round(c) == round(self.costs[i]) for c in costs) == 1
        if cheaper:
            clause = f"; the cheaper in public money, {self.policies[i]} ({self._cost(i)}), is chosen"
        elif i == 0:
            clause = "; they cost the same public money, so the base (do nothing new) is kept"
        else:
            clause = f"; they cost the same public money, so {self.policies[i]} is chosen (first by name)"
        if fallback:
            return "", f", which {len(both)} policies tie on too{clause}"
        if short:
            how = ("the cheaper in public money" if cheaper else "the same public cost, so the base is kept" if i == 0
                   else "the same public cost, so by name")
            return f"{len(both)} tie on the {first} and the {second}, decided by {how}", clause
        return f"{len(both)} policies tie on the {first} and the {second}{clause}", clause

    def nothing_on_track(self) -> list[str]:
        """One sentence per scenario in which no policy is on track (a target only)."""
        if self.threshold is None:
            return []
        lines = []
        for j, scenario in enumerate(self.scenarios):
            column = self.values[:, j]
            if np.any(column >= self.threshold) or np.isnan(column).all():
                continue
            k = int(np.nanargmax(column))
            best = [self.policies[q] for q in range(len(column)) if column[q] == column[k]]
            who = best[0] if len(best) == 1 else ("every policy" if len(best) == len(column) else ", ".join(best))
            where = "in the base scenario" if scenario == BASE else f"under {scenario}"
            figure = f"{column[k]:.1%}" if self.measure not in OUTPUTS_BY_NAME else self._cell(column[k])
            lines.append(f"no policy is on track {where} (best: {who} at {figure}; on track at "
                         f">= {self.threshold:.0%})")
        return lines

    def stability_warning(self) -> str:
        """One line when the cells rest on fewer than :data:`MIN_REPLICATIONS` runs of an uncertain scenario."""
        n = self.replications
        if not self.uncertain or n is None or n >= MIN_REPLICATIONS:
            return ""
        runs = f"{n} run{'s' if n != 1 else ''}"
        if self.threshold is None:
            return (f"warning: each cell is the mean of {runs}, so the choice may not be stable; run at least "
                    f"{MIN_REPLICATIONS} with -r")
        z = 1.959963984540054
        half = z / (1 + z * z / n) * math.sqrt(0.25 / n + z * z / (4 * n * n))  # Wilson, widest at P = 50%
        return (f"warning: each cell is P from {runs}: its 95% interval (Wilson) is up to +-{half * 100:.0f} points, "
                f"so the choice may not be stable; run at least {MIN_REPLICATIONS} with -r")


def cell_scenarios(scenario: Scenario, policies: list[str], risks: list[str]) -> dict[tuple[str, str], Scenario]:
    """Every policy (not the base) under every risk (not the base), built and validated: a cell
    that is not a valid scenario is a ScenarioError before anything is simulated."""
    return {(p, r): combine_variants(scenario, p, r) for p in policies[1:] for r in risks[1:]}


def robustness(scenario: Scenario, results: dict[str, Results], policies: list[str], risks: list[str],
               rank_by: str, rule: str, run, cells: dict[tuple[str, str], Scenario] | None = None) -> Robustness:
    """The matrix of ``policies`` x ``risks`` by ``rank_by``.

    ``results`` holds the runs a comparison already made (the base, each policy alone, each risk
    alone); ``run(name, scenario)`` simulates one more cell with the comparison's seed and
    replications and returns its Results (``cells``: those scenarios, built beforehand by
    :func:`cell_scenarios`). Only the per-replication values of the measure are kept of each extra
    cell.
    """
    from .kinds import assumed_behaviour
    values = np.full((len(policies), len(risks)), np.nan)
    diffs = np.full((len(policies), len(risks), 3), np.nan)
    per_rep: dict[tuple[int, int], np.ndarray] = {}
    uncertain: dict[tuple[int, int], bool] = {}
    assumed = {}
    costs = np.array([float(np.mean(rank_values(results[p], "public_cost"))) for p in policies])
    for i, policy in enumerate(policies):
        for j, risk in enumerate(risks):
            if policy == BASE or risk == BASE:
                cell = results[risk if policy == BASE else policy]
            else:
                local = cells[policy, risk] if cells is not None else combine_variants(scenario, policy, risk)
                cell = run(f"{policy}+{risk}", local)
            if j == 0:
                assumed[policy] = assumed_behaviour(cell.scenario)
            per_rep[i, j] = rank_values(cell, rank_by)
            uncertain[i, j] = has_uncertainty(cell.scenario)
            values[i, j] = float(np.mean(per_rep[i, j]))
    for i in range(len(policies)):
        for j in range(len(risks)):
            if i == 0:
                diffs[i, j] = (0.0, 0.0, 0.0)
            else:
                deterministic = not uncertain[0, j] and not uncertain[i, j]
                diffs[i, j] = paired_difference(per_rep[0, j], per_rep[i, j], deterministic)
    higher = rank_by not in OUTPUTS_BY_NAME or OUTPUTS_BY_NAME[rank_by].higher_is_better
    if rank_by in OUTPUTS_BY_NAME:
        label, threshold = OUTPUTS_BY_NAME[rank_by].label, None
    else:
        label, threshold = f"P({rank_by!r} met)", scenario.decision.on_track
    return Robustness(policies, risks, rank_by, label, values, diffs, higher, threshold, rule, assumed, costs,
                      results[BASE].replications, any(uncertain.values()))
