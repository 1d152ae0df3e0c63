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


def deliveries_to_cover(level: float, wanted: float, rate: float) -> int:
    """Monthly deliveries of ``rate`` PFLOPS until ``level`` covers ``wanted`` (at least 1), as
    :class:`sim.engine.model.AcceleratorSupply` and :func:`replay_queue` both count them: the
    first ``k`` with ``level + k x rate >= wanted`` in floats, at most :data:`NEVER_MONTHS` (a
    rate so small that the count would pass it never covers the request within a horizon)."""
    months = (wanted - level) / rate
    if not months < NEVER_MONTHS:  # also inf, from a subnormal rate
        return NEVER_MONTHS
    k = max(1, math.ceil(months))
    while level + k * rate < wanted:
        k += 1
        if k >= NEVER_MONTHS:
            return NEVER_MONTHS
    return k


def replay_queue(times: list[float], amounts: list[float], rate: float, horizon: float) -> list[float]:
    """When each request for accelerators is granted (inf: not within the horizon).

    ``times`` and ``amounts`` (PFLOPS) are the requests in the order they join the line: by time,
    then phase number (plain Python floats, as SimPy's clock and Container use); ``rate``: PFLOPS
    delivered at t = 0, 1, 2, ...; ``horizon``: the end of the run.
    """
    n_requests = len(times)
    granted = [math.inf] * n_requests
    rate = float(rate)
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
            level += due_months * rate
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
                k = deliveries_to_cover(level, amounts[head], rate)
                wake = now + (credited + k - now)
    return granted
