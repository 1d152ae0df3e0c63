"""What an exploration varies, and the samples it runs: levers and uncertainties -> a design.

The inputs are every drawn entry of ``uncertainty.parameters`` (the distribution is the input's
marginal) and every lever (a uniform range): those of the scenario's ``explore.levers`` and those
given on the command line as ``--vary PATH=LOW:HIGH`` (which replace a lever of the same path, and
a lever replaces the distribution of a drawn parameter of the same path).

A design is a matrix of points in the unit cube, one row per sample and one column per input,
made by SALib (Saltelli's scheme on a scrambled Sobol sequence for ``sobol``, Morris trajectories
for ``morris``, a Latin hypercube for ``lhs``), and the same points mapped to each input's values
through its inverse distribution function (a lever: ``low + u (high - low)``). The indices are
computed on the unit cube, which is the same as on the values (they are invariant under a
monotone map of each input) and puts every input's Morris effect on one scale.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import Problem, ScenarioError
from ..scenario.paths import PathError, field_of, resolve_path, set_in_data, unit_of
from ..scenario.schema import Fixed, Lognormal, Normal, Scenario, Triangular, Uniform
from ..scenario.validate import origin_of
from ..scenario.variants import with_fixed_values

METHODS = ("sobol", "morris", "lhs")
DEFAULT_METHOD = "sobol"
DEFAULT_SAMPLES = {"sobol": 64, "morris": 20, "lhs": 256}
"""N: Sobol base samples (a power of two; N x (k + 2) evaluations), Morris trajectories
(N x (k + 1) evaluations), Latin-hypercube samples (N evaluations)."""
DEFAULT_REPLICATIONS = 100
"""Replications per sample (the same replications, with common random numbers, for every sample)."""
MORRIS_LEVELS = 4
UNBOUNDED_TAIL = 1e-3
"""A normal or lognormal without a bound is sampled between its 0.1% and 99.9% quantiles."""
EXTRA_HINT = "pip install 'capsim[explore]'"


@dataclass(frozen=True)
class Input:
    """One explored input: a lever (uniform on [low, high]) or a drawn parameter (its distribution)."""

    path: str
    low: float  # lowest value sampled (a distribution's lower bound or 0.1% quantile)
    high: float
    unit: str
    integer: bool  # the value is a whole number (samples are rounded)
    kind: str  # "lever" | "uncertainty"
    where: str  # where it was declared: "explore.levers", "--vary ...", "uncertainty.parameters"
    dist: object = None  # the schema distribution of a drawn parameter; None for a lever

    def value(self, u: np.ndarray) -> np.ndarray:
        """Values at the points ``u`` of the unit interval (inverse distribution function)."""
        values = self.low + u * (self.high - self.low) if self.dist is None else quantile(self.dist, u)
        return np.round(values) if self.integer else values

    def describe(self) -> str:
        """``uniform 435 to 2,117 MW`` or ``uniform 0.42 to 0.54 (drawn)``."""
        unit = f" {self.unit}" if self.unit and self.unit != "share" else ""
        what = "lever" if self.dist is None else f"{getattr(self.dist, 'dist', '?')} (drawn)"
        return f"{fmt(self.low)} to {fmt(self.high)}{unit}, {what}"


def fmt(value: float) -> str:
    """A value as printed: thousands separators, up to 4 significant decimals, no trailing zeros."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(0, 4 - int(math.floor(math.log10(abs(value)))) - 1)
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(p: float, decimals: int = 0, exact: bool = True) -> str:
    """A probability as a percentage: ``0.9`` -> ``90%``, ``0.99999`` -> ``99.999%``.

    At least ``decimals`` decimals, and more where needed (up to 6) so that a probability below 1
    never reads 100% and one above 0 never 0%; ``exact`` (a probability asked for) also adds
    decimals until the text is the value itself (``0.925`` -> ``92.5%``, not ``92%``). Beyond 6
    decimals a value still rounding to an end reads ``>99.999999%`` or ``<0.000001%``."""
    if not math.isfinite(p):
        return f"{p}"
    for strict in ((True, False) if exact else (False,)):
        for digits in range(decimals, 7):
            text = f"{100 * p:.{digits}f}"
            if (p < 1 and float(text) >= 100) or (p > 0 and float(text) <= 0):
                continue
            if strict and abs(float(text) - 100 * p) > 1e-9:
                continue
            return f"{text}%"
    if 0 < p < 1:
        return ">99.999999%" if p > 0.5 else "<0.000001%"
    return f"{100 * p:.6f}%"


def lever_unit(scenario: Scenario, path: str) -> tuple[str, bool]:
    """(unit, is a whole number) of the value at ``path``: the unit from the nearest field name on
    the path that carries one (``grid.headroom_mw`` -> MW, ``uncertainty.delay_months.registered.high``
    -> months), whole numbers when the field's type is ``int``."""
    segments = path.split(".")
    integer = False
    for end in range(len(segments), 0, -1):
        found = field_of(scenario, ".".join(segments[:end]))
        if found is None:
            continue
        name, info = found
        if end == len(segments):
            integer = info.annotation is int
        if unit_of(name):
            return unit_of(name), integer
    return "", integer


def lever_input(scenario: Scenario, path: str, low: float, high: float, where: str, file: str | None = None,
                line: int | None = None, column: int | None = None) -> Input:
    """A lever on the numeric value at ``path``, checked: the path exists and names a number, low <
    high, and the scenario is valid with the value at low and at high (problems name ``where``)."""

    def problem(message: str) -> ScenarioError:
        return ScenarioError(Problem(message, path=where if file is None else path, file=file or None,
                                     line=line, column=column))

    if not (math.isfinite(low) and math.isfinite(high)):
        raise problem(f"low and high must be finite numbers (got {low:g}, {high:g})")
    if not low < high:
        raise problem(f"low must be below high (got low {low:g}, high {high:g})")
    try:
        resolve_path(scenario, path)
    except PathError as exc:
        raise problem(str(exc)) from None
    unit, integer = lever_unit(scenario, path)
    for end, value in (("low", low), ("high", high)):
        try:
            with_fixed_values(scenario, {path: round(value) if integer else value}, where)
        except ScenarioError as exc:  # one line: the problem of the value itself, else the first
            dotted = [re.sub(r"\[([^]]*)\]", r".\1", p.path) for p in exc.problems]  # projects[a].x: projects.a.x
            index = dotted.index(path) if path in dotted else 0
            first = exc.problems[index]
            about = "" if not first.path or dotted[index] == path else f"{first.path}: "
            raise problem(f"{end} {value:g} makes the scenario invalid: {about}{first.message}") from None
    return Input(path, float(low), float(high), unit, integer, "lever", where)


def parse_vary(text: str) -> tuple[str, float, float]:
    """``'PATH=LOW:HIGH'`` (``--vary``) -> (path, low, high)."""
    path, sep, rest = text.partition("=")
    low_text, colon, high_text = rest.partition(":")
    if not sep or not colon or not path.strip():
        raise ScenarioError(Problem("must be written PATH=LOW:HIGH, e.g. grid.headroom_mw=500:2000",
                                    path=f"--vary {text}"))
    try:
        return path.strip(), float(low_text), float(high_text)
    except ValueError:
        raise ScenarioError(Problem(f"LOW and HIGH must be numbers (got {low_text!r} and {high_text!r})",
                                    path=f"--vary {text}")) from None


def explore_inputs(scenario: Scenario, vary: Sequence[str] = ()) -> list[Input]:
    """Every input an exploration varies: drawn parameters, then the file's levers, then ``--vary``."""
    levers: dict[str, Input] = {}
    origin = origin_of(scenario)
    file = origin.path if origin is not None else None
    if scenario.explore is not None:
        for path, lever in scenario.explore.levers.items():
            line, column = (origin.positions.get(("explore", "levers", path), (None, None))
                            if origin is not None else (None, None))
            levers[path] = lever_input(scenario, path, lever.low, lever.high, "explore.levers",
                                       file=file, line=line, column=column)
    given: dict[object, str] = {}
    for text in vary:
        path, low, high = parse_vary(text)
        key = _same_value(origin, path)
        if key in given:
            raise ScenarioError(Problem(f"given twice for {path} ({given[key]} and {text}); give each path once",
                                        path="--vary"))
        given[key] = text
        levers.pop(next((p for p in levers if _same_value(origin, p) == key), path), None)
        levers[path] = lever_input(scenario, path, low, high, f"--vary {text}")
    inputs: list[Input] = []
    if scenario.uncertainty is not None:
        for path, dist in scenario.uncertainty.parameters.items():
            if _same_value(origin, path) in {_same_value(origin, p) for p in levers} or not _varies(dist):
                continue
            low, high = _support(dist)
            unit, integer = lever_unit(scenario, path)
            inputs.append(Input(path, low, high, unit, integer, "uncertainty", "uncertainty.parameters", dist))
    inputs.extend(levers.values())
    if not inputs:
        raise ScenarioError(Problem("nothing to explore: the scenario draws no parameters and declares no "
                                    "levers; add explore.levers or --vary PATH=LOW:HIGH", file=file))
    return inputs


def _same_value(origin, path: str) -> object:
    """A key equal for two spellings of one value's path (``projects.a.it_mw``, ``projects.1.it_mw``)."""
    if origin is None or origin.data is None:
        return path
    try:
        return set_in_data(origin.data, path, 0)[1]
    except PathError:
        return path


def _varies(dist) -> bool:
    if isinstance(dist, Fixed):
        return False
    if isinstance(dist, (Uniform, Triangular)):
        return dist.high > dist.low
    return dist.sd > 0 if isinstance(dist, Normal) else dist.sigma > 0


def _support(dist) -> tuple[float, float]:
    ends = quantile(dist, np.array([0.0, 1.0]))
    return float(ends[0]), float(ends[1])


def _ndtr(x: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(x)


def _ndtri(p: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri

    return ndtri(p)


def quantile(dist, u: np.ndarray) -> np.ndarray:
    """Inverse distribution function of a schema distribution at ``u`` (0..1); normal and lognormal
    are truncated to their bounds (as :mod:`sim.engine.distributions` draws them) or, unbounded, to
    their :data:`UNBOUNDED_TAIL` quantiles."""
    u = np.asarray(u, dtype=float)
    if isinstance(dist, Fixed):
        return np.full_like(u, float(dist.value))
    if isinstance(dist, Uniform):
        return dist.low + u * (dist.high - dist.low)
    if isinstance(dist, Triangular):
        a, c, b = dist.low, dist.mode, dist.high
        split = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < split, left, right)
    if isinstance(dist, (Normal, Lognormal)):
        log = isinstance(dist, Lognormal)
        centre, scale = (math.log(dist.median), dist.sigma) if log else (dist.mean, dist.sd)

        def standard(bound, default):
            if bound is None:
                return default
            if log:
                return -math.inf if bound <= 0 else (math.log(bound) - centre) / scale
            return (bound - centre) / scale

        lo = _ndtr(np.array(standard(dist.low, _ndtri(np.array(UNBOUNDED_TAIL)))))
        hi = _ndtr(np.array(standard(dist.high, _ndtri(np.array(1 - UNBOUNDED_TAIL)))))
        z = _ndtri(lo + u * (hi - lo))
        values = centre + scale * z
        return np.exp(values) if log else values
    raise TypeError(f"not a distribution: {dist!r}")


@dataclass(frozen=True)
class Design:
    """The samples of an exploration: ``unit`` (n, k) points in [0, 1]^k and their ``values``."""

    method: str
    samples: int  # N as asked (base samples, trajectories or points)
    inputs: tuple[Input, ...]
    unit: np.ndarray
    values: np.ndarray
    seed: int

    @property
    def problem(self) -> dict:
        """The SALib problem (on the unit cube)."""
        return {"num_vars": len(self.inputs), "names": [i.path for i in self.inputs],
                "bounds": [[0.0, 1.0]] * len(self.inputs)}

    def __len__(self) -> int:
        return self.values.shape[0]

    def fixed(self, i: int) -> dict[str, float]:
        """{path: value} of sample ``i``."""
        return {inp.path: (int(v) if inp.integer else float(v)) for inp, v in zip(self.inputs, self.values[i])}


def evaluations(method: str, samples: int, k: int) -> int:
    """Scenario evaluations of a design: N (k + 2) for Sobol (first and total order), N (k + 1)
    for Morris, N for a Latin hypercube."""
    return {"sobol": samples * (k + 2), "morris": samples * (k + 1), "lhs": samples}[method]


def check_method(method: str, samples: int) -> None:
    """Refuse an unknown method or a sample count it cannot use (one line, naming the flag)."""
    if method not in METHODS:
        raise ScenarioError(Problem(f"unknown method {method!r}; choose one of {', '.join(METHODS)}", path="--method"))
    if samples < 2:
        raise ScenarioError(Problem(f"must be at least 2 (got {samples})", path="--samples"))
    if method == "sobol" and samples & (samples - 1):
        below = 1 << (samples.bit_length() - 1)
        raise ScenarioError(Problem(f"Sobol needs N a power of two (got {samples}; use {below} or {below * 2})",
                                    path="--samples"))


def make_design(inputs: Sequence[Input], method: str = DEFAULT_METHOD, samples: int | None = None,
                seed: int = 0) -> Design:
    """Sample ``inputs`` with ``method`` (SALib); ``samples`` defaults to :data:`DEFAULT_SAMPLES`."""
    samples = DEFAULT_SAMPLES.get(method, 2) if samples is None else int(samples)
    check_method(method, samples)
    inputs = tuple(inputs)
    problem = {"num_vars": len(inputs), "names": [i.path for i in inputs], "bounds": [[0.0, 1.0]] * len(inputs)}
    if method == "sobol":
        from SALib.sample import sobol

        unit = sobol.sample(problem, samples, calc_second_order=False, scramble=True, seed=seed)
    elif method == "morris":
        from SALib.sample import morris

        unit = morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    else:
        from SALib.sample import latin

        unit = latin.sample(problem, samples, seed=seed)
    unit = np.asarray(unit, dtype=float)
    values = np.column_stack([inp.value(unit[:, j]) for j, inp in enumerate(inputs)])
    return Design(method, samples, inputs, unit, values, int(seed))


def sample_scenarios(scenario: Scenario, design: Design, chunk: int) -> Iterator[list[Scenario]]:
    """The samples' scenarios (each with its values fixed), ``chunk`` at a time (they are large)."""
    for first in range(0, len(design), chunk):
        yield [with_fixed_values(scenario, design.fixed(i), f"explore sample {i}")
               for i in range(first, min(first + chunk, len(design)))]
