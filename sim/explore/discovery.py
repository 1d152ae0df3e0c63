"""In which futures is a target missed: scenario discovery with PRIM.

A sample "misses" a target when its P(met) over the replications is below the exploration's
probability (``--probability``, default 0.9). PRIM (the Patient Rule Induction Method, Friedman
and Fisher 1999) looks for a box in the space of the explored inputs (a range on a few of them) in
which missing is much more common than overall. Like a sculptor taking thin slices off a block:
at each step it tries cutting :data:`PEEL_ALPHA` (5%) of the samples still inside off the low or
the high end of each input (with ties, all samples of the cut value: a Sobol design repeats each
value k + 1 times), keeps the cut that raises the share of misses inside the most per
sample removed, and stops when no cut raises it or the box would hold less than
:data:`MASS_MIN` of the samples. Each step of this peeling trajectory has

* coverage: the share of all missing samples that are inside the box,
* density: the share of the samples inside the box that miss,
* mass: the share of all samples inside the box, and res_dim: how many inputs it restricts.

Peeling trades coverage for density. The box reported (``chosen``) starts from the densest step
that still covers at least :data:`MIN_COVERAGE` of the misses (the earliest on a tie) and is then
pruned: a restriction whose release lowers the density by at most :data:`PRUNE_DENSITY` is
released (peeling also trims slivers off inputs that have nothing to do with the misses). The
whole trajectory is written too, so another trade-off can be read off it.

This is a small implementation of PRIM's peeling phase (no pasting, one box), the same peeling as
EMA Workbench's ``ema_workbench.analysis.prim`` with its default objective. EMA Workbench itself
is not used: it installs scikit-learn, statsmodels, seaborn and Platypus besides (about 150 MB),
takes 5-11 s to import on the development machine (its logging decorators inspect the call stack
of every class they wrap) and warns on import.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design import Design, fmt, percent
from .evaluate import Output

COLUMNS = ["target", "step", "coverage", "density", "mass", "res_dim", "chosen", "parameter", "low", "high"]
MIN_COVERAGE = 0.8
PEEL_ALPHA = 0.05
MASS_MIN = 0.05
PRUNE_DENSITY = 0.02


def missed(outputs: list[Output], means: np.ndarray, probability: float) -> dict[str, np.ndarray]:
    """{target name: (samples,) bool, True where the sample's P(met) < probability}."""
    out = {}
    for j, o in enumerate(outputs):
        if o.output.startswith("p_met["):
            out[o.output[len("p_met["):-1]] = means[:, j] < probability
    return out


def prim_trajectory(x: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """PRIM's peeling on inputs ``x`` (samples x inputs) and cases of interest ``y`` (bool):
    (trajectory: coverage, density, mass, res_dim per step; box limits of each step, rows 0 = min
    and 1 = max, one column per input)."""
    values = x.to_numpy(float)
    y = np.asarray(y, dtype=bool)
    n, k = values.shape
    inside = np.ones(n, dtype=bool)
    lows, highs = values.min(axis=0), values.max(axis=0)
    start = (lows.copy(), highs.copy())
    steps, limits = [], []

    def record() -> None:
        restricted = int(np.sum((lows != start[0]) | (highs != start[1])))
        steps.append({"coverage": float(y[inside].sum() / y.sum()), "density": float(y[inside].mean()),
                      "mass": float(inside.mean()), "res_dim": restricted})
        limits.append(pd.DataFrame([lows.copy(), highs.copy()], columns=x.columns))

    record()
    while True:
        old_n, old_mean = int(inside.sum()), float(y[inside].mean())
        best = None
        for j in range(k):
            column = values[inside, j]
            # a peel removes the samples at or beyond the input's PEEL_ALPHA quantile at one end
            # (ties together, so at least one sample goes); the new limit is the nearest one kept
            for side, cut in (("low", np.quantile(column, PEEL_ALPHA, method="lower")),
                              ("high", np.quantile(column, 1 - PEEL_ALPHA, method="higher"))):
                keep = inside & (values[:, j] > cut if side == "low" else values[:, j] < cut)
                new_n = int(keep.sum())
                if new_n == 0 or new_n < MASS_MIN * n:
                    continue
                gain = (float(y[keep].mean()) - old_mean) / (old_n - new_n)
                already = (lows[j] != start[0][j]) if side == "low" else (highs[j] != start[1][j])
                key = (gain, already)  # on a tie, cut an input already restricted (fewer dimensions)
                if gain > 0 and (best is None or key > best[0]):
                    best = (key, j, side, keep)
        if best is None:
            break
        _, j, side, inside = best
        if side == "low":
            lows[j] = values[inside, j].min()
        else:
            highs[j] = values[inside, j].max()
        record()
    return pd.DataFrame(steps), limits


def discovery_table(design: Design, outputs: list[Output], means: np.ndarray, probability: float,
                    targets: list[str] | None = None) -> pd.DataFrame:
    """discovery.csv: for each target missed in some samples but not all, the PRIM trajectory, one
    row per (step, restricted input) with the input's range in that step's box (``low`` or
    ``high`` empty: that side is not restricted; a step that restricts nothing has one row with an
    empty parameter), then the reported box (``chosen``, no step: the chosen step, pruned).
    ``targets``: only these (default every target; explore leaves calibration targets out)."""
    rows: list[dict] = []
    x = pd.DataFrame(design.values, columns=[i.path for i in design.inputs])
    for target, y in missed(outputs, means, probability).items():
        if y.all() or not y.any() or (targets is not None and target not in targets):
            continue
        trajectory, limits = prim_trajectory(x, y)
        start = limits[0]
        for step, row in trajectory.iterrows():
            rows.extend(_box_rows(target, step, row, limits[step], start, chosen=False))
        box, stats = prune(x, y, limits[choose_step(trajectory)], start)
        rows.extend(_box_rows(target, pd.NA, stats, box, start, chosen=True))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["step"] = table["step"].astype("Int64")
    return table


def _box_rows(target: str, step, stats, lims: pd.DataFrame, start: pd.DataFrame, chosen: bool) -> list[dict]:
    head = {"target": target, "step": step, "coverage": float(stats["coverage"]), "density": float(stats["density"]),
            "mass": float(stats["mass"]), "res_dim": int(stats["res_dim"]), "chosen": chosen}
    restricted = [c for c in lims.columns if (lims.loc[0, c], lims.loc[1, c]) != (start.loc[0, c], start.loc[1, c])]
    rows = []
    for c in restricted or [""]:
        low = float(lims.loc[0, c]) if c and lims.loc[0, c] != start.loc[0, c] else np.nan
        high = float(lims.loc[1, c]) if c and lims.loc[1, c] != start.loc[1, c] else np.nan
        rows.append({**head, "parameter": c, "low": low, "high": high})
    return rows


def _stats(x: pd.DataFrame, y: np.ndarray, lims: pd.DataFrame, start: pd.DataFrame) -> dict:
    values = x.to_numpy(float)
    inside = np.all((values >= lims.loc[0].to_numpy(float)) & (values <= lims.loc[1].to_numpy(float)), axis=1)
    restricted = int(((lims.loc[0] != start.loc[0]) | (lims.loc[1] != start.loc[1])).sum())
    return {"coverage": float(y[inside].sum() / y.sum()), "density": float(y[inside].mean()) if inside.any() else 0.0,
            "mass": float(inside.mean()), "res_dim": restricted}


def prune(x: pd.DataFrame, y: np.ndarray, lims: pd.DataFrame, start: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The box with the restrictions that do not matter removed: one side of one input at a time,
    the one whose release lowers the density least, while that lowers it by at most :data:`PRUNE_DENSITY`
    (peeling also trims inputs that have nothing to do with the misses)."""
    lims = lims.copy()
    stats = _stats(x, y, lims, start)
    while True:
        best = None
        for c, side in ((c, side) for c in lims.columns for side in (0, 1)):
            if lims.loc[side, c] == start.loc[side, c]:
                continue
            trial = lims.copy()
            trial.loc[side, c] = start.loc[side, c]
            trial_stats = _stats(x, y, trial, start)
            if stats["density"] - trial_stats["density"] <= PRUNE_DENSITY and (
                    best is None or trial_stats["density"] > best[1]["density"]):
                best = (trial, trial_stats)
        if best is None:
            return lims, stats
        lims, stats = best


def choose_step(trajectory: pd.DataFrame) -> int:
    """The densest step with coverage >= :data:`MIN_COVERAGE` (the earliest on a tie)."""
    covered = trajectory[trajectory["coverage"] >= MIN_COVERAGE]
    if covered.empty:
        return 0
    return int(covered["density"].idxmax())


def discovery_summary(table: pd.DataFrame, missed_share: dict[str, float], units: dict[str, str],
                      labels: dict[str, str] | None = None, best: dict[str, float] | None = None,
                      probability: float | None = None, worst: dict[str, float] | None = None) -> list[str]:
    """Printed lines: per target, how often it is missed and the chosen box (inputs by their
    ``labels``); missed in every sample: the best P(met) of a sample and a lower ``--probability``
    to try (``best``)."""
    from .answer import shortfall_hint

    labels, best, worst = labels or {}, best or {}, worst or {}
    lines = []
    for target, share in missed_share.items():
        if share == 0:
            lines.append(f"target {target!r}: met in every sample")
            continue
        if share == 1:  # "missed in every sample" only when no sample meets it in any replication (P 0)
            hint = shortfall_hint(best[target], probability, worst.get(target)) if target in best and probability else ""
            if target in best and best[target] > 0:
                same = worst.get(target) is not None and best[target] - worst[target] < 1e-9
                lines.append(f"target {target!r}: {hint}" if same else
                             f"target {target!r}: P(met) below {percent(probability, 0, False)} in every sample; {hint}")
            else:
                lines.append(f"target {target!r}: missed in every sample" + (f"; {hint}" if hint else ""))
            continue
        box = table[(table["target"] == target) & table["chosen"]]
        if box.empty:
            continue
        head = box.iloc[0]
        ranges = "; ".join(range_text(labels.get(r.parameter, r.parameter), r.low, r.high, units.get(r.parameter, ""))
                           for r in box.itertuples() if r.parameter)
        where = (f"the misses gather where {ranges}" if ranges else
                 "the misses are spread over the whole space explored (no range of the inputs holds them)")
        lines.append(f"target {target!r} missed in {percent(share, 0, False)} of samples; {where} (PRIM box: coverage "
                     f"{percent(head.coverage, 0, False)}, density {percent(head.density, 0, False)}, "
                     f"{percent(head.mass, 0, False)} of samples)")
    return lines


def range_text(parameter: str, low: float, high: float, unit: str, *, at_most: str = "<=", at_least: str = ">=",
               between: str = "") -> str:
    """A box's limit on one input in words ('grid headroom <= 900 MW'); an open side is NaN or None.
    The terminal writes ``<=``/``>=``; the report passes ``≤``/``≥`` and ``between="is "``."""
    unit = f" {unit}" if unit and unit != "share" else ""
    if pd.isna(low):
        return f"{parameter} {at_most} {fmt(high)}{unit}"
    if pd.isna(high):
        return f"{parameter} {at_least} {fmt(low)}{unit}"
    return f"{parameter} {between}{fmt(low)} to {fmt(high)}{unit}"
