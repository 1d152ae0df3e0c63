"""The accelerator queue of one replication, replayed without SimPy when the grid never waits.

Picture the accelerator vendor's counter from :mod:`sim.engine.model`: deliveries arrive at the
start of every month, AI phases line up first come, first served, and a phase that cannot be
served blocks everyone behind it. When the grid grants every connection the moment it is asked
for (:func:`sim.engine.block.grid_never_waits`), every AI phase joins this line at its due time,
in the order (due time, phase number), whatever else happens; what remains is one queue with one
server, whose every step can be replayed in plain Python.

:func:`replay_queue` does exactly what :class:`sim.engine.model.AcceleratorSupply` and the
phases' SimPy processes do, step for step and with the same float operations in the same order:
deliveries credited lazily whenever a phase asks or the dispatcher wakes, the dispatcher's wake-up
time computed as SimPy computes a timeout (``now + (target - now)``), nothing at or after the
horizon end. The event log is therefore SimPy's, bit for bit; tests/test_supply_replay.py compares
both on random scenarios, including requests, deliveries and levels that tie exactly. SimPy stays
the engine of record: a replication in which the grid might make a phase wait runs in SimPy.
"""

from __future__ import annotations

import math

import numpy as np


NEVER_MONTHS = 2 ** 53
"""A wait this long (months) is beyond any horizon; past it ``k + 1`` months would not change ``k x rate``."""


Schedule = tuple[tuple[int, float], ...]
"""A supply that changes over time: (first delivery month t, PFLOPS per month) steps, sorted, the
first at t = 0; each rate holds from its month until the next step's."""


def supply_rate(plan) -> float | Schedule | None:
    """The plan's accelerator supply: one rate (PFLOPS per month), a :data:`Schedule`, or None."""
    return plan.supply_schedule if plan.supply_schedule is not None else plan.supply_pflops_per_month


def make_schedule(steps: list[tuple[int, float]]) -> Schedule:
    """A :data:`Schedule` from (month index from the horizon start, rate) steps: nothing before the
    first step; of the steps at or before t = 0, the latest holds at t = 0."""
    out = [(0, 0.0)]
    for t, rate in sorted(steps):
        if t <= 0:
            out[0] = (0, float(rate))
        else:
            out.append((int(t), float(rate)))
    return tuple(out)


def monthly_rates(rate: float | Schedule, n_months: int) -> list[float]:
    """PFLOPS delivered at t = 0 .. n_months - 1."""
    if not isinstance(rate, tuple):
        return [float(rate)] * n_months
    out = [0.0] * n_months
    for t, r in rate:
        out[t:] = [r] * max(0, n_months - t)
    return out


def delivered(rate: float | Schedule, first: int, count: int) -> float:
    """PFLOPS delivered at t = first .. first + count - 1: ``count x rate`` for one rate; for a
    schedule, each step's count x its rate added in step order (the same floats wherever asked)."""
    if not isinstance(rate, tuple):
        return count * rate
    total = 0.0
    last = first + count
    for i, (start, r) in enumerate(rate):
        end = rate[i + 1][0] if i + 1 < len(rate) else last
        n = min(end, last) - max(start, first)
        if n > 0:
            total += n * r
    return total


def deliveries_to_cover(level: float, wanted: float, rate: float | Schedule, credited: int = -1) -> int:
    """Monthly deliveries of ``rate`` PFLOPS until ``level`` covers ``wanted`` (at least 1), as
    :class:`sim.engine.model.AcceleratorSupply` and :func:`replay_queue` both count them: the
    first ``k`` with ``level + k x rate >= wanted`` in floats, at most :data:`NEVER_MONTHS` (a
    rate so small that the count would pass it never covers the request within a horizon).
    For a :data:`Schedule`, the deliveries are those after month ``credited``: the first ``k``
    with ``level + delivered(rate, credited + 1, k) >= wanted``."""
    if isinstance(rate, tuple):
        return _schedule_to_cover(level, wanted, rate, credited + 1)
    months = (wanted - level) / rate
    if not months < NEVER_MONTHS:  # also inf, from a subnormal rate
        return NEVER_MONTHS
    k = max(1, math.ceil(months))
    while level + k * rate < wanted:
        k += 1
        if k >= NEVER_MONTHS:
            return NEVER_MONTHS
    return k


def _schedule_to_cover(level: float, wanted: float, rate: Schedule, first: int) -> int:
    """:func:`deliveries_to_cover` for a schedule, step by step: within a step of rate r starting
    at month a (or at ``first``), ``delivered(rate, first, a - first + j)`` is exactly
    ``before + j x r``, ``before`` being what the earlier steps delivered."""
    for i, (start, r) in enumerate(rate):
        end = rate[i + 1][0] if i + 1 < len(rate) else None
        if end is not None and end <= first:
            continue
        a = max(start, first)
        if r <= 0:
            if end is None:
                return NEVER_MONTHS
            continue
        before = delivered(rate, first, a - first)
        months = (wanted - level - before) / r
        if not months < NEVER_MONTHS:
            return NEVER_MONTHS
        j = max(1, math.ceil(months))
        while j > 1 and level + (before + (j - 1) * r) >= wanted:
            j -= 1
        while level + (before + j * r) < wanted:
            j += 1
            if a - first + j >= NEVER_MONTHS:
                return NEVER_MONTHS
        if end is None or j <= end - a:
            return min(a - first + j, NEVER_MONTHS)
    return NEVER_MONTHS


def replay_queue(times: list[float], amounts: list[float], rate: float | Schedule, horizon: float) -> list[float]:
    """When each request for accelerators is granted (inf: not within the horizon).

    ``times`` and ``amounts`` (PFLOPS) are the requests in the order they join the line: by time,
    then phase number (plain Python floats, as SimPy's clock and Container use); ``rate``: PFLOPS
    delivered at t = 0, 1, 2, ..., or a :data:`Schedule`; ``horizon``: the end of the run.
    """
    n_requests = len(times)
    granted = [math.inf] * n_requests
    rate = rate if isinstance(rate, tuple) else float(rate)
    level = 0.0  # the Container's level
    credited = -1  # last delivery month put into it
    head = 0  # first request not yet served
    joined = 0  # requests in line so far (served or not)
    wake = math.inf  # when the dispatcher next acts (inf: idle, waiting to be woken)
    while True:
        next_request = times[joined] if joined < n_requests else math.inf
        now = next_request if next_request <= wake else wake
        if now >= horizon:
            break
        due_months = math.floor(now) - credited  # whoever acts first at ``now`` credits the deliveries
        if due_months > 0:
            level += delivered(rate, credited + 1, due_months)
            credited += due_months
        idle = wake == math.inf
        while joined < n_requests and times[joined] == now:  # requests at ``now`` join the line
            joined += 1
        while head < joined and level >= amounts[head]:  # the line is served head first, to a misfit
            level -= amounts[head]
            granted[head] = now
            head += 1
        if wake <= now or (idle and head < joined):  # the dispatcher acts, or is woken by a waiter
            if head == joined:
                wake = math.inf
            else:  # AcceleratorSupply._deliver: sleep until the deliveries cover the head
                k = deliveries_to_cover(level, amounts[head], rate, credited)
                wake = now + (credited + k - now)
    return granted
