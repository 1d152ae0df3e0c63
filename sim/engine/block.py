"""A block of replications through the model: no SimPy where nothing can wait.

Picture the grid company's counter on a quiet day: if the headroom always covers every
request made so far, nobody ever queues, and each phase is connected the moment it asks. For
such a replication the event log follows from the due times alone, so :func:`simulate_block`
writes it with numpy for the whole block at once (:func:`unqueued_log`) and runs SimPy
(:func:`sim.engine.model.simulate_replication`, the engine of record for everything that
queues) only for the replications in which some request might wait (:func:`never_waits`).

The shortcut gives the very log SimPy gives, bit for bit, with the same float arithmetic; a
property test compares both on random scenarios. Which replications take it changes only how
fast the block runs, never its numbers.
"""

from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass

import numpy as np

from .model import INTELLIGENT, simulate_replication
from .plan import Plan

NO_WAIT_MARGIN = 1e-9
"""Relative margin of :func:`never_waits`: a limit counts as never binding only if the requests
fit with this much to spare (of the largest amount involved), far more than the rounding of the
Containers' float arithmetic; a replication closer than that runs in SimPy."""


@dataclass
class BlockLog:
    """The event logs of a block of replications, one row each (see :class:`sim.engine.model.EventLog`)."""

    on: np.ndarray  # (R, P)
    off: np.ndarray  # (R, P)
    grid_wait: np.ndarray  # (R, P)
    supply_wait: np.ndarray  # (R, P)
    events: int  # SimPy events processed (0 for a replication that took the shortcut)
    simulated: np.ndarray  # (R,) bool: the replication ran in SimPy
    limits: dict[str, np.ndarray]  # (R, P) request, grant and release times (EventLog.limits)


def _rows(plans: list[Plan], field: str) -> np.ndarray:
    """(R, ...) a plan field for every replication (a broadcast view when every plan shares it)."""
    first = getattr(plans[0], field)
    if all(getattr(p, field) is first for p in plans):
        return np.broadcast_to(first, (len(plans),) + np.shape(first))
    return np.stack([np.asarray(getattr(p, field), dtype=float) for p in plans])


def due_times(plans: list[Plan], go: np.ndarray, delay_months: np.ndarray) -> np.ndarray:
    """(R, P) when each phase asks for its grid connection and accelerators (its due time, not
    before t = 0); inf for a phase that never asks: operating, not going, or due at or after the
    horizon end or its retirement. ``go`` and ``delay_months`` are (R, J)."""
    plan = plans[0]
    project = plan.phase_project
    online = _rows(plans, "project_online_index")[:, project]
    due = online + np.asarray(delay_months, dtype=float)[:, project]
    due = due + _rows(plans, "phase_offset_months")
    retire = _rows(plans, "project_retire_t")[:, project]
    asks = ~_operating(plan) & np.asarray(go, dtype=bool)[:, project] & (due < plan.n_months) & (due < retire)
    return np.where(asks, np.maximum(due, 0.0), np.inf)


def _operating(plan: Plan) -> np.ndarray:
    """(P,) the phase belongs to an operating project."""
    return np.array([s == "operating" for s in plan.project_status], dtype=bool)[plan.phase_project]


def never_waits(plans: list[Plan], due: np.ndarray) -> np.ndarray:
    """(R,) whether every request of each replication (request times ``due``) is granted at once.

    Grid: the peak MW of the requests, added up in the order they come, always fit in the headroom
    plus the additions made strictly before each request (connections given back, which only add
    headroom, are left out). Supply: the AI phases' PFLOPS, added up in the same order, always fit
    in the deliveries made by then (t = 0, 1, ..., floor(t)). Both with :data:`NO_WAIT_MARGIN` to
    spare. Sufficient, not necessary: ``False`` only means SimPy decides.
    """
    plan = plans[0]
    n_reps, n_phases = due.shape
    ok = np.ones(n_reps, dtype=bool)
    if n_phases == 0:
        return ok
    order = np.argsort(due, axis=1, kind="stable")
    when = np.take_along_axis(due, order, axis=1)
    asks = np.isfinite(when)
    if plan.grid_headroom_mw is not None:
        peak = np.take_along_axis(np.ascontiguousarray(_rows(plans, "phase_peak_facility_mw")), order, axis=1)
        wanted = np.cumsum(np.where(asks, peak, 0.0), axis=1)
        level = np.array([p.grid_headroom_mw for p in plans], dtype=float)[:, None] + _added_before(plans, when)
        ok &= _fits(wanted, level, asks)
    if plan.supply_pflops_per_month is not None:
        cls = np.take_along_axis(np.ascontiguousarray(_rows(plans, "phase_class")), order, axis=1)
        takes = asks & (cls == INTELLIGENT)
        pflops = np.take_along_axis(np.ascontiguousarray(_rows(plans, "phase_pflops_declared")), order, axis=1)
        wanted = np.cumsum(np.where(takes, pflops, 0.0), axis=1)
        rate = np.array([p.supply_pflops_per_month for p in plans], dtype=float)[:, None]
        delivered = (np.floor(np.where(takes, when, 0.0)) + 1.0) * rate
        ok &= _fits(wanted, delivered, takes)
    return ok


def _added_before(plans: list[Plan], when: np.ndarray) -> np.ndarray:
    """(R, P) grid MW added strictly before each time of ``when``."""
    out = np.zeros(when.shape)
    first = plans[0].grid_additions
    if all(p.grid_additions == first for p in plans):
        groups = [(slice(None), first)]
    else:
        groups = [(r, p.grid_additions) for r, p in enumerate(plans)]
    for rows, additions in groups:
        if additions:
            times = np.array([t for t, _ in additions], dtype=float)
            added = np.concatenate(([0.0], np.cumsum([mw for _, mw in additions])))
            out[rows] = added[np.searchsorted(times, when[rows], side="left")]
    return out


def _fits(wanted: np.ndarray, level: np.ndarray, where: np.ndarray) -> np.ndarray:
    """(R,) every masked cumulative amount fits under its level with the margin to spare."""
    scale = np.max(np.where(where, level, 0.0), axis=1) + wanted[:, -1]
    fits = wanted + NO_WAIT_MARGIN * scale[:, None] <= level
    return np.all(fits | ~where, axis=1)


def unqueued_log(plans: list[Plan], go: np.ndarray, due: np.ndarray) -> BlockLog:
    """The event logs of replications in which every request is granted when made (see
    :func:`never_waits`): what SimPy records, with the same float arithmetic."""
    plan = plans[0]
    n_reps = due.shape[0]
    retire = _rows(plans, "project_retire_t")[:, plan.phase_project]
    operating = _operating(plan)
    asks = np.isfinite(due)
    on = np.where(asks & (due < retire), due, np.inf)  # granted after its service life: never on
    on[:, operating] = np.where(retire[:, operating] > 0, 0.0, np.inf)
    gone = ~operating & ~np.asarray(go, dtype=bool)[:, plan.phase_project]
    off = np.where(gone, np.inf, retire)
    grid = plan.grid_headroom_mw is not None
    grid_request = due.copy() if grid else np.full(due.shape, np.inf)
    if grid:  # given back when its service life ends within the horizon (at once if already over)
        horizon = float(plan.n_months)
        with np.errstate(invalid="ignore"):  # inf - inf where nothing asks or nothing retires
            release = np.where(due >= retire, due, due + (retire - due))
        release = np.where(asks & (release < horizon), release, np.inf)
        back = operating & (retire > 0) & (retire < horizon)  # operating phases give theirs back
        release[back] = retire[back]
    else:
        release = np.full(due.shape, np.inf)
    takes = asks & (_rows(plans, "phase_class") == INTELLIGENT) if plan.supply_pflops_per_month is not None \
        else np.zeros(due.shape, dtype=bool)
    supply_request = np.where(takes, due, np.inf)
    limits = {"grid_request": grid_request, "grid_grant": grid_request.copy(), "grid_release": release,
              "supply_request": supply_request, "supply_grant": supply_request.copy()}
    grid_wait = np.where(asks, 0.0, np.nan) if grid else np.full(due.shape, np.nan)
    supply_wait = np.where(takes, 0.0, np.nan)
    return BlockLog(on=on, off=off, grid_wait=grid_wait, supply_wait=supply_wait, events=0,
                    simulated=np.zeros(n_reps, dtype=bool), limits=limits)


def simulate_block(plans: list[Plan], go: np.ndarray, delay_months: np.ndarray) -> BlockLog:
    """Event logs of a block: one plan per replication (the same object where nothing is drawn
    per replication) and (R, J) go decisions and delays."""
    due = due_times(plans, go, delay_months)
    log = unqueued_log(plans, go, due)
    for r in np.flatnonzero(~never_waits(plans, due)).tolist():
        with _collector_paused():
            run = simulate_replication(plans[r], go[r], delay_months[r])
        log.on[r], log.off[r], log.grid_wait[r], log.supply_wait[r] = run.on, run.off, run.grid_wait, run.supply_wait
        for name, times in run.limits.items():
            log.limits[name][r] = times
        log.events += run.events
        log.simulated[r] = True
    return log


@contextlib.contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector for one replication (restored after it).

    A replication creates thousands of short-lived SimPy events and generators; the collector's
    full passes over everything alive (the scenario, the plan) would otherwise take about 40 % of
    the time of a large region. The replication's own garbage is collected after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
