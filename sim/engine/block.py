"""A block of replications through the model: no SimPy where nothing can wait.

Picture the grid company's counter on a quiet day: if the headroom always covers every
request made so far, nobody ever queues, and each phase is connected the moment it asks. For
such a replication the event log follows from the due times alone, so :func:`simulate_block`
writes it with numpy for the whole block at once (:func:`unqueued_log`). Where only the
accelerator supply can make a phase wait, its single queue is replayed in plain Python
(:func:`replay_supply_rows`, :mod:`sim.engine.supply`). SimPy
(:func:`sim.engine.model.simulate_replication`, the engine of record for everything that
queues) runs the replications in which the grid might make a request wait
(:func:`grid_never_waits`).

Both shortcuts give the very log SimPy gives, bit for bit, with the same float arithmetic;
property tests compare them with SimPy on random scenarios. Which replications take which way
changes only how fast the block runs, never its numbers.
"""

from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass

import numpy as np

from .model import INTELLIGENT, simulate_replication
from .plan import Plan
from .supply import replay_queue, supply_rate

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
    replayed: np.ndarray  # (R,) bool: its accelerator queue was replayed without SimPy (sim.engine.supply)
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


def grid_never_waits(plans: list[Plan], due: np.ndarray) -> np.ndarray:
    """(R,) whether every grid request of each replication (request times ``due``) is granted at once:
    the peak MW of the requests, added up in the order they come, always fit in the headroom plus
    the additions made strictly before each request (connections given back, which only add
    headroom, are left out), with :data:`NO_WAIT_MARGIN` to spare. True without a grid block.
    Sufficient, not necessary: ``False`` only means SimPy decides."""
    if plans[0].grid_headroom_mw is None or due.shape[1] == 0:
        return np.ones(due.shape[0], dtype=bool)
    order, when, asks = _in_request_order(due)
    peak = _sorted_rows(plans, "phase_peak_facility_mw", order)
    wanted = np.cumsum(np.where(asks, peak, 0.0), axis=1)
    level = np.array([p.grid_headroom_mw for p in plans], dtype=float)[:, None] + _added_before(plans, when)
    return _fits(wanted, level, asks)


def supply_never_waits(plans: list[Plan], due: np.ndarray) -> np.ndarray:
    """(R,) whether, with the grid granting every request at once, every AI phase gets its
    accelerators when it asks: their PFLOPS, added up in the order they ask, always fit in the
    deliveries made by then (t = 0, 1, ..., floor(t)), with :data:`NO_WAIT_MARGIN` to spare. True
    without a supply block; False with a schedule (its queue is replayed). Sufficient, not necessary."""
    if supply_rate(plans[0]) is None or due.shape[1] == 0:
        return np.ones(due.shape[0], dtype=bool)
    if plans[0].supply_schedule is not None:
        return np.zeros(due.shape[0], dtype=bool)
    order, when, asks = _in_request_order(due)
    takes = asks & (_sorted_rows(plans, "phase_class", order) == INTELLIGENT)
    pflops = _sorted_rows(plans, "phase_pflops_declared", order)
    wanted = np.cumsum(np.where(takes, pflops, 0.0), axis=1)
    rate = np.array([p.supply_pflops_per_month for p in plans], dtype=float)[:, None]
    delivered = (np.floor(np.where(takes, when, 0.0)) + 1.0) * rate
    return _fits(wanted, delivered, takes)


def never_waits(plans: list[Plan], due: np.ndarray) -> np.ndarray:
    """(R,) whether every request of each replication is granted at once (:func:`grid_never_waits`
    and :func:`supply_never_waits`): its event log then follows from the due times alone."""
    return grid_never_waits(plans, due) & supply_never_waits(plans, due)


def _sorted_rows(plans: list[Plan], field: str, order: np.ndarray) -> np.ndarray:
    """(R, P) a per-phase plan field of every replication, in each row's request ``order``."""
    return np.take_along_axis(np.ascontiguousarray(_rows(plans, field)), order, axis=1)


def _in_request_order(due: np.ndarray):
    """Sort order of each row's requests (time, then phase number), the sorted times, and which ask."""
    order = np.argsort(due, axis=1, kind="stable")
    when = np.take_along_axis(due, order, axis=1)
    return order, when, np.isfinite(when)


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
    takes = asks & (_rows(plans, "phase_class") == INTELLIGENT) if supply_rate(plan) is not None \
        else np.zeros(due.shape, dtype=bool)
    supply_request = np.where(takes, due, np.inf)
    limits = {"grid_request": grid_request, "grid_grant": grid_request.copy(), "grid_release": release,
              "supply_request": supply_request, "supply_grant": supply_request.copy()}
    grid_wait = np.where(asks, 0.0, np.nan) if grid else np.full(due.shape, np.nan)
    supply_wait = np.where(takes, 0.0, np.nan)
    return BlockLog(on=on, off=off, grid_wait=grid_wait, supply_wait=supply_wait, events=0,
                    simulated=np.zeros(n_reps, dtype=bool), replayed=np.zeros(n_reps, dtype=bool),
                    limits=limits)


def simulate_block(plans: list[Plan], go: np.ndarray, delay_months: np.ndarray) -> BlockLog:
    """Event logs of a block: one plan per replication (the same object where nothing is drawn
    per replication) and (R, J) go decisions and delays.

    Each replication takes the cheapest way that gives SimPy's log: numpy for the whole block where
    no request can wait (:func:`unqueued_log`), the accelerator queue replayed in plain Python where
    only accelerators can make a phase wait (:func:`replay_supply_rows`), SimPy for the rest.
    """
    due = due_times(plans, go, delay_months)
    log = unqueued_log(plans, go, due)
    grid_quiet = grid_never_waits(plans, due)
    queued = grid_quiet & ~supply_never_waits(plans, due)
    replay_supply_rows(plans, due, log, np.flatnonzero(queued))
    for r in np.flatnonzero(~grid_quiet).tolist():
        with _collector_paused():
            run = simulate_replication(plans[r], go[r], delay_months[r])
        log.on[r], log.off[r], log.grid_wait[r], log.supply_wait[r] = run.on, run.off, run.grid_wait, run.supply_wait
        for name, times in run.limits.items():
            log.limits[name][r] = times
        log.events += run.events
        log.simulated[r] = True
    return log


def replay_supply_rows(plans: list[Plan], due: np.ndarray, log: BlockLog, rows: np.ndarray) -> None:
    """Write into ``log`` (an :func:`unqueued_log`) the accelerator queue of each replication in
    ``rows``, whose grid grants every request at once (:func:`grid_never_waits`): the AI phases'
    grants, waits, online times and grid releases (:func:`sim.engine.supply.replay_queue`)."""
    if rows.size == 0:
        return
    plan = plans[0]
    horizon = float(plan.n_months)
    takes = np.isfinite(log.limits["supply_request"][rows])  # (n, P) the AI phases that ask
    asked = due[rows]
    order = np.argsort(np.where(takes, asked, np.inf), axis=1, kind="stable")  # by (due, phase number)
    counts = takes.sum(axis=1).tolist()
    times = np.take_along_axis(asked, order, axis=1).tolist()
    amounts = np.take_along_axis(np.ascontiguousarray(_rows(plans, "phase_pflops_declared")[rows]), order,
                                 axis=1).tolist()
    sorted_grants = np.full(takes.shape, np.inf)
    for i, r in enumerate(rows.tolist()):
        n = counts[i]
        sorted_grants[i, :n] = replay_queue(times[i][:n], amounts[i][:n], supply_rate(plans[r]), horizon)
    grant = np.empty_like(sorted_grants)
    np.put_along_axis(grant, order, sorted_grants, axis=1)
    ends = _rows(plans, "project_retire_t")[rows][:, plan.phase_project]
    log.limits["supply_grant"][rows] = np.where(takes, grant, log.limits["supply_grant"][rows])
    with np.errstate(invalid="ignore"):  # inf - inf where a phase does not ask
        waited = np.where(np.isfinite(grant), grant - asked, horizon - asked)
    log.supply_wait[rows] = np.where(takes, waited, log.supply_wait[rows])
    on = np.where(grant < ends, grant, np.inf)  # granted after its service life: never on
    log.on[rows] = np.where(takes, on, log.on[rows])
    log.replayed[rows] = True
    if plan.grid_headroom_mw is not None:  # given back at its retirement, or at once if already over
        with np.errstate(invalid="ignore"):  # inf - inf where never granted or never retiring
            release = np.where(grant >= ends, grant, grant + (ends - grant))
        release = np.where(np.isfinite(grant) & (release < horizon), release, np.inf)
        log.limits["grid_release"][rows] = np.where(takes, release, log.limits["grid_release"][rows])


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
