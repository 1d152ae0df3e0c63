"""Evaluating many versions of a scenario with common random numbers: the key outputs per sample.

Picture a wind tunnel: the same gusts (delays, go decisions, drawn parameters) blow over every
model that is put in (each sample of the explored inputs), so the differences between the models'
readings come from the models, not from the weather. Each sample is a scenario with the explored
values fixed (:func:`sim.scenario.variants.with_fixed_values`); every sample is run for the same
replications 0 .. R - 1 with the same seed, and every draw is keyed by (seed, replication, stream,
project id or parameter path) (:mod:`sim.engine.draws`), so replication r of every sample sees the
same delays and go decisions.

A sample's replications are cut into blocks (:data:`sim.run.simulate.BLOCK_SIZE`); every block of
every sample is one task for the same worker pool, Dask executor or this process. A block returns
the key outputs of each of its replications, reduced to per-sample means once all its blocks are
in (in replication order), so the results do not depend on where or in which order blocks ran.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from ..analysis.criteria import criterion_values
from ..analysis.statistics import target_outcomes
from ..engine.build import build_plan
from ..engine.plan import Plan
from ..engine.series import MonthlySeries
from ..months import calendar_years, month_index
from ..run.memory import check_evaluation_memory, check_memory
from ..run.parallel import cores, process_pool, run_blocks
from ..run.simulate import BLOCK_SIZE, blocks, n_blocks, run_block
from ..scenario.criteria import CRITERIA, FORMER
from ..scenario.schema import Scenario


@dataclass(frozen=True)
class Output:
    """One key output of a sample: the mean over its replications of one per-replication value."""

    column: str  # column of samples.csv, e.g. "energy_mwh[2027]", "p_met[plan 2025]"
    output: str  # output of sensitivity.csv, e.g. "energy_mwh", "p_met[plan 2025]"
    year: int | None  # calendar year of a time-dependent output; None: one value for the run
    unit: str


def output_specs(scenario: Scenario) -> list[Output]:
    """The key outputs, in column order.

    Per target: ``p_met`` (share of replications that meet it: P(met)), ``eflops_at`` (total
    EFLOPS at its month) and, for each criterion beyond the EFLOPS and share ones, ``<criterion>_at``
    (its measure at the target's month, its year or to date: :mod:`sim.analysis.criteria`; e.g.
    ``pue_at[plan 2026]``; 0 where undefined, such as utilisation with no IT online). Per calendar year: ``energy_mwh`` (facility energy), ``peak_facility_mw``
    (highest monthly facility power) and ``total_eflops`` (at the year's last horizon month). Over
    the horizon: energy, peak facility power, public cost (subsidy paid + voucher spend) and, with
    an ``emissions`` policy, carbon.
    """
    outs: list[Output] = []
    for target in scenario.targets:
        outs.append(Output(f"p_met[{target.name}]", f"p_met[{target.name}]", None, "share"))
        outs.append(Output(f"eflops_at[{target.name}]", f"eflops_at[{target.name}]", None, "EFLOPS"))
        for name in _measured(target):
            column = f"{name}_at[{target.name}]"
            outs.append(Output(column, column, None, CRITERIA[name].unit))
    for year in _years(scenario):
        outs.append(Output(f"energy_mwh[{year}]", "energy_mwh", year, "MWh"))
        outs.append(Output(f"peak_facility_mw[{year}]", "peak_facility_mw", year, "MW"))
        outs.append(Output(f"total_eflops[{year}]", "total_eflops", year, "EFLOPS"))
    outs.append(Output("energy_mwh", "energy_mwh", None, "MWh"))
    outs.append(Output("peak_facility_mw", "peak_facility_mw", None, "MW"))
    outs.append(Output("public_cost_cny", "public_cost_cny", None, "CNY"))
    if scenario.policies.emissions is not None:
        outs.append(Output("carbon_t", "carbon_t", None, "t"))
    return outs


def _measured(target) -> list[str]:
    """The criteria of ``target`` with an ``<name>_at[target]`` output: each one besides the EFLOPS
    and share criteria of before (whose targets keep exactly their former outputs)."""
    return [name for name in target.criteria() if name not in FORMER]


def _years(scenario: Scenario) -> list[int]:
    start = scenario.horizon.start
    n_months = month_index(scenario.horizon.end, start) + 1
    return [int(y) for y in np.unique(calendar_years(start, n_months))]


def replication_outputs(scenario: Scenario, series: MonthlySeries) -> np.ndarray:
    """(R, len(output_specs)) per-replication values of the key outputs (see :func:`output_specs`)."""
    start = scenario.horizon.start
    met, _ = target_outcomes(scenario, series)
    total = series["total_eflops"]
    energy, facility = series["energy_mwh"], series["facility_mw"]
    years = calendar_years(start, total.shape[1])
    columns: list[np.ndarray] = []
    for t, target in enumerate(scenario.targets):
        columns.append(met[:, t].astype(float))
        columns.append(total[:, month_index(target.by, start)])
        for name in _measured(target):
            value = criterion_values(series, name, start)[:, month_index(target.by, start)]
            columns.append(np.nan_to_num(value, nan=0.0))  # undefined (no IT online, no energy): 0
    for year in np.unique(years):
        in_year = years == year
        columns.append(energy[:, in_year].sum(axis=1))
        columns.append(facility[:, in_year].max(axis=1))
        columns.append(total[:, np.nonzero(in_year)[0][-1]])
    columns.append(energy.sum(axis=1))
    columns.append(facility.max(axis=1))
    columns.append(series["subsidy_cny"].sum(axis=1) + series["voucher_cny"].sum(axis=1))
    if scenario.policies.emissions is not None:
        columns.append(series["carbon_t"].sum(axis=1))
    return np.stack(columns, axis=1)


def evaluate_block(scenario: Scenario, seed: int, first: int, count: int, plan: Plan | None = None) -> np.ndarray:
    """Key outputs of replications ``first .. first + count - 1`` of ``scenario`` ((count, outputs));
    ``plan``: the scenario's, if already built."""
    plan = build_plan(scenario) if plan is None else plan
    block = run_block(scenario, seed, first, count, plan=plan)
    return replication_outputs(scenario, MonthlySeries(block.series, plan.hours))


class Evaluator:
    """Runs samples (scenarios) for ``replications`` each with ``seed``; one worker pool for all.

    Use as a context manager: the worker pool (started on first need when ``jobs > 1`` and no
    ``executor`` is given) is shut down on exit. ``progress(done)`` is called with the number of
    replications done since the evaluator was made, over every call of :meth:`means`.
    """

    def __init__(self, replications: int, seed: int, *, jobs: int | None = 1, executor: Executor | None = None,
                 progress: Callable[[int], None] | None = None, memory_limit_bytes: int | None = None):
        if not isinstance(replications, (int, np.integer)) or replications < 1:
            raise ValueError(f"replications must be a whole number of at least 1 (got {replications!r})")
        self.replications = int(replications)
        self.seed = int(seed)
        self.jobs = cores() if jobs is None else int(jobs)  # None (the CLI's default): every core
        self.executor = executor
        self.progress = progress
        self.memory_limit_bytes = memory_limit_bytes
        self.done = 0
        self._pool = None
        self._checked = False

    def __enter__(self) -> "Evaluator":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _check_memory(self, scenarios: Sequence[Scenario], local_workers: int) -> None:
        # the outputs of every replication of the samples run together (until a sample's means are
        # taken) and their tasks; every local worker holds one block and its post-processing
        if self._checked:
            return
        check_evaluation_memory(len(scenarios), self.replications, len(output_specs(scenarios[0])), BLOCK_SIZE,
                                self.memory_limit_bytes)
        per_block = min(self.replications, BLOCK_SIZE)
        check_memory(build_plan(scenarios[0]), per_block * local_workers, BLOCK_SIZE, local_workers,
                     self.memory_limit_bytes)
        self._checked = True

    def means(self, scenarios: Sequence[Scenario]) -> np.ndarray:
        """(len(scenarios), outputs) means over the replications of each sample's key outputs."""
        if not scenarios:
            return np.empty((0, 0))
        n_tasks = len(scenarios) * n_blocks(self.replications)
        local_workers = 1 if self.executor is not None else max(1, min(self.jobs, n_tasks))
        self._check_memory(scenarios, local_workers)  # before the tasks are listed: -r 1e14 made 4e11 of them
        cuts = blocks(self.replications)
        tasks, where = [], {}
        for i, scenario in enumerate(scenarios):
            for first, count in cuts:
                task = (scenario, self.seed, first, count)
                tasks.append(task)
                where[id(task)] = i
        pending: dict[int, dict[int, np.ndarray]] = {}
        result: list[np.ndarray | None] = [None] * len(scenarios)

        def on_result(task, values: np.ndarray) -> None:
            i = where[id(task)]
            parts = pending.setdefault(i, {})
            parts[task[2]] = values
            if len(parts) == len(cuts):
                stacked = np.concatenate([parts[first] for first, _ in cuts], axis=0)
                result[i] = stacked.mean(axis=0)
                del pending[i]
            self.done += task[3]
            if self.progress is not None:
                self.progress(self.done)

        executor = self.executor
        if executor is None and self.jobs > 1 and len(tasks) > 1:
            if self._pool is None:
                self._pool = process_pool(self.jobs)
            executor = self._pool
        if executor is not None:
            run_blocks(executor, evaluate_block, tasks, on_result)
        else:
            plan, planned_for = None, None
            for task in tasks:
                if task[0] is not planned_for:
                    plan, planned_for = build_plan(task[0]), task[0]
                on_result(task, evaluate_block(*task, plan=plan))
        return np.stack(result)


def wilson_interval(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a probability from ``successes`` of ``trials`` (95% by default)."""
    if trials <= 0:
        return math.nan, math.nan
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= trials else min(1.0, centre + half)
    return low, high
