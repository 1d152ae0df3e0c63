"""Numbers said no more precisely than the replications support.

A probability measured from R replications has a 95% Wilson interval; printing it with more
decimals than the interval's width suggests a precision that is not there ("92.97%" when the
interval runs from 91% to 94%). A lever value found by bisection is known to within the range of
values the replications cannot tell apart (the values whose interval contains the probability
asked for) or the final bracket: "about 0.93", not "0.9297".
"""

from __future__ import annotations

import math

from .design import fmt, percent


def supported_percent(p: float, ci_low: float, ci_high: float, threshold: float | None = None) -> str:
    """``p`` as a percentage with the decimals its 95% interval supports: none when the interval's
    half-width is at least half a point, one down to 0.05 points, else two (and never 100% for a
    P below 1, nor 0% for one above 0: :func:`sim.explore.design.percent`). With ``threshold``,
    more decimals where needed so that a P below it never reads as reaching it (79.7%, not 80%)."""
    if not all(math.isfinite(v) for v in (p, ci_low, ci_high)):
        return percent(p, 0, False)
    half = 50 * (ci_high - ci_low)
    decimals = 0 if half >= 0.5 else 1 if half >= 0.05 else 2
    text = percent(p, decimals, False)
    while threshold is not None and decimals < 6 and _number(text) >= 100 * threshold > 100 * p:
        decimals += 1
        text = percent(p, decimals, False)
    return text


def _number(text: str) -> float:
    try:
        return float(text.strip("<>%"))
    except ValueError:
        return math.nan


def about(value: float, width: float) -> str:
    """``value`` rounded to the power of ten at or below ``width`` (the range it is known within):
    ``about(0.9297, 0.019)`` -> ``0.93``, ``about(31.25, 1.56)`` -> ``31``."""
    if not (math.isfinite(value) and math.isfinite(width)) or width <= 0:
        return fmt(value)
    step = 10.0 ** math.floor(math.log10(width))
    rounded = round(value / step) * step
    decimals = max(0, -int(math.floor(math.log10(step))))
    return fmt(round(rounded, decimals))


def cost_axis(costs) -> tuple[float, float]:
    """The x range of a package solve's frontier chart (``costs``: every package evaluated, in the
    axis' unit), the same in plots/frontier.png and the report: from 0 (or the lowest cost, when one
    is negative) to the highest, with 4% room either side."""
    values = [float(c) for c in costs if math.isfinite(float(c))]
    if not values:
        return (0.0, 1.0)
    low, high = min(0.0, min(values)), max(0.0, max(values))
    room = 0.04 * (high - low) or 1.0
    return (low - room, high + room)
