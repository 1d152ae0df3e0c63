"""Where blocks of replications run: this process, worker processes, or a Dask cluster.

Picture a print shop with one job cut into numbered batches: the batches can go to one press or
to many, in any order, and the finished pages are put back in page order; the book is the same.
Every replication's draws are keyed by its number (:mod:`sim.engine.draws`), so a block gives the same
arrays wherever it runs and the run's results do not depend on the executor.

Any :class:`concurrent.futures.Executor` will do. :func:`process_pool` makes the usual one (worker
processes started with an explicit multiprocessing context, never by changing the global start
method); :func:`dask_executor` connects to a Dask distributed scheduler (the optional extra
``capsim[dask]``, imported only when asked for; the address is probed and reached as
:mod:`sim.run.scheduler` says).
"""

from __future__ import annotations

import ast
import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    InvalidStateError,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool

from ..errors import ScenarioError, show_warnings_as_lines
from .scheduler import connect
from .signals import HELD, signals_held

DASK_CONNECT_TIMEOUT_S = 10.0
"""How long :func:`dask_executor` tries to reach a scheduler before giving up (``--scheduler-timeout``)."""
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
    """Worker initializer: Ctrl-C reaches the whole process group; only the parent acts on it.

    SIGTERM keeps its default (the pool itself stops workers with it when one of them dies).
    A warning is one line ``capsim: warning: MESSAGE``, once per message, as in the command."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    show_warnings_as_lines()


def dask_setup(worker) -> None:
    """Dask preload hook (``preload=["sim.run.parallel"]``): workers of a local cluster ignore Ctrl-C."""
    _ignore_interrupts()


MAIN_GUARD_HINT = ('put the code that calls capsim under `if __name__ == "__main__":` (worker processes '
                   "import the main script again, and would run it again), or use jobs=1")


def check_main_guard() -> None:
    """RuntimeError if starting worker processes would run the calling script again in each of them.

    Worker processes started by ``forkserver`` or ``spawn`` import the script that was run
    (``python script.py``) again, under the name ``__mp_main__``; a capsim call at the top level
    of that script, outside ``if __name__ == "__main__":``, would then run in every worker. Called
    before any worker starts: it finds the script's top-level line that led here and checks, in
    the script's source, that the line sits inside such a block.
    """
    main = sys.modules.get("__main__")
    if main is None:
        return
    if main.__name__ == "__mp_main__" and multiprocessing.parent_process() is not None:
        raise RuntimeError(f"capsim was called while a worker process imported the main script: {MAIN_GUARD_HINT}")
    spec_name = getattr(getattr(main, "__spec__", None), "name", None)
    if spec_name is not None and (spec_name == "__main__" or spec_name.endswith(".__main__")):
        return  # python -m package: workers do not import it again
    path = getattr(main, "__file__", None)
    frame = sys._getframe(1)
    while frame is not None and not (frame.f_globals is vars(main) and frame.f_code.co_name == "<module>"):
        frame = frame.f_back
    if frame is None or path is None:
        return  # called from a function of an imported module, an interactive session, or python -c
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (OSError, SyntaxError, ValueError):
        return
    line = frame.f_lineno
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_main_test(node.test) and node.body:
            if node.body[0].lineno <= line <= (node.body[-1].end_lineno or node.body[-1].lineno):
                return
    raise RuntimeError(f"{path}:{line}: runs capsim with worker processes at the top level of the script: "
                       f"{MAIN_GUARD_HINT}")


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    texts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(texts) == 1


def process_pool(jobs: int, fork: bool = False) -> ProcessPoolExecutor:
    """A pool of ``jobs`` worker processes for :func:`run_blocks` (see :func:`check_main_guard`).

    ``fork``: on Linux, workers are forked from this process, so they start at once with what it
    has imported (no import of capsim in each, which takes about half a second). Everything they
    inherit is frozen for their garbage collector (``gc.freeze``): a full collection in a worker
    would otherwise walk the 130,000 objects of the parent each time, about 60 ms; the parent's
    collector is unfrozen again once they are forked. Only for a
    caller that knows no other thread of its own runs while it forks, such as the ``capsim``
    command; elsewhere, and by default, workers start from a clean server process
    (:data:`START_METHOD`)."""
    if fork and sys.platform == "linux":  # a forked worker does not import the main script again
        _quiet_manager_thread()
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_forked_worker)
        frozen = gc.get_freeze_count()
        gc.freeze()  # the workers' collector leaves what they inherit alone (their own objects it collects)
        try:
            with signals_held():  # every worker forked now, none with a signal lost in the fork's hooks
                pool.submit(_ready)
        except BaseException:  # a signal held back during the fork: the caller never gets the pool to shut down
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            if not frozen:
                gc.unfreeze()  # this process's collector as before (unless its caller had frozen objects)
        return pool
    check_main_guard()
    context = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        context.set_forkserver_preload(["sim.run.simulate"])
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_ignore_interrupts)


def _quiet_manager_thread() -> None:
    """Keep a known CPython 3.11 fault off stderr: when signalled workers die after the caller
    cancelled their pending tasks, the pool's manager thread fails with InvalidStateError setting
    the error on a cancelled task, and Python prints its traceback. The caller has already stopped
    and reports the signal in one line; other threads' errors are printed as before."""
    previous = threading.excepthook
    if getattr(previous, "capsim", False):
        return

    def hook(args) -> None:
        if not (isinstance(args.exc_value, InvalidStateError)
                and type(args.thread).__name__ == "_ExecutorManagerThread"):
            previous(args)

    hook.capsim = True
    threading.excepthook = hook


def _forked_worker() -> None:
    """Initializer of a forked worker: Ctrl-C is the parent's to act on, and SIGTERM kills the
    worker, as in a worker that did not inherit the parent's handlers; then the signals held while
    it was forked are let through (a SIGTERM held meanwhile ends it now, a Ctrl-C is dropped)."""
    _ignore_interrupts()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)


def _ready() -> None:
    """A task that does nothing: submitted to have a pool fork its workers at once."""


_INHERITED: dict[int, object] = {}
"""Objects that worker processes forked while :func:`inherited` is open find as they were then."""


@contextlib.contextmanager
def inherited(obj: object) -> Iterator[int]:
    """A key under which workers forked while this is open find ``obj`` (:func:`attribute_of`):
    forked workers share its memory instead of being sent a copy of it."""
    key = id(obj)
    _INHERITED[key] = obj
    try:
        yield key
    finally:
        _INHERITED.pop(key, None)


def inherited_object(key: int) -> object:
    """In a forked worker: the object the parent shared under ``key`` (see :func:`inherited`)."""
    return _INHERITED[key]


def attribute_of(key: int, name: str):
    """In a forked worker: attribute ``name`` of the object the parent shared under ``key``."""
    return getattr(inherited_object(key), name)


def settle(executor: Executor, futures) -> None:
    """After a failure or an interruption: cancel the tasks not started and wait for those running,
    until they end or every worker process of ``executor`` is gone (a pool whose workers were
    killed may never finish their tasks), so that none writes after the caller has cleaned up."""
    futures = list(futures)
    for future in futures:
        future.cancel()
    while True:
        _, pending = wait(futures, timeout=0.2)
        if not pending:
            return
        if hasattr(executor, "_processes"):  # a process pool: are its workers still alive?
            processes = getattr(executor, "_processes", None) or {}
            if not any(p.is_alive() for p in list(processes.values())):
                return


def run_concurrently(executor: Executor | None, tasks: Sequence[tuple]) -> list:
    """``function(*arguments)`` for each task ``(function, *arguments)``; their results in order.

    Without an executor, one after another here. With one, every task but the last goes to the
    executor and the last runs here meanwhile (it may itself share out work to the executor's
    other workers). On a failure the tasks not yet started are cancelled and those running are
    waited for before the exception propagates, so that none writes after the caller has cleaned
    up. A dead worker process becomes a :class:`WorkerError`.
    """
    if executor is None or len(tasks) < 2:
        return [function(*arguments) for function, *arguments in tasks]
    futures = [executor.submit(function, *arguments) for function, *arguments in tasks[:-1]]
    try:
        function, *arguments = tasks[-1]
        last = function(*arguments)
        return [future.result() for future in futures] + [last]
    except BrokenProcessPool as exc:
        raise worker_died() from exc
    finally:
        settle(executor, futures)


@contextlib.contextmanager
def dask_executor(scheduler: str, jobs: int | None = None,
                  connect_timeout_s: float = DASK_CONNECT_TIMEOUT_S) -> Iterator[Executor]:
    """An executor on a Dask distributed cluster; closed (with any cluster it started) on exit.

    ``scheduler`` is a scheduler address (``tcp://host:8786``) or ``local``: a ``LocalCluster``
    of ``jobs`` single-threaded worker processes listening on loopback only. An address that
    cannot be parsed or reached within ``connect_timeout_s`` seconds is a :class:`ScenarioError`
    (``cannot reach the Dask scheduler at ADDRESS: ...``).
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("--scheduler needs Dask: pip install 'capsim[dask]'") from None
    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            check_main_guard()
            cluster = stack.enter_context(LocalCluster(
                n_workers=jobs or cores(), threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None, preload=["sim.run.parallel"],
            ))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(connect(Client, scheduler, connect_timeout_s))
        # pure=False: blocks are told apart by their replication numbers, not by hashing arguments
        yield client.get_executor(pure=False)

def worker_died(forked: bool = False) -> WorkerError:
    """The error of a worker process that died; the hint for scripts only where it can apply
    (workers that import the main script again: not forked ones, not the capsim executable)."""
    hint = ""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if (not forked and path and getattr(getattr(main, "__spec__", None), "name", None) is None
            and os.path.basename(path) not in ("capsim", "capsim.exe", "capsim-script.py")):
        hint = f"; if this was started from a script: {MAIN_GUARD_HINT}"
    return WorkerError("a worker process died (killed, or out of memory?) before the run finished; "
                       f"no results were written{hint}")


def run_blocks(executor: Executor, function: Callable, tasks: Sequence[tuple], on_result: Callable,
               forked: bool = False) -> None:
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
        raise worker_died(forked) from exc
    finally:
        for future in pending:
            future.cancel()
