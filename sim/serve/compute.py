"""One run of a setting: the scenario with the levers' values fixed (and the variant switched
on), simulated with the base's seed and replication count, so replication r of every setting sees
the same draws (common random numbers, :func:`sim.scenario.variants.fixed_changes`).

One simulation at a time per app (a lock) and at most :data:`QUEUE` requests waiting (more are
refused: :class:`Busy`). Stale requests are dropped: each request takes a ticket when it arrives
(:meth:`Runner.ticket`), and one that gets the lock after a newer ticket was taken is not run (a
slider dragged five times, or five quick key presses, runs once, for the last). Recent results are
kept (:data:`CACHE`), so the base, a pinned setting and Back/Forward cost nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from ..analysis.results import Results
from ..run.simulate import simulate
from ..scenario.schema import Scenario
from ..scenario.variants import apply_variant, fixed_changes
from . import DEFAULT_REPLICATIONS  # noqa: F401 - where the app and the CLI find it
from .state import State

QUEUE = 4
CACHE = 16
WHERE = "capsim serve's lever"


class Busy(RuntimeError):
    """More requests waiting than :data:`QUEUE`."""


class Runner:
    def __init__(self, scenario: Scenario, replications: int, seed: int = 0):
        self.scenario, self.replications, self.seed = scenario, replications, seed
        self._lock = threading.Lock()
        self._count = threading.Lock()
        self._waiting = 0
        self._ticket = 0
        self._cache: OrderedDict[tuple, Results] = OrderedDict()
        self.runs = 0  # simulations run (tests check that a refused request runs none)

    def ticket(self) -> int:
        with self._count:
            self._ticket += 1
            return self._ticket

    def scenario_of(self, state: State) -> Scenario:
        """The scenario of ``state`` (raises ScenarioError when the values make it invalid)."""
        if not state.values and not state.variant:
            return self.scenario
        return apply_variant(self.scenario, state.variant, fixed_changes(state.values, WHERE))

    def cached(self, state: State) -> Results | None:
        with self._count:
            return self._cache.get(state.key())

    def run(self, state: State, ticket: int | None = None) -> Results | None:
        """The results of ``state``; None when a newer request came (``ticket`` is stale)."""
        hit = self.cached(state)
        if hit is not None:
            return hit
        with self._count:
            if self._waiting >= QUEUE:
                raise Busy(f"{self._waiting} requests are waiting; try again in a moment")
            self._waiting += 1
        try:
            with self._lock:
                if ticket is not None and ticket != self._ticket:
                    return None
                hit = self.cached(state)
                if hit is not None:
                    return hit
                results = simulate(self.scenario_of(state), self.replications, state.seed, jobs=1)
                self.runs += 1
        finally:
            with self._count:
                self._waiting -= 1
        with self._count:
            self._cache[state.key()] = results
            while len(self._cache) > CACHE:
                self._cache.popitem(last=False)
        return results
