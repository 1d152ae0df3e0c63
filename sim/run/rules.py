"""The rules that recommend a policy from a robustness matrix (``capsim compare --across risks
--robust RULE``, :mod:`sim.run.robustness`), and the words that say how they decided.

For the ranked measure m (P(target met), or a ``--rank-by`` output; its mean per cell):

* **regret** of policy p in scenario s: how far it falls short of the best policy in s,
  ``max_q m(q, s) - m(p, s)`` (lower is better for outputs such as public cost: the sign turns);
* **worst case** of p: its lowest m over the scenarios (highest, when lower is better);
* **meets**: the share of scenarios in which p is on track, m(p, s) >= the scenario's
  ``decision.on_track`` (a target only).

The recommended policy is picked by a rule (``--robust``):

* ``minimax-regret`` (default): the smallest largest regret; ties by the better worst case;
* ``worst-case``: the best worst case (maximin); ties by the smaller largest regret;
* ``satisficing``: the largest share of scenarios on track; ties by the smaller largest regret.

Remaining ties go to the cheaper policy in public money (subsidy + vouchers over the horizon, its
mean in the base scenario; issue 23 section 3), then to the base, then by name.
"""

from __future__ import annotations

import math

import numpy as np

RULES = ("minimax-regret", "worst-case", "satisficing")
RULE_TEXT = {
    "minimax-regret": "minimax-regret: the smallest largest shortfall against the best policy in each scenario",
    "worst-case": "worst-case: the best result in its worst scenario",
    "satisficing": "satisficing: on track (P >= decision.on_track) in the most scenarios",
}


def percent_cell(value: float) -> str:
    """A probability in a matrix cell: whole percent, but never rounded to 0% or 100% when it is
    not exactly that: "<1%" for (0, 0.5%), ">99%" for [99.5%, 100%), as the regret beside it shows."""
    if 0 < value < 0.005:
        return "<1%"
    if 0.995 <= value < 1:
        return ">99%"
    return f"{value:.0%}"


PRIMARY = {"minimax-regret": ("largest regret", "the better worst case"),
           "worst-case": ("worst case", "the smaller largest regret"),
           "satisficing": ("share of scenarios on track", "the smaller largest regret")}
"""Per rule: what it decides by, and its tie-break (see the module docstring)."""


def tie_text(rule: str, primary: np.ndarray, chosen: int, shown: str, all_same: bool) -> str:
    """The sentence that says a rule's pick came from its tie-break; '' when the rule decided alone.
    ``shown``: the chosen policy's primary figure as printed; ``all_same``: every cell is equal (said apart)."""
    n = len(primary)
    tied = int(np.isclose(primary, primary[chosen], rtol=0, atol=1e-12).sum())
    what, breaker = PRIMARY[rule]
    if all_same or tied < 2:
        return ""
    if tied == n:
        return f"all {n} policies' {what} is {shown}: the {rule} rule decided by its tie-break, {breaker}"
    return f"{tied} policies tie on the {what} ({shown}): the tie is broken by {breaker}"


def regrets(values: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """(P, S) regret: each cell's shortfall against the best policy in its scenario (column)."""
    if higher_is_better:
        return values.max(axis=0, keepdims=True) - values
    return values - values.min(axis=0, keepdims=True)


def worst_cases(values: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    return values.min(axis=1) if higher_is_better else values.max(axis=1)


def shares_on_track(values: np.ndarray, threshold: float | None) -> np.ndarray:
    if threshold is None:
        return np.full(values.shape[0], np.nan)
    return (values >= threshold).mean(axis=1)


def rule_keys(values: np.ndarray, rule: str, higher_is_better: bool = True,
              threshold: float | None = None) -> list[tuple[float, float]]:
    """Per policy, the rule's (primary, secondary) keys, smaller is better (rounded, so that a tie in
    the matrix is a tie here whatever the float noise)."""
    max_regret = regrets(values, higher_is_better).max(axis=1)
    worst = worst_cases(values, higher_is_better)
    worst_key = -worst if higher_is_better else worst  # smaller is better
    if rule == "minimax-regret":
        keys = list(zip(max_regret, worst_key))
    elif rule == "worst-case":
        keys = list(zip(worst_key, max_regret))
    elif rule == "satisficing":
        keys = list(zip(-shares_on_track(values, threshold), max_regret))
    else:
        raise ValueError(f"unknown rule {rule!r}")
    return [tuple(round(float(k), 12) + 0.0 for k in key) for key in keys]


def choose(values: np.ndarray, rule: str, higher_is_better: bool = True, threshold: float | None = None,
           costs: np.ndarray | None = None, names: list[str] | None = None) -> int:
    """The row of the recommended policy by ``rule`` (see the module docstring): the rule's keys,
    then the lower public cost (``costs``, per row), then the base (row 0), then by name."""
    keys = rule_keys(values, rule, higher_is_better, threshold)
    cost = [0.0] * len(keys) if costs is None else [math.inf if math.isnan(c) else round(float(c)) for c in costs]
    name = [""] * len(keys) if names is None else names
    return min(range(len(keys)), key=lambda i: (keys[i], cost[i], i != 0, name[i], i))
