"""The workers of a ``capsim`` command: Dask for ``--scheduler``, or one pool of worker processes
forked from the command that serves it from the replications to the report, and the hook that
draws the plots and writes the report into a results folder before it is published."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
from pathlib import Path

from .errors import ScenarioError
from .run.parallel import DASK_CONNECT_TIMEOUT_S


@contextlib.contextmanager
def executor_of(args: argparse.Namespace):
    """(jobs, Dask executor or None) for ``--jobs`` / ``--scheduler``; Dask is closed on exit.

    Without ``--scheduler`` the library starts its own worker processes when a run has more than
    one block of replications to share among them; without ``--jobs`` too, only when the run is
    long enough to pay for starting them (jobs ``None``: :func:`sim.run.simulate.auto_jobs`)."""
    from .run.parallel import cores, dask_executor

    if not args.scheduler:
        yield args.jobs, None
        return
    jobs = args.jobs or cores()
    if importlib.util.find_spec("distributed") is None:
        raise ScenarioError("--scheduler needs Dask: pip install 'capsim[dask]'")
    timeout_s = args.scheduler_timeout or DASK_CONNECT_TIMEOUT_S
    with dask_executor(args.scheduler, jobs, connect_timeout_s=timeout_s) as executor:
        yield jobs, executor


@contextlib.contextmanager
def workers(args: argparse.Namespace, simulation: bool = False):
    """A pool of worker processes for the whole command, or None.

    Without ``--jobs 1`` or ``--scheduler``, and with more than one core, one pool of workers
    forked from this process (they start at once, with capsim already imported) serves the command:
    the replications when ``simulation`` (see :func:`simulation_wants_workers`), then the per-site
    and monthly tables, the plots and the report. It is not started when nothing would use it."""
    from .run.parallel import cores, process_pool

    wanted = args.jobs or cores()
    if args.scheduler or wanted < 2 or not (simulation or not args.no_plots or not args.no_report):
        yield None
        return
    pool = process_pool(wanted, fork=True)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def simulation_wants_workers(args: argparse.Namespace, scenario, replications: int) -> bool:
    """Whether the replications run on worker processes: ``--jobs`` above 1, or without ``--jobs``
    a run long enough to pay for them (:func:`sim.run.simulate.auto_jobs`)."""
    from .engine.build import build_plan
    from .run.simulate import auto_jobs

    if args.jobs is not None:
        return args.jobs > 1
    return auto_jobs(build_plan(scenario), replications) > 1


def folder_writer(args: argparse.Namespace, pool=None):
    """The hook that draws the plots and writes the report into the results folder before it is
    published, or None when neither is wanted. With a worker ``pool`` the report is written in a
    worker while the plots are drawn on the others."""
    if args.no_plots and args.no_report:
        return None

    def write(folder: Path) -> None:
        from .run.parallel import run_concurrently

        tasks = []
        if not args.no_report:
            from .report.page import write_report

            tasks.append((write_report, folder))
        if not args.no_plots:
            from .output.plotfiles import write_plots

            tasks.append((write_plots, folder))
        run_concurrently(pool, tasks)

    return write
