"""Run stage: replications of a scenario, in blocks, -> :class:`~sim.analysis.results.Results`.

A block is a range of replication numbers. Every draw is keyed by the replication number (see
:mod:`sim.engine.draws`) and every sum runs in a fixed order, so the results do not depend on how the
replications are cut into blocks or where the blocks run.
"""

from __future__ import annotations

import mmap
import sys
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from ..analysis.results import Results
from ..engine.build import PlanPatcher, build_plan
from ..engine.block import simulate_block
from ..engine.draws import deterministic_scenario, draw_parameters_block, draw_projects_block, has_uncertainty
from ..engine.plan import Plan
from ..engine.policies import adjust_draws, block_policy, policy_rows
from ..engine.series import MonthlySeries, project_first_on
from ..engine.sites import block_series
from ..scenario.schema import Scenario
from ..scenario.validate import origin_of
from .memory import check_memory
from .parallel import cores, inherited, inherited_object, process_pool, run_blocks

DEFAULT_REPLICATIONS_DETERMINISTIC = 1
DEFAULT_REPLICATIONS_UNCERTAIN = 1000
BLOCK_SIZE = 250
"""Replications per block (a unit of work; results do not depend on it)."""


def check_scenario_argument(scenario: object, function: str) -> None:
    """TypeError unless ``scenario`` is a :class:`Scenario`, saying how to make one."""
    if isinstance(scenario, Scenario):
        return
    if isinstance(scenario, (str, bytes)) or hasattr(scenario, "__fspath__"):
        hint = "; load the file first: sim.load_scenario(path)"
    elif isinstance(getattr(scenario, "scenario", None), Scenario):
        hint = f"; to rerun a run's scenario pass results.scenario: sim.{function}(results.scenario, ...)"
    elif isinstance(scenario, dict):
        hint = "; validate the data first: sim.scenario_from_data(data)"
    else:
        hint = " (from sim.load_scenario or sim.scenario_from_data)"
    raise TypeError(f"{function} expects a Scenario, got {type(scenario).__name__}{hint}")


def whole_number(name: str, value: object, minimum: int) -> int:
    """``value`` as an int of at least ``minimum``: TypeError for a non-integer (True, 2.0, '3'),
    ValueError below the minimum."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number of at least {minimum} (got {type(value).__name__} {value!r})")
    if value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum} (got {value!r})")
    return int(value)


WORKER_START_S = 0.5
"""Wall time to start worker processes and have them import capsim (2-core machine, measured)."""
PHASE_REPLICATION_S = 3e-6
"""Time per phase per replication of one process, end to end (Shanxi: 81 phases, about 240 us a
replication on the 2-core development machine, benchmarks/engine.py; lower it as the engine gets
faster). With :data:`WORKER_START_S`, workers start for Shanxi from about 4,000 replications."""


def auto_jobs(plan: Plan, replications: int) -> int:
    """Worker processes worth starting for ``replications`` of ``plan``: every core when the work
    would take more than twice what starting them costs, else 1 (run in this process)."""
    work_s = replications * max(plan.n_phases, 1) * PHASE_REPLICATION_S
    return cores() if work_s > 2 * WORKER_START_S else 1


def default_replications(scenario: Scenario) -> int:
    """1 for a deterministic scenario, 1,000 for one with ``uncertainty`` (or a project's own delay
    or go probability)."""
    return DEFAULT_REPLICATIONS_UNCERTAIN if has_uncertainty(scenario) else DEFAULT_REPLICATIONS_DETERMINISTIC


def deterministic(scenario: Scenario) -> Scenario:
    """``scenario`` at its point values, for ``capsim run --deterministic`` (one replication; see
    :func:`sim.engine.draws.deterministic_scenario` and docs/model.md): each project's own or its
    status's delay and go probability become fixed, the latter after adding the capex subsidy's
    go bonus of the plan with the point values of the parameters."""
    point = deterministic_scenario(scenario)
    plan = build_plan(point)
    patcher = PlanPatcher(point, plan, point.uncertainty.parameters if point.uncertainty else ())
    plans = [p for _, p in patcher.apply_block(draw_parameters_block(point, 0, 0, 1))]
    return deterministic_scenario(scenario, policy_rows(plans, "go_bonus")[0])


@dataclass
class BlockResult:
    """Per-replication arrays of one block of replications (first axis: replication)."""

    first: int
    count: int
    series: dict[str, np.ndarray]  # stored metric (see sim.engine.series.STORED) -> (R, M)
    sites: dict[str, np.ndarray]  # per-site arrays (see sim.engine.sites.SITE_STORED) -> (R, S, M)
    project_go: np.ndarray  # (R, J) bool
    project_first_on: np.ndarray  # (R, J)
    project_policy_shift: np.ndarray  # (R, J) months the levers moved the drawn delay (fast track, subsidy)
    grid_wait: np.ndarray  # (R, P)
    supply_wait: np.ndarray  # (R, P)
    events: int


def run_block(scenario: Scenario, seed: int, first: int, count: int, plan: Plan | None = None) -> BlockResult:
    """Simulate replications ``first .. first + count - 1`` (``plan``: the scenario's, if already built)."""
    base_plan = build_plan(scenario) if plan is None else plan
    patcher = PlanPatcher(scenario, base_plan, scenario.uncertainty.parameters if scenario.uncertainty else ())
    patched = patcher.apply_block(draw_parameters_block(scenario, seed, first, count))
    plans: list[Plan] = [plan for _, plan in patched]
    go, drawn = draw_projects_block([local for local, _ in patched], seed, first, policy_rows(plans, "go_bonus"))
    go, delay = adjust_draws(block_policy(plans), go, drawn)
    log = simulate_block(plans, go, delay)
    series, sites = block_series(plans, log.on, log.off, log.limits)
    return BlockResult(
        first=first,
        count=count,
        series=series,
        sites=sites,
        project_go=go,
        project_first_on=project_first_on(base_plan, log.on),
        project_policy_shift=delay - drawn,
        grid_wait=log.grid_wait,
        supply_wait=log.supply_wait,
        events=log.events,
    )


def blocks(replications: int, block_size: int | None = None) -> list[tuple[int, int]]:
    """(first, count) of each block."""
    block_size = block_size or BLOCK_SIZE
    return [(first, min(block_size, replications - first)) for first in range(0, replications, block_size)]


def n_blocks(replications: int, block_size: int | None = None) -> int:
    """How many blocks :func:`blocks` cuts ``replications`` into (without listing them)."""
    return -(-replications // (block_size or BLOCK_SIZE))


def _parts(block: BlockResult) -> dict[str, np.ndarray]:
    """A block's per-replication arrays by their name in the run's arrays."""
    return {**{f"series.{k}": v for k, v in block.series.items()},
            **{f"sites.{k}": v for k, v in block.sites.items()}, "project_go": block.project_go,
            "project_first_on": block.project_first_on, "project_policy_shift": block.project_policy_shift,
            "grid_wait": block.grid_wait, "supply_wait": block.supply_wait}


def _shared_empty(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An array in anonymous shared memory: processes forked after it is made write into the same
    pages (the memory is freed when the last array and process using it are gone)."""
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    return np.frombuffer(mmap.mmap(-1, max(size, 1)), dtype=dtype, count=size // np.dtype(dtype).itemsize).reshape(shape)


class _Collector:
    """The run's per-replication arrays, filled in place block by block, in whatever order they end
    (``shared``: in shared memory, see :func:`_shared_empty`)."""

    def __init__(self, replications: int, shared: bool = False):
        self.replications = replications
        self.shared = shared
        self.arrays: dict[str, np.ndarray] | None = None
        self.events = 0
        self.done = 0

    def allocate(self, block: BlockResult) -> None:
        """The run's arrays, shaped after those of ``block``."""
        empty = _shared_empty if self.shared else np.empty
        self.arrays = {k: empty((self.replications, *v.shape[1:]), v.dtype) for k, v in _parts(block).items()}

    def add(self, block: BlockResult) -> None:
        if self.arrays is None:
            self.allocate(block)
        write_block(self.arrays, block)
        self.count(block.count, block.events)

    def count(self, replications: int, events: int) -> None:
        self.events += events
        self.done += replications

    def results(self, scenario: Scenario, plan: Plan, seed: int, variant: str) -> Results:
        a = self.arrays
        series = {k.removeprefix("series."): v for k, v in a.items() if k.startswith("series.")}
        sites = {k.removeprefix("sites."): v for k, v in a.items() if k.startswith("sites.")}
        return Results(
            scenario=scenario, variant=variant, seed=seed, replications=self.replications, plan=plan,
            series=MonthlySeries(series, plan.hours), site_series=sites, project_go=a["project_go"],
            project_first_on=a["project_first_on"], project_policy_shift=a["project_policy_shift"],
            grid_wait=a["grid_wait"], supply_wait=a["supply_wait"],
            events=self.events,
        )


def write_block(arrays: dict[str, np.ndarray], block: BlockResult) -> None:
    """Copy a block's arrays into the run's, at its replications' rows."""
    for key, value in _parts(block).items():
        arrays[key][block.first:block.first + block.count] = value


def run_block_shared(key: int, seed: int, first: int, count: int) -> tuple[int, int]:
    """A forked worker's task in :func:`simulate` with ``fork``: the block run and written straight
    into the run's shared arrays, which the worker inherited (with the scenario and plan) under
    ``key``; returns (replications, events), all the parent needs back."""
    scenario, plan, arrays = inherited_object(key)
    block = run_block(scenario, seed, first, count, plan=plan)
    write_block(arrays, block)
    return block.count, block.events


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int = 0,
    *,
    variant: str | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = 1,
    executor: Executor | None = None,
    memory_limit_bytes: int | None = None,
    fork: bool = False,
) -> Results:
    """Simulate ``scenario`` ``replications`` times with random seed ``seed``.

    ``replications`` defaults to :func:`default_replications`. Blocks of replications run in this
    process (``jobs=1``), in ``jobs`` worker processes (``None``: :func:`auto_jobs`), or on ``executor`` (any
    :class:`concurrent.futures.Executor`, e.g. from :func:`sim.run.parallel.dask_executor`; it is left
    open); the results are the same in every case. ``progress``, if given, is called with the
    number of replications done after each block. ``variant`` labels the results (default: the
    variant the scenario was derived as, see :func:`sim.scenario.variants.apply_variant`, else ``base``).

    Before starting, the memory the run needs is estimated; :class:`sim.run.memory.MemoryLimitError`
    is raised if it exceeds ``memory_limit_bytes`` (default: available memory). A worker process
    that dies raises :class:`sim.run.parallel.WorkerError`.

    ``fork`` (Linux, with ``jobs`` above 1 and no ``executor``): the workers are forked from this
    process once the run's arrays exist in shared memory, and write their blocks straight into
    them, so nothing is sent back but counts. Only for a caller that runs no threads of its own
    (the ``capsim`` command); the results are the same.
    """
    check_scenario_argument(scenario, "simulate")
    if variant is None:
        origin = origin_of(scenario)
        variant = origin.variant if origin is not None else "base"
    if replications is None:
        replications = default_replications(scenario)
    replications = whole_number("replications", replications, 1)
    seed = whole_number("seed", seed, 0)
    if jobs is not None:
        jobs = whole_number("jobs", jobs, 1)
    plan = build_plan(scenario)
    if jobs is None:
        jobs = auto_jobs(plan, replications)
    local_workers = 1 if executor is not None else min(int(jobs), n_blocks(replications))
    check_memory(plan, replications, BLOCK_SIZE, local_workers, memory_limit_bytes)
    cuts = blocks(replications)  # listed only once the run is known to fit

    forked = fork and executor is None and local_workers > 1 and sys.platform == "linux"
    collector = _Collector(replications, shared=forked)

    def on_result(task, block: BlockResult) -> None:
        collector.add(block)
        if progress is not None:
            progress(collector.done)

    tasks = [(scenario, seed, first, count) for first, count in cuts]
    if executor is not None:
        run_blocks(executor, run_block, tasks, on_result)
    elif forked:
        collector.allocate(run_block(scenario, seed, 0, 1, plan=plan))  # the arrays' shapes, from replication 0
        with inherited((scenario, plan, collector.arrays)) as key:
            pool = process_pool(local_workers, fork=True)
            try:
                def on_count(task, done: tuple[int, int]) -> None:
                    collector.count(*done)
                    if progress is not None:
                        progress(collector.done)

                run_blocks(pool, run_block_shared, [(key, seed, first, count) for first, count in cuts], on_count,
                           forked=True)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    elif local_workers > 1:
        pool = process_pool(local_workers)
        try:
            run_blocks(pool, run_block, tasks, on_result)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        for first, count in cuts:
            on_result((first, count), run_block(scenario, seed, first, count, plan=plan))
    return collector.results(scenario, plan, seed, variant)
