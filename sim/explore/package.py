"""The cheapest package: the least costly combination of several levers at which a target is met
with probability at least p (``capsim solve`` with more than one lever).

Like pricing a holiday with several dials (nights, hotel class, flights): first try a coarse
table of every combination, then, next to the cheapest combinations that work, turn one dial at a
time back towards cheaper until it stops working. Every package evaluated is a full run of
``replications`` with the same seed (common random numbers, :mod:`sim.explore.evaluate`), so P(met)
and the public cost differ between two packages only because their levers do.

The cost of a package is the simulated mean public cost over the horizon (subsidy paid + voucher
spend, the ``public_cost_cny`` output) plus, for each lever with a declared cost per unit, that
cost times the distance of the lever's value from its free end: from ``low`` when the cost per unit
is positive (the cost rises with the value), from ``high`` when it is negative (the cost rises as
the value falls, e.g. a delay scale). A lever without a declared cost costs only what capsim
computes.

The search (stated in docs/explore.md, checked in tests/test_package.py):

1. Coarse design: a full grid of :data:`GRID_POINTS` values per lever evenly from low to high
   (fewer when the grid would exceed :data:`MAX_GRID` packages, never fewer than 2), evaluated
   together.
2. Refinement near the met/missed boundary: among the met grid packages that have a cheaper,
   missed grid neighbour along some lever (one grid step on that lever, the others unchanged),
   the :data:`REFINE_FROM` cheapest; for each of them and each such lever, the segment between
   the missed neighbour and the met package is bisected along that lever (the others fixed) until
   it is no wider than :data:`TOLERANCE_SHARE` of the lever's range (a whole-number lever: 1).
   The bisections run in rounds, one midpoint per segment per round, evaluated together.
3. The answer is the cheapest package evaluated that is met (ties: the higher P, then the first
   evaluated); none met -> the best reached (the highest P, then the cheaper) is reported instead.
4. The trade-off: the Pareto front of P(met) against cost over every package evaluated (each
   package on it has a higher P than every cheaper one).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..analysis.words import counted
from ..errors import Problem, ScenarioError
from ..scenario.labels import input_labels
from ..scenario.schema import Scenario
from ..scenario.validate import origin_of
from ..scenario.variants import with_fixed_values
from .design import _same_value, fmt, lever_input, percent
from .pullable import check_pullable
from .evaluate import Evaluator, output_specs, wilson_interval
from .solve import DEFAULT_PROBABILITY, DEFAULT_REPLICATIONS, check_probability, target_index

if TYPE_CHECKING:
    import pandas as pd

GRID_POINTS = 5
"""Values per lever in the coarse design (low, high and evenly between)."""
MAX_GRID = 125
"""Most packages in the coarse design: with k levers, min(GRID_POINTS, floor(MAX_GRID^(1/k))) values each."""
MAX_LEVERS = 6
"""Most levers in one package (2 values each already make 2^6 = 64 grid packages)."""
REFINE_FROM = 3
"""Met grid packages (the cheapest with a cheaper missed neighbour) refined by bisection."""
TOLERANCE_SHARE = 0.01
"""A bisection stops when its segment is no wider than this share of the lever's range."""
MAX_ROUNDS = 60


@dataclass(frozen=True)
class PackageLever:
    """One lever of a package: a numeric value moved over [low, high], with its cost per unit."""

    path: str
    low: float
    high: float
    unit: str
    integer: bool
    cost_per_unit: float | None  # CNY per unit of the value; None: only the computed public cost
    where: str

    def declared_cost(self, value: float) -> float:
        """cost_per_unit x the distance from the free end (low for a positive cost, high for a negative)."""
        if not self.cost_per_unit:
            return 0.0
        if self.cost_per_unit > 0:
            return self.cost_per_unit * (value - self.low)
        return -self.cost_per_unit * (self.high - value)

    def value_text(self, value: float) -> str:
        return f"{fmt(value)} {self.unit}".rstrip() if self.unit not in ("", "share") else fmt(value)

    def describe(self) -> str:
        cost = ("public cost as simulated" if self.cost_per_unit is None
                else f"{fmt(abs(self.cost_per_unit))} CNY per unit {'above' if self.cost_per_unit > 0 else 'below'} "
                     f"{fmt(self.low if self.cost_per_unit > 0 else self.high)}" if self.cost_per_unit
                else "no declared cost")
        return f"{self.path} in [{self.value_text(self.low)}, {self.value_text(self.high)}], {cost}"


def parse_lever(text: str) -> tuple[str, float | None, float | None, float | None]:
    """``PATH`` or ``PATH:LOW:HIGH`` or ``PATH:LOW:HIGH:COST_PER_UNIT`` -> (path, low, high, cost)."""
    parts = text.split(":")
    if len(parts) not in (1, 3, 4) or not parts[0].strip():
        raise ScenarioError(Problem("must be written PATH, PATH:LOW:HIGH or PATH:LOW:HIGH:COST_PER_UNIT, e.g. "
                                    "grid.headroom_mw:0:500:2e6", path=f"--lever {text}"))
    numbers = []
    for name, part in zip(("LOW", "HIGH", "COST_PER_UNIT"), parts[1:]):
        try:
            number = float(part)
        except ValueError:
            raise ScenarioError(Problem(f"{name} must be a number (got {part!r})", path=f"--lever {text}")) from None
        if not math.isfinite(number):
            raise ScenarioError(Problem(f"{name} must be a finite number (got {part!r})", path=f"--lever {text}"))
        numbers.append(number)
    numbers += [None] * (3 - len(numbers))
    return parts[0].strip(), numbers[0], numbers[1], numbers[2]


def package_levers(scenario: Scenario, texts: Sequence[str] = ()) -> list[PackageLever]:
    """The levers of a package: each ``--lever`` text (a bare PATH takes its range and cost from the
    scenario's ``explore.levers``), or, with none given, every entry of ``explore.levers``."""
    declared = scenario.explore.levers if scenario.explore is not None else {}
    origin = origin_of(scenario)
    file = origin.path if origin is not None else None
    levers: list[PackageLever] = []
    if not texts:
        if not declared:
            raise ScenarioError(Problem("give --lever (twice or more for a package), or declare explore.levers in "
                                        "the scenario", path="--lever"))
        for path, lever in declared.items():
            line, column = (origin.positions.get(("explore", "levers", path), (None, None))
                            if origin is not None else (None, None))
            spec = lever_input(scenario, path, lever.low, lever.high, "explore.levers", file=file, line=line,
                               column=column)
            levers.append(PackageLever(path, spec.low, spec.high, spec.unit, spec.integer, lever.cost_cny_per_unit,
                                       "explore.levers"))
    for text in texts:
        path, low, high, cost = parse_lever(text)
        check_pullable(scenario, path, f"--lever {text}")
        own = declared.get(path)
        if low is None:
            if own is None:
                raise ScenarioError(Problem(f"give its range as {path}:LOW:HIGH, or declare {path} in the "
                                            "scenario's explore.levers", path=f"--lever {text}"))
            low, high, cost = own.low, own.high, own.cost_cny_per_unit
        spec = lever_input(scenario, path, low, high, f"--lever {text}")
        levers.append(PackageLever(path, spec.low, spec.high, spec.unit, spec.integer, cost, f"--lever {text}"))
    seen: dict[object, str] = {}
    for lever in levers:  # projects.c.x and projects.2.x name one value
        key = _same_value(origin, lever.path)
        if key in seen:
            raise ScenarioError(Problem(f"{lever.path} is given twice (also as {seen[key]}); give each lever once",
                                        path="--lever"))
        seen[key] = lever.path
    if len(levers) > MAX_LEVERS:
        raise ScenarioError(Problem(f"at most {MAX_LEVERS} levers in one package (got {len(levers)})", path="--lever"))
    return levers


def grid_counts(k: int) -> int:
    """Values per lever in the coarse design of ``k`` levers."""
    per = GRID_POINTS
    while per > 2 and per ** k > MAX_GRID:
        per -= 1
    return per


def grid_values(lever: PackageLever, n: int) -> list[float]:
    values = [lever.low + (lever.high - lever.low) * i / (n - 1) for i in range(n)]
    values[-1] = lever.high
    if lever.integer:
        values = [float(round(v)) for v in values]
    return list(dict.fromkeys(values))


@dataclass
class PackageSolution:
    """What :func:`solve_package` found; ``packages`` holds every package evaluated (packages.csv),
    ``frontier`` the Pareto front of P(met) against cost (frontier.csv)."""

    levers: list[PackageLever]
    target: str
    probability: float
    replications: int
    seed: int
    status: str  # "solved" (a met package found) | "missed" (no package evaluated is met)
    packages: pd.DataFrame
    frontier: pd.DataFrame
    best: dict  # the answer (solved) or the best reached (missed): a row of packages
    grid_points: int
    info: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)  # path -> the input's plain label (sim.scenario.labels)

    def label(self, lever: PackageLever) -> str:
        return self.labels.get(lever.path) or lever.path

    def package_text(self, row: dict) -> str:
        return ", ".join(f"{self.label(lever)} = {lever.value_text(row[lever.path])}" for lever in self.levers)

    def summary_text(self) -> str:
        """What ``capsim solve`` prints for a package."""
        goal = f"P(target {self.target!r} met) >= {percent(self.probability)}"
        lines = [f"cheapest package of {counted(len(self.levers), 'lever')} with {goal}; {counted(self.replications, 'replication')} per "
                 f"package, seed {self.seed} (common random numbers)"]
        lines += [f"  lever {self.label(lever)}" + (f" ({lever.describe()})" if self.label(lever) != lever.path
                                                      else lever.describe()[len(lever.path):])
                  for lever in self.levers]
        grid = int((self.packages.phase == "grid").sum())
        lines.append(f"evaluated {counted(len(self.packages), 'package')}: a grid of {grid} ({self.grid_points} values per lever),"
                     f" then {len(self.packages) - grid} by bisection near the met/missed boundary")
        b = self.best
        p_text = (f"P {percent(b['probability'], 1, False)} [{percent(b['ci_low'], 1, False)}, "
                  f"{percent(b['ci_high'], 1, False)}] (95% Wilson interval)")
        if self.status == "solved":
            lines.append(f"answer: {self.package_text(b)}")
            lines.append(f"  {p_text}; cost {fmt(b['cost_cny'])} CNY (public cost {fmt(b['public_cost_cny'])}, "
                         f"declared {fmt(b['declared_cost_cny'])})")
            if b["ci_low"] <= self.probability:
                lines.append(f"uncertainty: the 95% interval of its P contains {percent(self.probability)}; more "
                             "replications (-r) tell met from missed there")
        elif self.packages.probability.max() <= 0:
            lines.append(f"no package in the ranges moves P above 0: the target is missed in every replication "
                         f"of every package evaluated ({p_text}); widen the ranges or add levers")
        else:
            lines.append(f"no package in the ranges meets the target with {percent(self.probability)}; the best "
                         f"reached is {self.package_text(b)}")
            lines.append(f"  {p_text}; cost {fmt(b['cost_cny'])} CNY; widen the ranges or add levers")
        lines.append(f"trade-off (Pareto front of P against cost, {counted(len(self.frontier), 'package')}):")
        for row in self.frontier.to_dict("records"):
            lines.append(f"  {fmt(row['cost_cny']):>16} CNY  P {percent(row['probability'], 1, False):>6}  "
                         f"{'met' if row['met'] else 'missed':6}  {self.package_text(row)}")
        return "\n".join(lines)


def solve_package(scenario: Scenario, levers: Sequence[PackageLever], target: str,
                  probability: float = DEFAULT_PROBABILITY, *, replications: int = DEFAULT_REPLICATIONS,
                  seed: int = 0, jobs: int = 1, executor: Executor | None = None,
                  progress: Callable[[int], None] | None = None,
                  memory_limit_bytes: int | None = None) -> PackageSolution:
    """The cheapest package of ``levers`` (:func:`package_levers`) meeting ``target`` with
    probability >= ``probability`` (the module docstring has the search). Bad arguments raise
    :class:`ScenarioError` before any run."""
    check_probability(probability)
    target_index(scenario, target)
    levers = list(levers)
    if not levers:
        raise ScenarioError(Problem("a package needs at least one lever", path="--lever"))
    names = [o.column for o in output_specs(scenario)]
    p_column, cost_column = names.index(f"p_met[{target}]"), names.index("public_cost_cny")
    paths = [lever.path for lever in levers]
    rows: dict[tuple, dict] = {}

    def evaluate(evaluator: Evaluator, packages: list[tuple], phase: str) -> None:
        new = [p for p in dict.fromkeys(packages) if p not in rows]
        if not new:
            return
        scenarios = [with_fixed_values(scenario, {lever.path: int(v) if lever.integer else v
                                                  for lever, v in zip(levers, package)}, "solve package")
                     for package in new]
        for package, means in zip(new, evaluator.means(scenarios)):
            successes = int(round(means[p_column] * replications))
            p = successes / replications
            ci_low, ci_high = wilson_interval(successes, replications)
            declared = sum(lever.declared_cost(v) for lever, v in zip(levers, package))
            public = float(means[cost_column])
            rows[package] = {"step": len(rows), "phase": phase, **dict(zip(paths, package)),
                             "declared_cost_cny": declared, "public_cost_cny": public, "cost_cny": declared + public,
                             "probability": p, "ci_low": ci_low, "ci_high": ci_high, "met": p >= probability,
                             "replications": replications}

    per = grid_counts(len(levers))
    axes = [grid_values(lever, per) for lever in levers]
    with Evaluator(replications, seed, jobs=jobs, executor=executor, progress=progress,
                   memory_limit_bytes=memory_limit_bytes) as evaluator:
        evaluate(evaluator, list(itertools.product(*axes)), "grid")
        segments = _boundary_segments(rows, axes, levers)
        for _ in range(MAX_ROUNDS):
            proposals = []
            for seg in segments:
                i, bad, good = seg["lever"], seg["bad"], seg["good"]
                lever = levers[i]
                middle = (bad[i] + good[i]) / 2
                middle = float(round(middle)) if lever.integer else middle
                width = abs(good[i] - bad[i])
                if width <= max(TOLERANCE_SHARE * (lever.high - lever.low), 1.0 if lever.integer else 0.0) \
                        or middle in (bad[i], good[i]):
                    continue
                package = good[:i] + (middle,) + good[i + 1:]
                seg["next"] = package
                proposals.append(package)
            if not proposals:
                break
            evaluate(evaluator, proposals, "refine")
            for seg in segments:
                package = seg.pop("next", None)
                if package is not None:
                    seg["good" if rows[package]["met"] else "bad"] = package
    import pandas as pd  # imported when a table is made (about 0.2 s)

    table = pd.DataFrame(list(rows.values()))
    order = table.assign(_neg=-table.probability).sort_values(["cost_cny", "_neg", "step"], kind="stable")
    front, best_p = [], -1.0
    for index, row in order.iterrows():
        if row.probability > best_p:
            front.append(index)
            best_p = row.probability
    table["on_front"] = table.index.isin(front)
    frontier = table.loc[front].drop(columns="on_front").reset_index(drop=True)
    met = order[order.met]
    if len(met):
        status, best = "solved", met.iloc[0]
    else:
        status = "missed"
        best = table.assign(_neg=-table.probability).sort_values(["_neg", "cost_cny", "step"], kind="stable").iloc[0]
    best = {k: v for k, v in best.to_dict().items() if k != "_neg"}
    return PackageSolution(levers=levers, target=target, probability=float(probability),
                           replications=int(replications), seed=int(seed), status=status, packages=table,
                           frontier=frontier, best=best, grid_points=per,
                           labels=input_labels([lever.path for lever in levers], scenario))


def _boundary_segments(rows: dict[tuple, dict], axes: list[list[float]], levers: Sequence[PackageLever]) -> list[dict]:
    """The segments to bisect (module docstring, step 2): {lever index, bad (missed package), good (met)}."""
    candidates = []
    for package in itertools.product(*axes):
        row = rows[package]
        if not row["met"]:
            continue
        segments = []
        for i, axis in enumerate(axes):
            at = axis.index(package[i])
            for step in (-1, 1):
                if 0 <= at + step < len(axis):
                    neighbour = package[:i] + (axis[at + step],) + package[i + 1:]
                    other = rows[neighbour]
                    if not other["met"] and other["cost_cny"] < row["cost_cny"]:
                        segments.append({"lever": i, "bad": neighbour, "good": package})
        if segments:
            candidates.append((row["cost_cny"], -row["probability"], row["step"], segments))
    candidates.sort(key=lambda c: c[:3])
    return [seg for *_, segments in candidates[:REFINE_FROM] for seg in segments]
