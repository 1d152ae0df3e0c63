"""Sanity warnings: figures a scenario may hold but no real project of its class has.

A warning is not an error: the file validates and runs, and the warning says which figure looks
wrong and why, one line each, ``FILE:LINE:COL: path: message`` (:func:`warn`, shown by the CLI as
``capsim: warning: ...``, once). The ranges and their reasoning are in docs/scenario-format.md
("Sanity warnings"); they are assumptions, set wide so that only a figure off by a large factor
(a sparse or lower-precision figure, TFLOPS for PFLOPS, facility MW for IT MW) is flagged.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np

from .schema import Scenario

Finding = tuple[tuple, str]

PFLOPS_PER_IT_MW = {
    "FP64": (0.05, 80.0),
    "FP32": (0.2, 100.0),
    "TF32": (5.0, 750.0),
    "FP16": (10.0, 1500.0),
    "BF16": (10.0, 1500.0),
    "FP8": (20.0, 3000.0),
    "INT8": (20.0, 3000.0),
}
"""Plausible (lowest, highest) PFLOPS per MW of IT design power, per declared precision (assumption:
the upper end is about the densest fleet shipping, GB200 NVL72 racks at about 1,400 PFLOPS FP16
dense per IT MW; the lower end a hundredth of it or so, to catch unit slips; docs/scenario-format.md)."""
SUMMER_MONTHS = (6, 7, 8)
"""June, July, August: the summer months of the northern hemisphere, where every shipped region is."""
MIN_SUMMER_PUE = 1.05
"""Lowest plausible monthly PUE in a summer month (the best facilities report about 1.1 over a year)."""
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")


class InputWarning(UserWarning):
    """A figure of the input that is allowed but implausible (sim.scenario.sanity)."""


def check_pflops_per_mw(s: Scenario) -> Iterator[Finding]:
    for i, p in enumerate(s.projects):
        low, high = PFLOPS_PER_IT_MW[p.compute.precision]
        density = p.compute.pflops / p.it_mw
        if low <= density <= high:
            continue
        side, bound = ("above", high) if density > high else ("below", low)
        hint = ("a sparse or lower-precision figure, or facility MW given as IT MW?" if density > high
                else "TFLOPS given as PFLOPS, or a higher precision than declared?")
        yield ("projects", i, "compute", "pflops"), (
            f"{p.compute.pflops:,.6g} PFLOPS {p.compute.precision} on {p.it_mw:,.4g} IT MW is {density:,.4g} PFLOPS "
            f"per IT MW, {side} the plausible {low:g}..{high:,g} for {p.compute.precision} ({hint} "
            f"docs/scenario-format.md, 'Sanity warnings')")


def check_summer_pue(s: Scenario) -> Iterator[Finding]:
    used = dict.fromkeys((p.cooling, p.site) for p in s.projects if p.cooling in s.cooling and p.site in s.sites)
    for cooling, site in used:
        curve = sorted(s.cooling[cooling].pue_curve)
        temps = s.sites[site].monthly_temp_c
        if not curve or len(temps) != 12:
            continue
        xs, ys = [t for t, _ in curve], [pue for _, pue in curve]
        for month in SUMMER_MONTHS:
            pue = float(np.interp(temps[month - 1], xs, ys))
            if pue < MIN_SUMMER_PUE:
                yield ("cooling", cooling, "pue_curve"), (
                    f"PUE {pue:.3g} in {MONTH_NAMES[month - 1]} at site {site!r} ({temps[month - 1]:g} degC), below "
                    f"{MIN_SUMMER_PUE:g} in a summer month, lower than facilities report "
                    f"(docs/scenario-format.md, 'Sanity warnings')")
                break


CHECKS = (check_pflops_per_mw, check_summer_pue)


def findings(s: Scenario) -> list[Finding]:
    """Every sanity warning of ``s`` as (location, message)."""
    return [finding for check in CHECKS for finding in check(s)]


def warn(lines: list[str]) -> None:
    """Issue each line as an :class:`InputWarning` (the CLI prints each once)."""
    for line in lines:
        warnings.warn(line, InputWarning, stacklevel=4)  # the caller of load_scenario
