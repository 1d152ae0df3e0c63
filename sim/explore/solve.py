"""What it takes: the smallest (or largest) value of one lever at which a target is met with
probability at least p.

Like tuning a radio: turn the dial to one end and to the other, then halve the distance to the
station until the dial moves less than the tolerance. Each position of the dial is a full run of
``replications`` with the lever fixed there and the same seed (common random numbers: the same
delays and go decisions at every value, :mod:`sim.explore.evaluate`), so P(met) changes between two
values only because the lever did. Each P carries a 95% Wilson interval.

Direction ``smallest`` expects P(met) to rise with the lever (more grid headroom, more supply);
``largest`` expects it to fall (a longer delay, a lower accounting factor still met). The search:

1. P at ``low`` and ``high``. ``smallest``: met at ``low`` -> the answer is ``low`` (met even
   there). (``largest`` mirrors this.)
2. Missed at both ends: a coarse scan of :data:`SCAN_POINTS` values evenly between (P may rise
   and fall again inside the range). Met at none -> no value evaluated meets the target; met at
   some -> P is not monotone in the lever (said in a warning), and the bracket becomes [the
   missed value beside the first met one, that met value].
3. Otherwise bisect the bracket [missed, met] until it is no wider than ``tolerance``; the answer
   is the met end of the final bracket.
4. The evaluated points are checked for monotonicity: a point whose P is lower than that of a
   point on its "easier" side, with the two 95% intervals apart, makes the answer suspect.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..analysis.words import counted
from ..errors import Problem, ScenarioError
from ..scenario.paths import PathError, resolve_path
from ..scenario.schema import Scenario
from ..scenario.variants import with_fixed_values
from .design import fmt, lever_input, percent
from .pullable import check_pullable
from .evaluate import Evaluator, output_specs, wilson_interval
from .rounding import about, supported_percent

if TYPE_CHECKING:
    import pandas as pd

DIRECTIONS = ("smallest", "largest")
DEFAULT_PROBABILITY = 0.9
DEFAULT_REPLICATIONS = 1000
"""Replications at each lever value: P(met) to about +-2 points at 90% (Wilson, 95%)."""
DEFAULT_TOLERANCE_SHARE = 0.01
"""Default tolerance: this share of the range high - low."""
MAX_STEPS = 60
SCAN_POINTS = 7
"""Values evaluated evenly between low and high, when the target is missed at both ends, before
saying that no value in the range meets it (P may rise and fall again in between)."""
COLUMNS = ["step", "value", "unit", "probability", "ci_low", "ci_high", "met", "replications"]


@dataclass
class Solution:
    """What :func:`solve` found; ``points`` is solve.csv (every evaluated value, in order)."""

    lever: str
    unit: str
    target: str
    probability: float
    direction: str
    low: float
    high: float
    tolerance: float
    replications: int
    seed: int
    status: str  # "solved" | "met-at-end" (met even at the easy end) | "missed" (missed even at the hard end)
    answer: float | None
    bracket: tuple[float, float]
    points: pd.DataFrame
    straddle: tuple[float, float] | None  # lever values whose P interval contains the threshold
    monotone: bool = True
    monotone_note: str = ""
    info: dict = field(default_factory=dict)
    label: str = ""  # the lever's plain label (sim.scenario.labels)
    today: float | None = None  # the lever's value in the scenario as given (evaluated too when in range)

    @property
    def best(self) -> tuple[float, float]:
        """(value, P) of the evaluated value with the highest P (on a tie, the easiest to reach:
        the smallest for ``smallest``)."""
        rows = self.points.sort_values("value", ascending=self.direction == "smallest", kind="stable")
        row = rows.loc[rows["probability"].idxmax()] if len(rows) else None
        return (float(row["value"]), float(row["probability"])) if row is not None else (math.nan, math.nan)

    def p_at(self, value: float | None) -> str | None:
        """P at an evaluated ``value`` as the interval supports it (None: not evaluated)."""
        if value is None:
            return None
        hit = self.points[self.points["value"] == value]
        if hit.empty:
            return None
        row = hit.iloc[0]
        return supported_percent(row["probability"], row["ci_low"], row["ci_high"], self.probability)

    def answer_about(self) -> str:
        """The answer as precisely as the search supports: rounded to the width of the range of values
        the replications cannot tell apart (or of the final bracket)."""
        width = max(self.bracket[1] - self.bracket[0], self.tolerance)
        if self.straddle is not None:
            width = max(width, self.straddle[1] - self.straddle[0])
        text = about(self.answer, width) if self.answer is not None else "-"
        return f"{text} {self.unit}".rstrip() if self.unit not in ("", "share") else text

    def director_text(self) -> str:
        """The answer in a sentence: today's value (and its P), what is needed, and what the easy end
        gives when even that is not enough ("today 0.85; needed about 0.93 for P >= 50%")."""
        goal = f"P >= {percent(self.probability)}"
        name = self.label or self.lever
        parts = []
        if self.today is not None:
            p_today = self.p_at(self.today)
            parts.append(f"today {self.value_text(self.today)}" + (f" (P {p_today})" if p_today else
                                                                   " (outside the range searched)"))
        easy = self.high if self.direction == "smallest" else self.low
        if self.status == "solved":
            word = "at least" if self.direction == "smallest" else "at most"
            parts.append(f"needed {word} about {self.answer_about()} for {goal}")
        elif self.status == "met-at-end":
            hard = self.low if self.direction == "smallest" else self.high
            parts.append(f"{goal} already at {self.value_text(hard)}, the hard end of the range")
        else:
            value, p = self.best
            parts.append(f"even at {self.value_text(easy)} the chance is {self.p_at(easy)}")
            at_easy = self.points.loc[self.points["value"] == easy, "probability"]
            if len(at_easy) and p > float(at_easy.iloc[0]):
                parts.append(f"the best reached is {self.p_at(value)} at {self.value_text(value)}")
        return f"{name}: " + "; ".join(parts)

    def value_text(self, value: float | None) -> str:
        if value is None:
            return "-"
        return f"{fmt(value)} {self.unit}".rstrip() if self.unit not in ("", "share") else fmt(value)

    def summary_text(self) -> str:
        """What ``capsim solve`` prints."""
        goal = f"P(target {self.target!r} met) >= {percent(self.probability)}"
        word = "smallest" if self.direction == "smallest" else "largest"
        named = f"{self.label} ({self.lever})" if self.label else self.lever
        lines = [f"{word} {named} in [{self.value_text(self.low)}, {self.value_text(self.high)}] with {goal}; "
                 f"{counted(self.replications, 'replication')} per value, seed {self.seed} (common random numbers)"]
        rows = self.points.sort_values("value", kind="stable")
        for row in rows.itertuples(index=False):
            lines.append(f"  {self.value_text(row.value):>16}  P {supported_percent(row.probability, row.ci_low, row.ci_high, self.probability):>6}  "
                         f"[{percent(row.ci_low, 1, False)}, {percent(row.ci_high, 1, False)}]  "
                         f"{'met' if row.met else 'missed'}" + ("  (today)" if row.value == self.today else ""))
        hard, easy = (self.low, self.high) if self.direction == "smallest" else (self.high, self.low)
        if self.status == "met-at-end":
            lines.append(f"met even at {self.value_text(hard)}: the answer is {self.value_text(hard)} or beyond the "
                         "range; widen it to find where the target starts to be missed")
        elif self.status == "missed":
            inside = len(self.points) - 2
            inside -= int(bool(self.info.get("today_evaluated")))  # today's value is not one of the scan
            lines.append(f"missed even at {self.value_text(easy)}"
                         + (f" and at {inside} values evenly between" if inside > 0 else "")
                         + f": no value evaluated in the range meets the target with {percent(self.probability)}; "
                           "widen the range or look at other levers")
        else:
            lines.append(f"answer: {self.value_text(self.answer)} (bracket {self.value_text(self.bracket[0])} to "
                         f"{self.value_text(self.bracket[1])}, tolerance {self.value_text(self.tolerance)})")
            if self.straddle is not None:
                lines.append(f"uncertainty: P's 95% interval contains {percent(self.probability)} for values from "
                             f"{self.value_text(self.straddle[0])} to {self.value_text(self.straddle[1])}; "
                             "more replications (-r) narrow this")
            else:
                lines.append(f"uncertainty: no evaluated value has a 95% interval containing {percent(self.probability)}")
        if not self.monotone:
            lines.append(f"warning: {self.monotone_note}")
        lines.append(self.director_text())
        return "\n".join(lines)


def check_probability(probability: float) -> None:
    if not (isinstance(probability, (int, float)) and 0 < probability < 1):
        raise ScenarioError(Problem(f"must be between 0 and 1, exclusive (got {probability:g})", path="--probability"))


def target_index(scenario: Scenario, target: str) -> int:
    names = [t.name for t in scenario.targets]
    if target not in names:
        known = ", ".join(repr(n) for n in names) or "none"
        raise ScenarioError(Problem(f"unknown target {target!r}; this scenario's targets: {known}", path="--target"))
    return names.index(target)


def lever_range(scenario: Scenario, path: str, low: float | None, high: float | None) -> tuple[float, float]:
    """``--low``/``--high``, each defaulting to the scenario's ``explore.levers`` range of ``path``."""
    declared = scenario.explore.levers.get(path) if scenario.explore is not None else None
    low = low if low is not None else (declared.low if declared else None)
    high = high if high is not None else (declared.high if declared else None)
    if low is None or high is None:
        raise ScenarioError(Problem(f"give --low and --high, or declare {path} in the scenario's explore.levers",
                                    path="--lever"))
    return float(low), float(high)


def solve(scenario: Scenario, lever: str, target: str, probability: float = DEFAULT_PROBABILITY, *,
          low: float | None = None, high: float | None = None, direction: str = "smallest",
          tolerance: float | None = None, replications: int = DEFAULT_REPLICATIONS, seed: int = 0,
          jobs: int = 1, executor: Executor | None = None, progress: Callable[[int], None] | None = None,
          memory_limit_bytes: int | None = None) -> Solution:
    """Find the smallest (``direction="smallest"``) or largest value of the numeric value at path
    ``lever`` in [low, high] at which ``target`` is met with probability >= ``probability``.

    ``low``/``high`` default to the lever's range in the scenario's ``explore.levers``;
    ``tolerance`` to 1% of the range. Every bad argument raises :class:`ScenarioError` before any
    run. ``jobs``/``executor`` as for :func:`sim.simulate` (the answer does not depend on them).
    """
    check_probability(probability)
    t = target_index(scenario, target)
    if direction not in DIRECTIONS:
        raise ScenarioError(Problem(f"must be one of {', '.join(DIRECTIONS)} (got {direction!r})", path="--direction"))
    try:
        resolve_path(scenario, lever)
    except PathError as exc:
        raise ScenarioError(Problem(str(exc), path=f"--lever {lever}")) from None
    check_pullable(scenario, lever, f"--lever {lever}")
    low, high = lever_range(scenario, lever, low, high)
    spec = lever_input(scenario, lever, low, high, f"--lever {lever}")
    if tolerance is None:
        tolerance = DEFAULT_TOLERANCE_SHARE * (high - low)
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ScenarioError(Problem(f"must be greater than 0 (got {tolerance:g})", path="--tolerance"))
    if spec.integer:
        tolerance = max(tolerance, 1.0)
    column = [o.column for o in output_specs(scenario)].index(f"p_met[{target}]")
    points: list[dict] = []

    def value_of(x: float) -> float:
        return float(round(x)) if spec.integer else float(x)

    def evaluate(evaluator: Evaluator, xs: list[float]) -> list[bool]:
        scenarios = [with_fixed_values(scenario, {lever: int(x) if spec.integer else x}, f"--lever {lever}")
                     for x in xs]
        means = evaluator.means(scenarios)
        met = []
        for x, row in zip(xs, means):
            successes = int(round(row[column] * replications))
            p = successes / replications
            ci_low, ci_high = wilson_interval(successes, replications)
            points.append({"step": len(points), "value": x, "unit": spec.unit, "probability": p,
                           "ci_low": ci_low, "ci_high": ci_high, "met": p >= probability,
                           "replications": replications})
            met.append(p >= probability)
        return met

    smallest = direction == "smallest"
    with Evaluator(replications, seed, jobs=jobs, executor=executor, progress=progress,
                   memory_limit_bytes=memory_limit_bytes) as evaluator:
        found = search(lambda xs: evaluate(evaluator, xs), low, high, smallest, tolerance, value_of)
        today, extra = _today(scenario, lever), False
        if today is not None and low <= today <= high and value_of(today) not in {p["value"] for p in points}:
            today = value_of(today)
            evaluate(evaluator, [today])  # the chance today, with the same replications (one more value)
            extra = True
    status, answer, (bad, good), scanned_met = found
    import pandas as pd  # imported when a table is made (about 0.2 s)

    table = pd.DataFrame(points, columns=COLUMNS)
    monotone, note = _monotonicity(table, smallest, lever)
    from ..scenario.labels import input_label
    met_easy = bool(table.met.iloc[1 if smallest else 0])  # the first two rows: low, then high
    if status == "met-at-end" and not met_easy:
        monotone, note = False, (f"P(met) is {'lower' if smallest else 'higher'} at {fmt(high)} than at {fmt(low)}: "
                                 f"it does not {'rise' if smallest else 'fall'} with {lever}; try --direction "
                                 f"{'largest' if smallest else 'smallest'}")
    if scanned_met:
        def shown(x: float) -> str:
            return f"{fmt(x)} {spec.unit}" if spec.unit not in ("", "share") else fmt(x)

        where = (f"met at {shown(scanned_met[0])}" if len(scanned_met) == 1
                 else f"met between {shown(scanned_met[0])} and {shown(scanned_met[-1])}")
        monotone, note = False, (f"P is not monotone in this lever: missed at both ends ({shown(low)} and "
                                 f"{shown(high)}) "
                                 f"but {where} (a scan of {SCAN_POINTS} values between); the answer is the "
                                 f"{'smallest' if smallest else 'largest'} value found met, and other values may "
                                 "be met too")
    straddle = table[(table.ci_low <= probability) & (table.ci_high >= probability)].value
    return Solution(
        lever=lever, unit=spec.unit, target=target, probability=float(probability), direction=direction,
        low=low, high=high, tolerance=float(tolerance), replications=int(replications), seed=int(seed),
        status=status, answer=answer, bracket=(min(bad, good), max(bad, good)), points=table,
        straddle=(float(straddle.min()), float(straddle.max())) if len(straddle) else None,
        monotone=monotone, monotone_note=note, info={"target_index": t, "today_evaluated": extra}, label=input_label(lever, scenario),
        today=None if today is None else float(today),
    )


def _today(scenario: Scenario, lever: str) -> float | None:
    """The lever's value in the scenario as given (None: not a plain number there)."""
    try:
        value = resolve_path(scenario, lever)
    except PathError:
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def search(met_at: Callable[[list[float]], list[bool]], low: float, high: float, smallest: bool,
           tolerance: float, value_of: Callable[[float], float] = float):
    """The search of :func:`solve` on any ``met_at(values) -> [met?]`` (values evaluated in one call
    share their random numbers): ``(status, answer, (missed end, met end), scanned met values)``.

    The ends first. Missed at both: :data:`SCAN_POINTS` values evenly between; met at none -> status
    ``missed``; met at some (P is not monotone) -> bisect between the value met nearest the hard
    end and its missed neighbour, and return the met values scanned (sorted). Otherwise as the
    module docstring says. ``value_of`` rounds a value (whole-number levers)."""
    met_low, met_high = met_at([value_of(low), value_of(high)])
    met_hard, met_easy = (met_low, met_high) if smallest else (met_high, met_low)
    bad, good = (low, high) if smallest else (high, low)  # the bracket, as (missed end, met end)
    scanned: list[float] = []
    if met_hard:
        return "met-at-end", (low if smallest else high), (bad, good), scanned
    if not met_easy:
        inside = [value_of(low + (high - low) * i / (SCAN_POINTS + 1)) for i in range(1, SCAN_POINTS + 1)]
        inside = [x for x in dict.fromkeys(inside) if low < x < high]
        met = dict(zip(inside, met_at(inside))) if inside else {}
        scanned = sorted(x for x, ok in met.items() if ok)
        if not scanned:
            return "missed", None, (bad, good), scanned
        good = scanned[0] if smallest else scanned[-1]
        missed = [x for x, ok in met.items() if not ok and (x < good if smallest else x > good)]
        bad = (max(missed) if smallest else min(missed)) if missed else bad
    for _ in range(MAX_STEPS):
        if abs(good - bad) <= tolerance:
            break
        middle = value_of((bad + good) / 2)
        if middle in (bad, good):
            break
        (ok,) = met_at([middle])
        if ok:
            good = middle
        else:
            bad = middle
    return "solved", good, (bad, good), scanned


def _monotonicity(table: pd.DataFrame, rising: bool, lever: str) -> tuple[bool, str]:
    """(monotone, note): P must not fall (``rising``) or rise as the lever grows, beyond the 95%
    intervals of the two points."""
    rows = table.sort_values("value", kind="stable").reset_index(drop=True)
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            a, b = rows.iloc[i], rows.iloc[j]
            wrong = a.ci_low > b.ci_high if rising else a.ci_high < b.ci_low
            if wrong:
                return False, (f"P(met) is not monotone in {lever} over the range: {percent(a.probability, 1, False)} at "
                               f"{fmt(a.value)} but {percent(b.probability, 1, False)} at {fmt(b.value)}; the answer may not be "
                               "the only crossing")
    return True, ""
