"""How much memory a run needs, and whether this machine has it (checked before any work starts).

A run keeps, for every replication, the stored monthly arrays (:data:`sim.engine.series.STORED` and
the shared limits' of :func:`sim.engine.series.limit_metrics`), the go decision, first online month
and policy shift of every project, the grid and supply waits of every phase and the per-site
monthly arrays (:data:`sim.engine.sites.SITE_STORED`, one row per site).
On top come the working space of each local worker (one block of replications and the chunked
post-processing of :mod:`sim.engine.series`) and of the tables built at the end (a few (R, M) arrays at
a time). The estimate is deliberately on the high side.
"""

from __future__ import annotations

import os

from ..engine.plan import Plan
from ..engine.series import ELEMENT_BUDGET, STORED, limit_metrics
from ..engine.sites import SITE_STORED
from ..errors import ScenarioError

FLOAT_BYTES = 8
MEMORY_LIMIT_ENV = "CAPSIM_MEMORY_LIMIT"
"""Environment variable that overrides the available memory, e.g. ``500M``, ``8G`` or bytes."""
WORKER_BASE_BYTES = 150 * 2**20
"""Interpreter, numpy, pandas and SimPy in a worker process (measured: about 120 MB)."""
TABLE_ARRAYS = 4
"""(R, M) arrays alive at once while building the tables (a derived metric and quantile copies)."""
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


class MemoryLimitError(ScenarioError):
    """The run would need more memory than is available."""


def replication_bytes(plan: Plan) -> int:
    """Bytes kept for each replication until the run ends."""
    monthly = len(STORED) - 1 + len(limit_metrics(plan))  # and rack_kw, one value
    per_month = monthly * FLOAT_BYTES * plan.n_months + FLOAT_BYTES
    per_project = (1 + 2 * FLOAT_BYTES) * plan.n_projects  # go (bool), first online month, policy shift
    per_phase = 2 * FLOAT_BYTES * plan.n_phases  # grid and supply waits
    per_site = len(SITE_STORED) * FLOAT_BYTES * len(plan.site_ids) * plan.n_months
    return per_month + per_project + per_phase + per_site


def run_bytes(plan: Plan, replications: int, block_size: int, local_workers: int) -> int:
    """Estimated peak bytes of a run of ``replications`` (see the module docstring)."""
    kept = replications * replication_bytes(plan)
    tables = TABLE_ARRAYS * replications * FLOAT_BYTES * max(plan.n_months, plan.n_phases)
    chunk = 6 * ELEMENT_BUDGET * FLOAT_BYTES  # temporaries of one post-processing chunk
    block = block_size * (replication_bytes(plan) + 9 * FLOAT_BYTES * plan.n_phases)  # + event log times
    worker = chunk + block + (WORKER_BASE_BYTES if local_workers > 1 else 0)
    return kept + tables + max(local_workers, 1) * worker


def parse_bytes(text: str) -> int:
    """'500M' -> 524288000; '8G', '123' (bytes) likewise."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1:] if value[-1:] in _UNITS and value[-1:] else ""
    number = value[: len(value) - len(unit)] if unit else value
    try:
        return int(float(number) * _UNITS[unit])
    except ValueError:
        raise ScenarioError(f"{MEMORY_LIMIT_ENV}: not an amount of memory (got {text!r}; e.g. 500M, 8G)") from None


def available_bytes() -> int | None:
    """Memory this run may use: ``$CAPSIM_MEMORY_LIMIT`` if set, else MemAvailable, else None."""
    override = os.environ.get(MEMORY_LIMIT_ENV)
    if override:
        return parse_bytes(override)
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def human(n_bytes: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n_bytes < 1000 or unit == "GB":
            return f"{n_bytes:,.0f} {unit}" if unit == "B" else f"{n_bytes:,.1f} {unit}"
        n_bytes /= 1000
    raise AssertionError("unreachable")


def runs_bytes(plans: list[Plan], replications: int, block_size: int, local_workers: int) -> int:
    """Estimated peak bytes of running ``plans`` one after another while keeping every run's
    results (as a comparison does): the kept arrays of all of them plus the largest working space."""
    kept = sum(replications * replication_bytes(plan) for plan in plans)
    working = max(run_bytes(plan, replications, block_size, local_workers) - replications * replication_bytes(plan)
                  for plan in plans)
    return kept + working


def exceeded(need: int, limit_bytes: int | None = None) -> int | None:
    """The limit (``limit_bytes``, default :func:`available_bytes`) when ``need`` is above it, else None
    (also when the limit is unknown: no check then)."""
    limit = available_bytes() if limit_bytes is None else limit_bytes
    return limit if limit is not None and need > limit else None


def check_memory(plan: Plan | list[Plan], replications: int, block_size: int, local_workers: int,
                 limit_bytes: int | None = None) -> int:
    """The estimate in bytes; raises :class:`MemoryLimitError` if it is above the limit.

    ``plan`` may be a list: the runs of a comparison, all kept until the end (:func:`runs_bytes`).
    ``limit_bytes`` defaults to :func:`available_bytes` (no check when that is unknown).
    """
    plans = plan if isinstance(plan, list) else [plan]
    need = runs_bytes(plans, replications, block_size, local_workers)
    limit = exceeded(need, limit_bytes)
    if limit is not None:
        runs = f"{len(plans)} runs x " if len(plans) > 1 else ""
        each = human(sum(replication_bytes(p) for p in plans) / len(plans))
        raise MemoryLimitError(
            f"this {'comparison' if len(plans) > 1 else 'run'} needs about {human(need)} of memory "
            f"({runs}{replications:,} replications x {each} each, plus working space), more than the "
            f"{human(limit)} available; run fewer replications{' or variants' if len(plans) > 1 else ''} "
            f"(or set {MEMORY_LIMIT_ENV})"
        )
    return need


DESIGN_COPIES = 4
"""Copies of a design's arrays alive at once: SALib's sample and its matrices, the values, the
samples table, and the analyses' resamples (the estimate is on the high side)."""


def design_bytes(evaluations: int, inputs: int, outputs: int) -> int:
    """Estimated bytes an exploration keeps for its whole design: for every evaluation, its point
    in the unit cube and its values (``inputs`` each) and the means of its ``outputs``, in
    :data:`DESIGN_COPIES` copies, plus SALib's base matrices (two of ``inputs`` columns)."""
    per_evaluation = FLOAT_BYTES * (2 * inputs + outputs)
    return DESIGN_COPIES * evaluations * per_evaluation + 2 * FLOAT_BYTES * evaluations * max(inputs, 1)


def check_design_memory(evaluations: int, inputs: int, outputs: int, samples: int,
                        limit_bytes: int | None = None) -> int:
    """The estimate of :func:`design_bytes`; a :class:`MemoryLimitError` naming ``--samples`` if it is
    above the limit (``limit_bytes``, default :func:`available_bytes`; no check when unknown).
    Called before the design is sampled, so that nothing is allocated for a design that cannot fit."""
    from ..errors import Problem

    need = design_bytes(evaluations, inputs, outputs)
    limit = exceeded(need, limit_bytes)
    if limit is not None:
        raise MemoryLimitError(Problem(
            f"N = {samples:,} makes {evaluations:,} evaluations x {outputs} outputs, which need about "
            f"{human(need)} of memory, more than the {human(limit)} available; use a smaller N "
            f"(or set {MEMORY_LIMIT_ENV})", path="--samples"))
    return need


TASK_BYTES = 1000
"""A block's task while samples are evaluated: its tuple, its places in the dictionaries, its future."""


def evaluation_bytes(samples: int, replications: int, outputs: int, block_size: int) -> int:
    """Estimated bytes of evaluating ``samples`` scenarios together for ``replications`` each
    (:class:`sim.explore.evaluate.Evaluator`): every replication's ``outputs`` until a sample's
    means are taken (its blocks, then their concatenation), and one task per block."""
    tasks = -(-replications // block_size)
    return samples * (2 * replications * outputs * FLOAT_BYTES + tasks * TASK_BYTES)


def check_evaluation_memory(samples: int, replications: int, outputs: int, block_size: int,
                            limit_bytes: int | None = None) -> int:
    """The estimate of :func:`evaluation_bytes`; a :class:`MemoryLimitError` naming ``--replications``
    if it is above the limit (``limit_bytes``, default :func:`available_bytes`; no check when unknown)."""
    from ..errors import Problem

    need = evaluation_bytes(samples, replications, outputs, block_size)
    limit = exceeded(need, limit_bytes)
    if limit is not None:
        raise MemoryLimitError(Problem(
            f"{replications:,} replications of each of {samples:,} samples run together keep {outputs} outputs "
            f"each, about {human(need)} of memory, more than the {human(limit)} available; use a smaller -r "
            f"(or set {MEMORY_LIMIT_ENV})", path="--replications"))
    return need
