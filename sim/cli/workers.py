"""The workers of a ``capsim`` command: Dask for ``--scheduler``, or worker processes forked from
the command (those of the replications, see ``sim.simulate(fork=True)``, then a pool that inherits
the results for the tables, the plots and the report), and the hook that draws the plots and
writes the report into a results folder before it is published.

Forking is safe here because the command forks only while no other thread of its own runs: no other
pool (whose threads would be copied mid-step), the :class:`Preloader` thread joined."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import threading
from pathlib import Path

from concurrent.futures.process import BrokenProcessPool

from ..errors import ScenarioError
from ..run.parallel import DASK_CONNECT_TIMEOUT_S
from ..run.signals import signals_held

POST_TASKS = 10
"""At most as many workers for the tables, plots and report as they make tasks (two tables, eight
kinds of plot at most, the report), and never more than the cores: ``--jobs 100`` is for the
replications."""


@contextlib.contextmanager
def executor_of(args: argparse.Namespace):
    """(jobs, Dask executor or None) for ``--jobs`` / ``--scheduler``; Dask is closed on exit.

    Without ``--scheduler`` the library starts its own worker processes when a run has more than
    one block of replications to share among them; without ``--jobs`` too, only when the run is
    long enough to pay for starting them (jobs ``None``: :func:`sim.run.simulate.auto_jobs`)."""
    from ..run.parallel import cores, dask_executor

    if not args.scheduler:
        yield args.jobs, None
        return
    jobs = args.jobs or cores()
    if importlib.util.find_spec("distributed") is None:
        raise ScenarioError("--scheduler needs Dask: pip install 'capsim[dask]'")
    timeout_s = args.scheduler_timeout or DASK_CONNECT_TIMEOUT_S
    with dask_executor(args.scheduler, jobs, connect_timeout_s=timeout_s) as executor:
        yield jobs, executor


def pool_size(args: argparse.Namespace) -> int:
    """Worker processes the command may fork: ``--jobs`` or every core; 0 with ``--scheduler``
    (Dask runs the replications, the rest runs here), ``--jobs 1`` or one core."""
    from ..run.parallel import cores

    wanted = args.jobs or cores()
    return 0 if args.scheduler or wanted < 2 else wanted


def post_modules(args: argparse.Namespace) -> list[str]:
    """The modules that draw the plots and write the report, as far as the command writes them."""
    return [module for module, skip in (("sim.output.plotfiles", args.no_plots), ("sim.report.page", args.no_report))
            if not skip]


class Preloader:
    """Runs ``first`` (``capsim run``: the check of the scenario's other variants, about 0.1 s),
    then imports pandas (for the tables, about 0.2 s) and the plotting and report modules
    (matplotlib: about 0.3 s), in a thread of this process while its workers run the replications
    and it only waits; joined before the next fork (fork copies no running thread). Started by the
    first progress report, once the workers exist. What ``first`` raises is kept and raised again
    by :meth:`raise_failure` (the command calls it at every progress report and once the
    replications end), and nothing is imported after it.

    The thread blocks SIGINT and SIGTERM, so that the kernel always hands them to the main thread,
    whose handlers act on them (Python runs signal handlers in the main thread only, when it next
    notices the signal).

    The garbage collector is off while it imports (a full collection among the 130,000 objects the
    imports make took 0.1 s and could free none of them) and what exists then is frozen for it
    (``gc.freeze``): the command's later collections, and its workers', leave it alone."""

    def __init__(self, args: argparse.Namespace, enabled: bool, first=None):
        self.modules = ["pandas", *post_modules(args)] if enabled else []
        self.first = first if enabled else None
        self.failure: BaseException | None = None
        self.thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.modules)

    def start(self) -> None:
        if self.modules and self.thread is None:
            self.thread = threading.Thread(target=self._run, name="capsim-preload", daemon=True)
            with signals_held():  # the thread starts with them blocked: Ctrl-C and SIGTERM go to the main thread
                self.thread.start()

    def raise_failure(self) -> None:
        """Raise what ``first`` raised, if it has (once)."""
        failure, self.failure = self.failure, None
        if failure is not None:
            raise failure

    def _run(self) -> None:
        if self.first is not None:
            try:
                self.first()
            except BaseException as exc:  # raised in the main thread by raise_failure (a thread ignores SystemExit)
                self.failure = exc
                return
        self._load()

    def _load(self) -> None:
        collecting = gc.isenabled()
        gc.disable()  # what is imported lives as long as the command: a collection meanwhile frees nothing
        try:
            for module in self.modules:
                with contextlib.suppress(Exception):  # imported again, and failing visibly, where it is used
                    importlib.import_module(module)
        finally:
            gc.freeze()  # and later collections in this process leave it alone (about 0.1 s each)
            if collecting:
                gc.enable()

    def join(self) -> None:
        """Wait for the thread; then raise what ``first`` raised, if it has."""
        if self.thread is not None:
            self.thread.join()
        self.raise_failure()


@contextlib.contextmanager
def results_pool(args: argparse.Namespace, results, wanted: bool, preloader: Preloader | None = None,
                 start: tuple[str, ...] = ()):
    """(pool, remote) for summarising ``results`` and drawing its plots and report, or (None, None).

    The workers are forked from the command once the results exist (the replications' workers have
    stopped), so they inherit the results' arrays instead of being sent copies: ``remote(name)``
    computes the table ``name`` of ``results`` in a worker (a Future; asked twice, the same one).
    The tables named in ``start`` are started at once, so that they are made while the command
    does something else first (prints nothing, writes nothing: ``capsim run`` makes its summary).
    Started only when ``wanted`` (there are plots or a report to share out, or tables large enough
    to pay for it)."""
    from ..run.parallel import attribute_of, cores, inherited, process_pool, worker_died

    if preloader is not None:
        preloader.join()
    jobs = pool_size(args)
    if not (jobs and wanted):
        yield None, None
        return
    for module in post_modules(args):  # imported once, here, rather than in every worker (matplotlib: about 0.3 s)
        importlib.import_module(module)
    with inherited(results) as key:
        pool = process_pool(min(jobs, cores(), POST_TASKS), fork=True)
        futures = {}

        def remote(name: str):
            if name not in futures:
                futures[name] = pool.submit(attribute_of, key, name)
            return futures[name]

        try:
            for name in start:
                remote(name)
            yield pool, remote
        except BrokenProcessPool as exc:  # a worker killed while it made a table
            raise worker_died(forked=True) from exc
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def simulation_wants_workers(args: argparse.Namespace, scenario, replications: int) -> bool:
    """Whether the replications run on worker processes: ``--jobs`` above 1, or without ``--jobs``
    a run long enough to pay for them (:func:`sim.run.simulate.auto_jobs`)."""
    from ..engine.build import build_plan
    from ..run.simulate import auto_jobs

    if args.jobs is not None:
        return args.jobs > 1
    return auto_jobs(build_plan(scenario), replications) > 1


def folder_writer(args: argparse.Namespace, pool=None):
    """The hook that draws the plots and writes the report into the results folder before it is
    published, or None when neither is wanted. With a worker ``pool`` the report is written in a
    worker and each kind of plot is drawn in one, side by side."""
    if args.no_plots and args.no_report:
        return None

    def write(folder: Path) -> None:
        from ..run.parallel import run_concurrently

        tasks = []
        if not args.no_report:
            from ..report.page import write_report

            tasks.append((write_report, folder))
        if not args.no_plots:
            from ..output.plotfiles import write_plots

            tasks.append((write_plots, folder, "png", None, pool))
        run_concurrently(pool, tasks)

    return write
