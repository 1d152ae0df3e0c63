"""Run stage: replications of a scenario, in blocks, -> :class:`~sim.results.Results`.

A block is a range of replication numbers. Every draw is keyed by the replication number (see
:mod:`sim.draws`) and every sum runs in a fixed order, so the results do not depend on how the
replications are cut into blocks or where the blocks run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .draws import draw_parameters, draw_projects
from .model import simulate_replication
from .paths import with_values
from .plan import Plan, build_plan
from .policies import adjust_draws
from .results import Results
from .scenario import origin_of
from .schema import Scenario
from .series import monthly_series, project_first_on

DEFAULT_REPLICATIONS_DETERMINISTIC = 1
DEFAULT_REPLICATIONS_UNCERTAIN = 1000
BLOCK_SIZE = 250
"""Replications per block (a unit of work; results do not depend on it)."""


def default_replications(scenario: Scenario) -> int:
    """1 for a deterministic scenario, 1,000 for one with ``uncertainty``."""
    return DEFAULT_REPLICATIONS_DETERMINISTIC if scenario.uncertainty is None else DEFAULT_REPLICATIONS_UNCERTAIN


@dataclass
class BlockResult:
    """Per-replication arrays of one block of replications (first axis: replication)."""

    first: int
    series: dict[str, np.ndarray]  # metric -> (R, M)
    phase_on: np.ndarray  # (R, P)
    project_go: np.ndarray  # (R, J) bool
    project_first_on: np.ndarray  # (R, J)
    grid_wait: np.ndarray  # (R, P)
    supply_wait: np.ndarray  # (R, P)
    events: int


def run_block(scenario: Scenario, seed: int, first: int, count: int) -> BlockResult:
    """Simulate replications ``first .. first + count - 1``."""
    base_plan = build_plan(scenario)
    plans: list[Plan] = []
    ons, offs, gos, grid_waits, supply_waits = [], [], [], [], []
    events = 0
    for replication in range(first, first + count):
        drawn = draw_parameters(scenario, seed, replication)
        local = with_values(scenario, drawn) if drawn else scenario
        plan = build_plan(local) if drawn else base_plan
        go, delay = draw_projects(local, seed, replication, go_bonus=plan.policy.go_bonus)
        go, delay = adjust_draws(plan.policy, go, delay)
        log = simulate_replication(plan, go, delay)
        plans.append(plan)
        ons.append(log.on)
        offs.append(log.off)
        gos.append(go)
        grid_waits.append(log.grid_wait)
        supply_waits.append(log.supply_wait)
        events += log.events
    on = np.stack(ons)
    off = np.stack(offs)
    return BlockResult(
        first=first,
        series=monthly_series(plans, on, off),
        phase_on=on,
        project_go=np.stack(gos),
        project_first_on=project_first_on(base_plan, on),
        grid_wait=np.stack(grid_waits),
        supply_wait=np.stack(supply_waits),
        events=events,
    )


def blocks(replications: int, block_size: int | None = None) -> list[tuple[int, int]]:
    """(first, count) of each block."""
    block_size = block_size or BLOCK_SIZE
    return [(first, min(block_size, replications - first)) for first in range(0, replications, block_size)]


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int = 0,
    *,
    variant: str | None = None,
    progress=None,
) -> Results:
    """Simulate ``scenario`` ``replications`` times with random seed ``seed``.

    ``replications`` defaults to :func:`default_replications`. ``variant`` labels the results
    (default: the variant the scenario was derived as, see :func:`sim.variants.apply_variant`, else
    ``base``). ``progress``, if given, is called with the number of replications done after each
    block.
    """
    if variant is None:
        origin = origin_of(scenario)
        variant = origin.variant if origin is not None else "base"
    if replications is None:
        replications = default_replications(scenario)
    if not isinstance(replications, (int, np.integer)) or replications < 1:
        raise ValueError(f"replications must be a whole number of at least 1 (got {replications!r})")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0 (got {seed!r})")
    done = 0
    results: list[BlockResult] = []
    for first, count in blocks(int(replications)):
        results.append(run_block(scenario, int(seed), first, count))
        done += count
        if progress is not None:
            progress(done)
    return Results.from_blocks(scenario, results, seed=int(seed), variant=variant)
