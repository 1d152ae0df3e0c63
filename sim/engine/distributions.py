"""Sampling the scenario's distributions with an explicit random generator.

Every function takes the ``numpy.random.Generator`` to draw from; nothing here keeps random state.
Bounds on ``normal`` and ``lognormal`` truncate the distribution (redrawing until the value falls
inside), they do not clip it.
"""

from __future__ import annotations

import math

import numpy as np

from ..scenario.schema import Fixed, Lognormal, Normal, Triangular, Uniform

MAX_REDRAWS = 10_000


def sample(dist, rng: np.random.Generator) -> float:
    """One draw from ``dist`` (a schema distribution model)."""
    if isinstance(dist, Fixed):
        return float(dist.value)
    if isinstance(dist, Uniform):
        return float(rng.uniform(dist.low, dist.high)) if dist.high > dist.low else float(dist.low)
    if isinstance(dist, Triangular):
        if dist.high == dist.low:
            return float(dist.low)
        return float(rng.triangular(dist.low, dist.mode, dist.high))
    if isinstance(dist, Normal):
        return _truncated(lambda: rng.normal(dist.mean, dist.sd), dist.low, dist.high)
    if isinstance(dist, Lognormal):
        return _truncated(lambda: rng.lognormal(math.log(dist.median), dist.sigma), dist.low, dist.high)
    raise TypeError(f"not a distribution: {dist!r}")


def uses_randomness(dist) -> bool:
    """False when :func:`sample` returns the same value whatever the generator (it may be None)."""
    if isinstance(dist, Fixed):
        return False
    if isinstance(dist, (Uniform, Triangular)):
        return dist.high > dist.low
    return True


def _truncated(draw, low: float | None, high: float | None) -> float:
    for _ in range(MAX_REDRAWS):
        value = float(draw())
        if (low is None or value >= low) and (high is None or value <= high):
            return value
    raise ValueError(f"could not draw a value inside [{low}, {high}] in {MAX_REDRAWS} tries; widen the bounds")
