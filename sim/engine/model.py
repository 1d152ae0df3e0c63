"""The SimPy model: one replication of a region's build-out, as an event log.

Picture a queue of data-centre phases at the grid company's counter: each phase, when its
construction is done (its due time), asks for its peak facility MW of grid connection, then, if it
is an AI (intelligent) phase, for its accelerators, and only then comes online. Both counters
serve strictly first come, first served (a SimPy ``Container``). Grid headroom grows at planned
additions and returns when a phase retires; accelerators arrive at the start of every month, at a fixed
rate or on a schedule.

The model records *when* things happen (online, off, waits), not monthly values: the work per
replication grows with the number of phases, not with the horizon. :mod:`sim.engine.series` turns the
log into monthly series with numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from .plan import CLASS_INDEX, Plan
from .supply import Schedule, deliveries_to_cover, delivered, supply_rate

INTELLIGENT = CLASS_INDEX["intelligent"]


@dataclass
class EventLog:
    """What happened to each phase in one replication (times in months from t = 0).

    ``on`` is inf for a phase that never came online within the horizon; ``off`` is its retirement
    time (inf if none). Waits are measured from request to grant; a request still waiting at the
    horizon end counts up to the end (censored); NaN where nothing was requested.

    ``limits`` holds, per phase, the times of its requests, grants and grid release (``grid_request``,
    ``grid_grant``, ``grid_release``, ``supply_request``, ``supply_grant``; inf where it never
    happened in the horizon): :mod:`sim.engine.series` turns them into the monthly limit metrics.
    An operating phase never asks; its ``grid_release`` is when it gives its connection back.
    """

    on: np.ndarray
    off: np.ndarray
    grid_wait: np.ndarray
    supply_wait: np.ndarray
    events: int = 0
    limits: dict[str, np.ndarray] | None = None


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes (for benchmarks)."""

    def __init__(self) -> None:
        super().__init__()
        self.processed = 0

    def step(self) -> None:
        self.processed += 1
        super().step()


class AcceleratorSupply:
    """Accelerators delivered at t = 0, 1, 2, ..., ``rate`` PFLOPS each time (or the rate of the
    month in a :data:`sim.engine.supply.Schedule`), into a FIFO Container.

    Deliveries are credited lazily, when someone asks or waits, so the number of simulation events
    depends on the requests, not on the length of the horizon; what a requester gets, and when, is
    the same as if every monthly delivery were an event of its own.
    """

    def __init__(self, env: simpy.Environment, rate: float | Schedule):
        self.env = env
        self.rate = rate
        self.store = simpy.Container(env, init=0.0)
        self.credited_through = -1  # last delivery month already put into the store
        self._wake = env.event()
        env.process(self._deliver())

    def _credit_due(self) -> None:
        due = math.floor(self.env.now) - self.credited_through
        if due > 0:
            amount = delivered(self.rate, self.credited_through + 1, due)
            if amount > 0:  # a schedule's months of no deliveries (a Container refuses to put 0)
                self.store.put(amount)
            self.credited_through += due

    def get(self, amount: float) -> simpy.events.Event:
        self._credit_due()
        request = self.store.get(amount)
        if not request.triggered and not self._wake.triggered:
            self._wake.succeed()
        return request

    def _deliver(self):
        while True:
            queue = self.store.get_queue
            if not queue:
                self._wake = self.env.event()
                yield self._wake
                continue
            self._credit_due()
            shortfall_level = self.store.level
            wanted = queue[0].amount
            if shortfall_level >= wanted:
                yield self.env.timeout(0)  # a pending put will serve the head of the queue
                continue
            k = deliveries_to_cover(shortfall_level, wanted, self.rate, self.credited_through)
            yield self.env.timeout(self.credited_through + k - self.env.now)
            self._credit_due()


def simulate_replication(plan: Plan, go: np.ndarray, delay_months: np.ndarray) -> EventLog:
    """Run one replication of ``plan`` with the given go decisions and delays per project."""
    n_phases = plan.n_phases
    horizon = float(plan.n_months)
    # plain Python lists and floats: SimPy's clock and the Containers then do float arithmetic
    # (the same IEEE doubles as numpy, several times faster than numpy scalars)
    phase_project = plan.phase_project.tolist()
    peak_mw = plan.phase_peak_facility_mw.tolist()
    pflops = plan.phase_pflops_declared.tolist()
    intelligent = (plan.phase_class == INTELLIGENT).tolist()
    offset = plan.phase_offset_months.tolist()
    online_index = plan.project_online_index.tolist()
    go_j = go.tolist()
    delay_j = np.asarray(delay_months, dtype=float).tolist()
    off = plan.project_retire_t[plan.phase_project].tolist()
    on = [math.inf] * n_phases
    grid_wait = [math.nan] * n_phases
    supply_wait = [math.nan] * n_phases
    grid_request = [math.nan] * n_phases
    supply_request = [math.nan] * n_phases
    grid_release = [math.inf] * n_phases
    grid_grant = [math.inf] * n_phases
    supply_grant = [math.inf] * n_phases

    env = CountingEnvironment()
    grid = None
    if plan.grid_headroom_mw is not None:
        grid = simpy.Container(env, init=float(plan.grid_headroom_mw))
        if plan.grid_additions:
            env.process(_grid_additions(env, grid, plan.grid_additions))
    supply = None
    rate = supply_rate(plan)
    if rate is not None:
        supply = AcceleratorSupply(env, rate if isinstance(rate, tuple) else float(rate))

    def phase(p: int, due: float, retire: float):
        if due > 0:
            yield env.timeout(due)
        if grid is not None:
            grid_request[p] = env.now
            yield grid.get(peak_mw[p])
            grid_grant[p] = env.now
            grid_wait[p] = env.now - grid_request[p]
        if supply is not None and intelligent[p]:
            supply_request[p] = env.now
            yield supply.get(pflops[p])
            supply_grant[p] = env.now
            supply_wait[p] = env.now - supply_request[p]
        if env.now >= retire:  # its service life ended while it waited
            if grid is not None:
                grid.put(peak_mw[p])
                grid_release[p] = env.now
            return
        on[p] = env.now
        if grid is not None and retire < horizon:
            yield env.timeout(retire - env.now)
            grid.put(peak_mw[p])
            grid_release[p] = env.now

    def give_back(p: int, retire: float):
        yield env.timeout(retire)
        grid.put(peak_mw[p])
        grid_release[p] = env.now

    status = plan.project_status
    for p in range(n_phases):
        j = phase_project[p]
        retire = off[p]
        if status[j] == "operating":
            if retire > 0:
                on[p] = 0.0
                if grid is not None and retire < horizon:
                    env.process(give_back(p, retire))
            continue
        if not go_j[j]:
            off[p] = math.inf
            continue
        due = online_index[j] + delay_j[j] + offset[p]
        if due >= horizon or due >= retire:
            continue
        env.process(phase(p, max(due, 0.0), retire))

    env.run(until=horizon)
    on, off = np.array(on, dtype=float), np.array(off, dtype=float)
    grid_wait, supply_wait = np.array(grid_wait, dtype=float), np.array(supply_wait, dtype=float)
    grid_request, supply_request = np.array(grid_request, dtype=float), np.array(supply_request, dtype=float)

    limits = {
        "grid_request": np.nan_to_num(grid_request, nan=np.inf),
        "grid_grant": np.array(grid_grant, dtype=float),
        "grid_release": np.array(grid_release, dtype=float),
        "supply_request": np.nan_to_num(supply_request, nan=np.inf),
        "supply_grant": np.array(supply_grant, dtype=float),
    }
    # requests still waiting at the horizon end: censored waits
    waiting = np.isnan(grid_wait) & ~np.isnan(grid_request)
    grid_wait[waiting] = horizon - grid_request[waiting]
    waiting = np.isnan(supply_wait) & ~np.isnan(supply_request)
    supply_wait[waiting] = horizon - supply_request[waiting]
    return EventLog(on=on, off=off, grid_wait=grid_wait, supply_wait=supply_wait, events=env.processed,
                    limits=limits)


def _grid_additions(env: simpy.Environment, grid: simpy.Container, additions):
    for t, mw in additions:
        if t > env.now:
            yield env.timeout(t - env.now)
        grid.put(mw)
