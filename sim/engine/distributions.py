"""The scenario's distributions as inverse transforms of uniforms, for a block of replications.

Nothing here keeps random state: each function takes the uniforms (from the keyed streams of
:mod:`sim.engine.draws`), one row per replication with :data:`WORDS` uniforms in (0, 1) each.
Bounds on ``normal`` and ``lognormal`` truncate the distribution (the first of a replication's
candidates that falls inside is taken), they do not clip it.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from ..scenario.schema import Fixed, Lognormal, Normal, Triangular, Uniform

WORDS = 4
"""Uniforms per replication of each stream: one Philox4x64 counter step, four truncation candidates."""
MAX_REDRAWS = 10_000
"""Candidates of a truncated distribution before giving up."""
_TWO_PI = 2.0 * math.pi


def sample_block(dist, u: np.ndarray, overflow=None) -> np.ndarray:
    """(R,) values of ``dist`` from (R, WORDS) uniforms ``u`` (``None`` for a fixed value: 1 row).

    ``overflow(rows)`` gives, for a truncated distribution, the values of the replications (row
    numbers) none of whose candidates fell inside the bounds."""
    if isinstance(dist, Fixed):
        return np.full(len(u), float(dist.value))
    if isinstance(dist, Uniform):
        if dist.high <= dist.low:
            return np.full(len(u), float(dist.low))
        return dist.low + (dist.high - dist.low) * u[:, 0]
    if isinstance(dist, Triangular):
        if dist.high == dist.low:
            return np.full(len(u), float(dist.low))
        return triangular(dist.low, dist.mode, dist.high, u[:, 0])
    if isinstance(dist, (Normal, Lognormal)):
        candidates = _candidates(dist, u)
        inside = np.ones(candidates.shape, dtype=bool)
        if dist.low is not None:
            inside &= candidates >= dist.low
        if dist.high is not None:
            inside &= candidates <= dist.high
        chosen = np.argmax(inside, axis=1)
        values = candidates[np.arange(len(u)), chosen]
        missing = np.flatnonzero(~inside.any(axis=1))
        if missing.size:
            if overflow is None:
                raise ValueError(f"could not draw a value inside [{dist.low}, {dist.high}]")
            values[missing] = overflow(missing)
        return values
    raise TypeError(f"not a distribution: {dist!r}")


def triangular(low: float, mode: float, high: float, u: np.ndarray) -> np.ndarray:
    """The triangular distribution's inverse CDF at ``u`` (numpy's formula)."""
    span = high - low
    cut = (mode - low) / span
    left = low + np.sqrt(u * (mode - low) * span)
    right = high - np.sqrt((1.0 - u) * (high - mode) * span)
    return np.where(u <= cut, left, right)


def _candidates(dist, u: np.ndarray) -> np.ndarray:
    """(R, WORDS) normal (or lognormal) candidates from Box-Muller on pairs of uniforms."""
    radius = np.sqrt(-2.0 * np.log(u[:, 0::2]))
    angle = _TWO_PI * u[:, 1::2]
    z = np.concatenate([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    if isinstance(dist, Normal):
        return dist.mean + dist.sd * z
    return np.exp(math.log(dist.median) + dist.sigma * z)


def uses_randomness(dist) -> bool:
    """False when a draw of ``dist`` is the same value whatever the uniforms."""
    if isinstance(dist, Fixed):
        return False
    if isinstance(dist, (Uniform, Triangular)):
        return dist.high > dist.low
    return True




def point_value(dist) -> float:
    """The single value ``capsim run --deterministic`` puts in place of ``dist`` (docs/model.md):
    a fixed value itself; a uniform's midpoint (its median); a triangular's mode (its most likely
    value); a normal's mean and a lognormal's median (both the median), or, when bounds truncate
    them, the median of the truncated distribution (the value with half of the kept probability
    on each side)."""
    if isinstance(dist, Fixed):
        return float(dist.value)
    if isinstance(dist, Uniform):
        return float(dist.low + (dist.high - dist.low) / 2.0) if dist.high > dist.low else float(dist.low)
    if isinstance(dist, Triangular):
        return float(dist.mode)
    if isinstance(dist, (Normal, Lognormal)):
        log = isinstance(dist, Lognormal)
        centre, spread = (math.log(dist.median), dist.sigma) if log else (dist.mean, dist.sd)
        if spread == 0 or (dist.low is None and dist.high is None):
            return float(dist.median if log else dist.mean)
        unit = NormalDist()
        cut = [None if b is None else ((math.log(b) if b > 0 else -math.inf) if log else b) for b in (dist.low, dist.high)]
        below = 0.0 if cut[0] is None else unit.cdf((cut[0] - centre) / spread)
        above = 1.0 if cut[1] is None else unit.cdf((cut[1] - centre) / spread)
        value = centre + spread * unit.inv_cdf(min(max((below + above) / 2.0, 1e-300), 1.0 - 1e-16))
        value = math.exp(value) if log else value
        low = -math.inf if dist.low is None else dist.low
        high = math.inf if dist.high is None else dist.high
        return float(min(max(value, low), high))
    raise TypeError(f"not a distribution: {dist!r}")
