"""Drawn values obey the rules of the value they replace: a distribution's support, checked.

``uncertainty.parameters`` replaces a number of the scenario by a draw in every replication. The
draw must be a value the file could have said: a utilization in 0..1, an ``it_mw`` above 0, PUE
points that keep the curve valid. A distribution can only draw inside its *support*: ``[low,
high]`` of a ``uniform`` or ``triangular``, the single value of a ``fixed``, the whole line for a
``normal`` without bounds, above 0 for a ``lognormal`` without ``low``. Every rule on a number is
an interval (``gt``/``ge``/``le`` in the schema, PUE >= 1, increasing temperatures, phases summing
to 1 ...), so the support is valid when both of its ends are: each end is put in the scenario in
place of the value and the scenario checked again (the value's own model, then every cross-field
rule of :mod:`sim.scenario.consistency`). An end at infinity is put in as +-1e300, unless the value's
field has a plausible limit on that side (:data:`sim.scenario.schema.PLAUSIBLE_LIMITS`, such as
``it_mw`` at most 100,000) and the distribution puts less than :data:`TAIL` beyond it: then the
limit is put in (a lognormal ``it_mw`` without ``high`` keeps validating; one that draws beyond the
limit more often than that does not).

A truncated ``normal`` or ``lognormal`` is drawn by redrawing until the value falls inside its
bounds (:mod:`sim.engine.distributions`); bounds that hold less than :data:`MIN_MASS` of the
distribution are refused, for delays too, so that a run never fails for want of a draw.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator

from pydantic import BaseModel, ValidationError

from . import consistency
from .paths import PathError, field_of, resolve_path, with_values
from .schema import (MAX_MONTHS, MAX_PUE, MAX_TEMP_C, MIN_TEMP_C, PLAUSIBLE_LIMITS, Fixed, Lognormal, Normal, Scenario,
                     Triangular, Uniform)

MIN_MASS = 0.01
"""Least share of a truncated distribution that must lie inside its bounds (1%)."""

FAR = 1e300
"""Stands for an infinite end of a support when the scenario is checked with it."""

TAIL = 1e-9
"""Largest share of a distribution without a bound that may lie beyond a plausible limit."""

SMALLEST_POSITIVE = 5e-324
"""Stands for the lower end of a lognormal without ``low`` (it draws values above 0, down to near 0)."""

Finding = tuple[tuple, str]
Messages = Callable[[dict], str]
"""Phrases one pydantic error (a dict of ``ValidationError.errors()``) in the project's words."""
Display = Callable[[tuple], str]
"""Shows a location in the scenario data as the path a user reads (``projects[a].phases``)."""


def support(dist) -> list[tuple[float, str]]:
    """The ends of ``dist``'s support as (value, how it is reached), lowest first."""
    if isinstance(dist, Fixed):
        return [(dist.value, "its value")]
    if isinstance(dist, (Uniform, Triangular)):
        return [(dist.low, "its low"), (dist.high, "its high")]
    if isinstance(dist, Normal):
        low = (dist.low, "its low") if dist.low is not None else (-FAR, f"down to -inf ({dist.dist} without low)")
        high = (dist.high, "its high") if dist.high is not None else (FAR, f"up to inf ({dist.dist} without high)")
        if dist.sd == 0:
            return [(dist.mean, "its mean (sd 0)")]
        return [low, high]
    if isinstance(dist, Lognormal):
        low = (dist.low, "its low") if dist.low is not None and dist.low > 0 else (
            SMALLEST_POSITIVE, "down to near 0 (lognormal without a positive low)")
        high = (dist.high, "its high") if dist.high is not None else (FAR, "up to inf (lognormal without high)")
        if dist.sigma == 0:
            return [(dist.median, "its median (sigma 0)")]
        return [low, high]
    raise TypeError(f"not a distribution: {dist!r}")


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def mass_inside(dist) -> float:
    """Share of a ``normal`` or ``lognormal`` that lies inside its ``[low, high]`` (1 without bounds)."""
    if isinstance(dist, Normal):
        centre, spread, low, high = dist.mean, dist.sd, dist.low, dist.high
    elif isinstance(dist, Lognormal):
        centre, spread = math.log(dist.median), dist.sigma
        low = None if dist.low is None else (math.log(dist.low) if dist.low > 0 else -math.inf)
        high = None if dist.high is None else (math.log(dist.high) if dist.high > 0 else -math.inf)
    else:
        return 1.0
    low = -math.inf if low is None else low
    high = math.inf if high is None else high
    if spread == 0:
        return 1.0 if low <= centre <= high else 0.0
    return max(_phi((high - centre) / spread) - _phi((low - centre) / spread), 0.0)


def beyond(dist, limit: float, above: bool = True) -> float:
    """Share of ``dist`` (a ``normal`` or ``lognormal``, ignoring its own bounds) above ``limit``
    (``above``) or below it; 0 for the other kinds, whose support is their bounds."""
    if isinstance(dist, Normal):
        if dist.sd == 0:
            return float(dist.mean > limit if above else dist.mean < limit)
        z = (limit - dist.mean) / dist.sd
    elif isinstance(dist, Lognormal):
        if limit <= 0:
            return 0.0 if not above else 1.0
        if dist.sigma == 0:
            return float(dist.median > limit if above else dist.median < limit)
        z = (math.log(limit) - math.log(dist.median)) / dist.sigma
    else:
        return 0.0
    return 1.0 - _phi(z) if above else _phi(z)


def _plausible_limit(scenario: Scenario, path: str, above: bool) -> float | None:
    """The plausible limit of the field at ``path`` on the upper (``above``) or lower side, if any."""
    segments = path.split(".")
    if len(segments) >= 3 and segments[-2] == "monthly_temp_c" or len(segments) >= 4 and segments[-3] == "pue_curve":
        is_pue = segments[-3:-2] == ["pue_curve"] and segments[-1] == "1"
        if is_pue:
            return MAX_PUE if above else None
        return MAX_TEMP_C if above else MIN_TEMP_C  # items of a tuple: no field of their own
    try:
        found = field_of(scenario, path)
    except PathError:
        return None
    if found is None:
        return None
    for rule in found[1].metadata:
        for name in (("le", "lt") if above else ("ge", "gt")):
            limit = getattr(rule, name, None)
            if limit is not None and limit in PLAUSIBLE_LIMITS:
                return float(limit)
    return None


def check_mass(dist, loc: tuple) -> Iterator[Finding]:
    """Bounds of a truncated distribution that leave almost nothing to draw."""
    mass = mass_inside(dist)
    if mass < MIN_MASS:
        yield loc, (f"only {mass:.2%} of this {dist.dist} distribution lies inside its bounds "
                    f"[{_num(dist.low)}, {_num(dist.high)}]; at least {MIN_MASS:.0%} must (values are redrawn "
                    "until they fall inside): move the bounds or the distribution")


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


_GOT = re.compile(r" \(got [^)]*\)$")


def _enclosing_model(scenario: Scenario, path: str) -> tuple[str, BaseModel]:
    """(prefix, model): the deepest pydantic model on ``path`` below the scenario itself."""
    segments = path.split(".")
    best = ("", scenario)
    for depth in range(1, len(segments)):
        prefix = ".".join(segments[:depth])
        node = resolve_path(scenario, prefix, numeric=False)
        if isinstance(node, BaseModel):
            best = (prefix, node)
    return best


def _rule_broken(scenario: Scenario, path: str, value: float, base: set, messages: Messages,
                 display: Display) -> str | None:
    """What ``scenario`` with ``value`` at ``path`` breaks (None: nothing)."""
    changed = with_values(scenario, {path: value})
    prefix, model = _enclosing_model(changed, path)
    if prefix:  # the value's own model: its field ranges (the whole scenario costs too much per end)
        try:
            type(model).model_validate(model.model_dump(by_alias=True))
        except ValidationError as exc:
            err = exc.errors()[0]
            return f"{path}: {_GOT.sub('', messages(err))}"
    else:
        try:
            Scenario.model_validate(changed.model_dump(by_alias=True))
        except ValidationError as exc:
            return f"{path}: {_GOT.sub('', messages(exc.errors()[0]))}"
    for loc, message in consistency.check(changed):
        if (loc, message) not in base and loc[:2] != ("uncertainty", "parameters"):
            return f"{display(loc)}: {_GOT.sub('', message)}"
    return None


def check_parameters(scenario: Scenario, messages: Messages, display: Display) -> list[Finding]:
    """Every drawn parameter whose distribution can draw a value its path does not allow."""
    if scenario.uncertainty is None:
        return []
    findings: list[Finding] = []
    base = None
    for path, dist in scenario.uncertainty.parameters.items():
        loc = ("uncertainty", "parameters", path)
        try:
            current = resolve_path(scenario, path)
        except PathError:
            continue  # reported by consistency.check_uncertainty
        findings.extend(check_mass(dist, loc))
        for value, how in support(dist):
            if value == current:
                continue
            if abs(value) == FAR:  # an unbounded end: at the path's plausible limit, if almost nothing lies beyond
                limit = _plausible_limit(scenario, path, above=value > 0)
                if limit is not None and beyond(dist, limit, above=value > 0) < TAIL:
                    value = limit
            if base is None:
                base = set(consistency.check(scenario))
            broken = _rule_broken(scenario, path, value, base, messages, display)
            if broken:
                shown = how if how.startswith(("down to", "up to")) else f"{value:g} ({how})"
                findings.append((loc, f"can draw {shown}, but then {broken}; keep the distribution inside "
                                      "the values allowed there"))
                break
    return findings


def check_delays(scenario: Scenario) -> list[Finding]:
    """Delay distributions (of a status, or of one project) with bounds that leave almost nothing to
    draw, or that can draw delays beyond :data:`sim.scenario.schema.MAX_MONTHS` (an unbounded end:
    more than :data:`TAIL` of the distribution beyond it)."""
    findings: list[Finding] = []
    delays = []
    if scenario.uncertainty is not None:
        for status in ("construction", "registered", "planned"):
            dist = getattr(scenario.uncertainty.delay_months, status)
            if dist is not None:
                delays.append((dist, ("uncertainty", "delay_months", status)))
    for j, project in enumerate(scenario.projects):
        if project.delay_months is not None:
            delays.append((project.delay_months, ("projects", j, "delay_months")))
    for dist, loc in delays:
        findings.extend(check_mass(dist, loc))
        findings.extend(_check_delay_limit(dist, loc))
    return findings


def _check_delay_limit(dist, loc: tuple) -> Iterator[Finding]:
    for value, how in support(dist):
        if abs(value) == FAR:
            if beyond(dist, MAX_MONTHS if value > 0 else -MAX_MONTHS, above=value > 0) < TAIL:
                continue
        elif abs(value) <= MAX_MONTHS:
            continue
        shown = how if how.startswith(("down to", "up to")) else f"{value:g} ({how})"
        yield loc, (f"can draw {shown}; a delay must stay within {MAX_MONTHS:g} months either way "
                    f"(give it bounds within -{MAX_MONTHS:g}..{MAX_MONTHS:g})")
        return
