"""The accelerator queue of one replication, replayed without SimPy when the grid never waits.

Picture the accelerator vendor's counter from :mod:`sim.engine.model`: deliveries arrive at the
start of every month, AI phases line up first come, first served, and a phase that cannot be
served blocks everyone behind it. When the grid grants every connection the moment it is asked
for (:func:`sim.engine.block.grid_never_waits`), every AI phase joins this line at its due time,
in the order (due time, phase number), whatever else happens; what remains is one queue with one
server, whose every step can be replayed in plain Python.

:func:`replay_supply` does exactly what :class:`sim.engine.model.AcceleratorSupply` and the
phases' SimPy processes do, step for step and with the same float operations in the same order:
deliveries credited lazily whenever a phase asks or the dispatcher wakes, the dispatcher's wake-up
time computed as SimPy computes a timeout (``now + (target - now)``), nothing at or after the
horizon end. The event log is therefore SimPy's, bit for bit; tests/test_properties.py compares
both on random scenarios, including requests, deliveries and levels that tie exactly. SimPy stays
the engine of record: a replication in which the grid might make a phase wait runs in SimPy.
"""

from __future__ import annotations

import math

import numpy as np


def replay_supply(due: np.ndarray, takes: np.ndarray, pflops: np.ndarray, rate: float,
                  horizon: float) -> np.ndarray:
    """(P,) when each phase's accelerators are granted (inf: not within the horizon).

    ``due``: (P,) request times; ``takes``: (P,) the phase asks for accelerators (an AI phase that
    asks at all, ``due`` finite and before the horizon end); ``pflops``: (P,) its PFLOPS;
    ``rate``: PFLOPS delivered at t = 0, 1, 2, ...
    """
    grant = np.full(due.shape, math.inf)
    asking = np.flatnonzero(takes)
    if asking.size == 0:
        return grant
    order = asking[np.argsort(due[asking], kind="stable")].tolist()  # (due, phase number)
    times = due.tolist()
    amounts = pflops.tolist()
    granted = [math.inf] * len(times)
    rate = float(rate)
    level = 0.0  # the Container's level
    credited = -1  # last delivery month put into it
    queue: list[int] = []  # phases waiting, head first
    head = 0  # index of the head in ``queue``
    wake = math.inf  # when the dispatcher next acts (inf: idle, waiting to be woken)

    def credit(now: float) -> None:
        nonlocal level, credited
        due_months = math.floor(now) - credited
        if due_months > 0:
            level += due_months * rate
            credited += due_months

    def serve(now: float) -> None:  # the Container's get queue, head first, stopping at a misfit
        nonlocal level, head
        while head < len(queue) and level >= amounts[queue[head]]:
            level -= amounts[queue[head]]
            granted[queue[head]] = now
            head += 1

    def dispatch(now: float) -> float:  # AcceleratorSupply._deliver: the next time it acts
        if head == len(queue):
            return math.inf
        wanted = amounts[queue[head]]
        k = max(1, math.ceil((wanted - level) / rate))
        while level + k * rate < wanted:
            k += 1
        return now + (credited + k - now)

    n_requests = len(order)
    i = 0
    while True:
        next_request = times[order[i]] if i < n_requests else math.inf
        now = min(next_request, wake)
        if now >= horizon:
            break
        credit(now)  # whoever acts first at ``now`` credits what has been delivered by then
        if next_request <= wake:  # requests at ``now``: join the line, then the head is served
            while i < n_requests and times[order[i]] == now:
                queue.append(order[i])
                i += 1
                serve(now)
        else:
            serve(now)
        if wake <= now or (wake == math.inf and head < len(queue)):  # the dispatcher acts (or is woken)
            serve(now)
            wake = dispatch(now)
    for p in asking.tolist():
        grant[p] = granted[p]
    return grant
