"""Where blocks of replications run: this process, worker processes, or a Dask cluster.

Picture a print shop with one job cut into numbered batches: the batches can go to one press or
to many, in any order, and the finished pages are put back in page order; the book is the same.
Every replication's draws are keyed by its number (:mod:`sim.engine.draws`), so a block gives the same
arrays wherever it runs and the run's results do not depend on the executor.

Any :class:`concurrent.futures.Executor` will do. :func:`process_pool` makes the usual one (worker
processes started with an explicit multiprocessing context, never by changing the global start
method); :func:`dask_executor` connects to a Dask distributed scheduler (the optional extra
``capsim[dask]``, imported only when asked for).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool

START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
"""Worker processes start from a clean server process (no threads or state inherited from the caller)."""


class WorkerError(RuntimeError):
    """A worker died (killed, or out of memory) before finishing its blocks; nothing was written."""


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C reaches the whole process group; only the parent acts on it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def dask_setup(worker) -> None:
    """Dask preload hook (``preload=["sim.run.parallel"]``): workers of a local cluster ignore Ctrl-C."""
    _ignore_interrupts()


def process_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of ``jobs`` worker processes for :func:`run_blocks`."""
    context = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        context.set_forkserver_preload(["sim.run.simulate"])
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_ignore_interrupts)


@contextlib.contextmanager
def dask_executor(scheduler: str, jobs: int | None = None) -> Iterator[Executor]:
    """An executor on a Dask distributed cluster; closed (with any cluster it started) on exit.

    ``scheduler`` is a scheduler address (``tcp://host:8786``) or ``local``: a ``LocalCluster``
    of ``jobs`` single-threaded worker processes listening on loopback only.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("--scheduler needs Dask: pip install 'capsim[dask]'") from None
    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            cluster = stack.enter_context(LocalCluster(
                n_workers=jobs or cores(), threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None, preload=["sim.run.parallel"],
            ))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        # pure=False: blocks are told apart by their replication numbers, not by hashing arguments
        yield client.get_executor(pure=False)


def run_blocks(executor: Executor, function: Callable, tasks: Sequence[tuple], on_result: Callable) -> None:
    """Run ``function(*task)`` for every task on ``executor``; ``on_result(task, result)`` as each ends.

    On any failure or interruption (Ctrl-C) the tasks not yet started are cancelled before the
    exception propagates. A dead worker process becomes a :class:`WorkerError`.
    """
    pending: dict[Future, tuple] = {}
    try:
        for task in tasks:
            pending[executor.submit(function, *task)] = task
        while pending:
            done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                on_result(task, future.result())
    except BrokenProcessPool as exc:
        raise WorkerError("a worker process died (killed, or out of memory?) before the run finished; "
                          "no results were written") from exc
    finally:
        for future in pending:
            future.cancel()
