"""One run of a setting: the scenario with the levers' values fixed (and the variant switched
on), simulated with the base's seed and replication count, so replication r of every setting sees
the same draws (common random numbers, :func:`sim.scenario.variants.fixed_changes`).

One simulation at a time per app and at most :data:`QUEUE` requests waiting (more are refused:
:class:`Busy`). Stale requests are dropped: each slider request takes a ticket when it arrives
(:meth:`Runner.ticket`); a newer ticket supersedes every older request still waiting, which leaves
at once (it is not run, and it no longer counts against the bound), so the newest request is never
refused because stale ones wait, and a burst of changes runs the one running now and then the last
(a slider dragged five times, or five quick key presses, ends on the last value). Recent results
are kept (:data:`CACHE`), so the base, a pinned setting and Back/Forward cost nothing.
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
        self._state = threading.Condition()  # guards everything below; notified when a run ends or a ticket is taken
        self._running = False
        self._waiting: list[int | None] = []  # the tickets of the requests waiting (None: not a slider's)
        self._ticket = 0
        self._cache: OrderedDict[tuple, Results] = OrderedDict()
        self.runs = 0  # simulations run (tests check that a refused request runs none)

    def ticket(self) -> int:
        with self._state:
            self._ticket += 1
            self._state.notify_all()  # the older requests waiting are stale now: they leave
            return self._ticket

    def _stale(self, ticket: int | None) -> bool:
        return ticket is not None and ticket != self._ticket

    def scenario_of(self, state: State) -> Scenario:
        """The scenario of ``state`` (raises ScenarioError when the values make it invalid)."""
        if not state.values and not state.variant:
            return self.scenario
        return apply_variant(self.scenario, state.variant, fixed_changes(state.values, WHERE))

    def cached(self, state: State) -> Results | None:
        with self._state:
            return self._cache.get(state.key())

    def run(self, state: State, ticket: int | None = None) -> Results | None:
        """The results of ``state``; None when a newer request came (``ticket`` is stale)."""
        with self._state:
            hit = self._cache.get(state.key())
            if hit is not None:
                return hit
            if self._stale(ticket):
                return None
            live = sum(not self._stale(t) for t in self._waiting)  # superseded ones do not count
            if live >= QUEUE:
                raise Busy(f"{live} requests are waiting; try again in a moment")
            self._waiting.append(ticket)
            try:
                while self._running and not self._stale(ticket):
                    self._state.wait()
            finally:
                self._waiting.remove(ticket)
            if self._stale(ticket):
                return None
            hit = self._cache.get(state.key())
            if hit is not None:
                return hit
            self._running = True
        results = None
        try:
            results = simulate(self.scenario_of(state), self.replications, state.seed, jobs=1)
        finally:
            with self._state:
                if results is not None:  # cached before the next waiter runs (it may ask the same)
                    self.runs += 1
                    self._cache[state.key()] = results
                    while len(self._cache) > CACHE:
                        self._cache.popitem(last=False)
                self._running = False
                self._state.notify_all()
        return results
