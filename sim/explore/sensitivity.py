"""Which inputs decide an output: sensitivity indices of the samples' key outputs.

* ``sobol`` (SALib, Saltelli/Jansen estimators): the first-order index S1 (the share of the
  output's variance that the input explains alone) and the total index ST (alone and with every
  interaction), each with a 95% bootstrap interval. For an output linear in independent inputs,
  S1 = ST = a_i^2 var(x_i) / sum_j a_j^2 var(x_j).
* ``morris`` (SALib, 4 levels): mu* (the mean absolute elementary effect: the change of the
  output per full range of the input, measured over steps of 2/3 of the range on the unit cube,
  so inputs are comparable; for ``y = a x`` with x over [low, high] it is |a| (high - low)) with a
  95% bootstrap interval, and sigma (the spread of the effects: interactions or non-linearity).
* ``lhs``: Spearman's rank correlation between input and output, with a 95% bootstrap interval
  (a Latin hypercube is for scenario discovery; this only orders the inputs).

Indices are computed for every output, and per calendar year for the time-dependent ones
(energy, peak power, EFLOPS at year end). An output that does not vary over the samples has no
indices. Each index is marked ``stable`` or not: an interval wider than +-:data:`WIDE_HALF_WIDTH`
(Sobol, Spearman; Morris: wider than half of mu* and than a tenth of the largest mu* of that
output) or an S1 below :data:`NEGATIVE_S1` (impossible for the true index: estimation noise) means
N is too small for the figure to be read as fact.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .design import Design
from .evaluate import Output

COLUMNS = ["output", "year", "parameter", "method", "index", "value", "ci_low", "ci_high", "stable"]
WIDE_HALF_WIDTH = 0.1
NEGATIVE_S1 = -0.05
BOOTSTRAP_RESAMPLES = 200
CONFIDENCE = 0.95
MAIN_INDEX = {"sobol": "ST", "morris": "mu_star", "lhs": "spearman"}
"""The index that ranks the inputs, per method."""
LONGEST_SLUG = 60
"""A name's part of a file name or chart id is at most this long (plus a hash when cut)."""


def slugs(names: Iterable[str]) -> dict[str, str]:
    """{name: its part of a file name or chart id}, distinct for distinct names: the name in lower
    case with every run of characters other than a-z and 0-9 made one '-' (``Plan A`` ->
    ``plan-a``), followed by 8 hex digits of the name's SHA-256 when that is empty (a Chinese
    name), cut to :data:`LONGEST_SLUG`, or shared with another name (``Plan A`` and ``plan-a``).

    The one naming of explore's plot files (``plots/pmet-<slug>.png``, written by
    :mod:`sim.output.explore`) and of the report's charts of the same outputs
    (:mod:`sim.report.study_charts`); names already distinct keep their plain slug."""
    names = list(dict.fromkeys(str(n) for n in names))
    full = {n: re.sub(r"[^a-z0-9]+", "-", n.lower()).strip("-") for n in names}
    plain = {n: full[n][:LONGEST_SLUG].strip("-") for n in names}
    shared = Counter(plain.values())

    def hashed(name: str, digits: int) -> str:
        return "-".join(part for part in (plain[name], hashlib.sha256(name.encode("utf-8", "surrogatepass"))
                                          .hexdigest()[:digits]) if part)

    out = {n: hashed(n, 8) if not plain[n] or shared[plain[n]] > 1 or plain[n] != full[n] else plain[n]
           for n in names}
    if len(set(out.values())) < len(out):  # a hashed slug equal to another's plain one: longer hashes
        out = {n: hashed(n, 64) if out[n] != plain[n] or Counter(out.values())[out[n]] > 1 else out[n]
               for n in names}
    return out


def varies(values: np.ndarray) -> bool:
    """True when an output takes more than one value over the samples (relative to its size)."""
    values = values[np.isfinite(values)]
    if values.size < 2:
        return False
    scale = max(abs(float(values.max())), abs(float(values.min())), 1e-300)
    return float(values.max() - values.min()) > 1e-12 * scale


def sensitivity_table(design: Design, outputs: list[Output], means: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """sensitivity.csv: one row per (output, year, parameter, index), see :data:`COLUMNS`.

    ``means`` is (samples, outputs), in the order of ``design`` and ``outputs``."""
    rows: list[dict] = []
    for j, out in enumerate(outputs):
        y = means[:, j]
        if not varies(y):
            continue
        base = {"output": out.output, "year": out.year, "method": design.method}
        for parameter, index, value, half in _indices(design, y, seed):
            rows.append({**base, "parameter": parameter, "index": index, "value": value,
                         "ci_low": value - half, "ci_high": value + half})
    table = pd.DataFrame(rows, columns=COLUMNS[:-1])
    table["year"] = table["year"].astype("Int64")
    table["stable"] = _stable(table)
    return table[COLUMNS]


def _indices(design: Design, y: np.ndarray, seed: int):
    """(parameter, index, value, CI half-width) for one output."""
    problem = design.problem
    names = problem["names"]
    if design.method == "sobol":
        from SALib.analyze import sobol

        result = sobol.analyze(problem, y, calc_second_order=False, num_resamples=BOOTSTRAP_RESAMPLES,
                               conf_level=CONFIDENCE, seed=seed)
        for i, name in enumerate(names):
            yield name, "S1", float(result["S1"][i]), float(result["S1_conf"][i])
            yield name, "ST", float(result["ST"][i]), float(result["ST_conf"][i])
    elif design.method == "morris":
        from SALib.analyze import morris

        from .design import MORRIS_LEVELS

        result = morris.analyze(problem, design.unit, y, num_resamples=BOOTSTRAP_RESAMPLES,
                                conf_level=CONFIDENCE, num_levels=MORRIS_LEVELS, seed=seed)
        for i, name in enumerate(names):
            yield name, "mu_star", float(result["mu_star"][i]), float(result["mu_star_conf"][i])
            yield name, "sigma", float(result["sigma"][i]), math.nan
    else:
        for i, name in enumerate(names):
            value, half = spearman(design.unit[:, i], y, np.random.default_rng([seed, i]))
            yield name, "spearman", value, half


def spearman(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """Spearman's rank correlation and the half-width of its 95% bootstrap interval (percentile
    interval, symmetrised: the larger of the two distances from the estimate)."""

    def rho(a: np.ndarray, b: np.ndarray) -> float:
        ra, rb = _ranks(a), _ranks(b)
        if ra.std() == 0 or rb.std() == 0:
            return 0.0
        return float(np.corrcoef(ra, rb)[0, 1])

    value = rho(x, y)
    picks = rng.integers(0, len(x), size=(BOOTSTRAP_RESAMPLES, len(x)))
    boot = np.array([rho(x[p], y[p]) for p in picks])
    low, high = np.quantile(boot, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2])
    return value, float(max(value - low, high - value))


def _ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank)."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=float)
    ranks[order] = np.arange(len(values), dtype=float)
    unique, inverse = np.unique(values, return_inverse=True)
    sums = np.bincount(inverse, weights=ranks)
    counts = np.bincount(inverse)
    return (sums / counts)[inverse]


def _stable(table: pd.DataFrame) -> pd.Series:
    half = (table["ci_high"] - table["ci_low"]) / 2
    stable = ~(half > WIDE_HALF_WIDTH)
    stable &= ~((table["index"] == "S1") & (table["value"] < NEGATIVE_S1))
    morris = table["index"] == "mu_star"
    if morris.any():
        largest = table[morris].groupby(["output", "year"], dropna=False)["value"].transform("max")
        wide = (half[morris] > 0.5 * table.loc[morris, "value"]) & (half[morris] > 0.1 * largest)
        stable[morris] = ~wide
        stable[table["index"] == "sigma"] = True
    return stable.astype(bool)


def ranking(table: pd.DataFrame, method: str, outputs: list[str]) -> pd.DataFrame:
    """Inputs ranked by the method's main index (:data:`MAIN_INDEX`, absolute value) averaged over
    ``outputs`` (whole-run outputs, no years; those without indices are left out; Morris mu* is
    first divided by the largest mu* of its output). One row per parameter: ``rank, parameter,
    score`` and one column per output with the index."""
    index = MAIN_INDEX[method]
    rows = table[(table["index"] == index) & table["year"].isna() & table["output"].isin(outputs)]
    if rows.empty:
        return pd.DataFrame(columns=["rank", "parameter", "score"])
    wide = rows.pivot(index="parameter", columns="output", values="value")
    wide = wide[[o for o in outputs if o in wide.columns]]
    scores = wide.abs()
    if method == "morris":
        scores = scores / scores.max().replace(0, np.nan)
    order = list(dict.fromkeys(table["parameter"]))
    result = wide.reindex(order)
    result.insert(0, "score", scores.reindex(order).mean(axis=1))
    result = result.reset_index().sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    result.insert(0, "rank", range(1, len(result) + 1))
    unstable = table[(table["index"] == index) & ~table["stable"]].groupby("parameter").size()
    result["unstable"] = result["parameter"].map(unstable).fillna(0).astype(int)
    return result


def year_matrix(table: pd.DataFrame, output: str, index: str) -> pd.DataFrame:
    """The per-year indices of one output: parameters (rows) x years (columns)."""
    rows = table[(table["output"] == output) & (table["index"] == index) & table["year"].notna()]
    return rows.pivot(index="parameter", columns="year", values="value")
