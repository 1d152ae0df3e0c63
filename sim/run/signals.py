"""Holding back Ctrl-C (SIGINT) and SIGTERM while a few renames put results in place, or while
worker processes are forked.

The CLI turns both signals into exceptions (:mod:`sim.cli`); one arriving between two renames
would leave a folder half swapped, and one arriving while Python forks runs its handler inside
the fork's own hooks, where the exception is lost. Inside :func:`signals_held` they wait, and are
delivered (and raised) as soon as the block ends; a process forked inside it starts with them
held, and releases them once its own handlers are set.
"""

from __future__ import annotations

import contextlib
import signal
import threading

HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def signals_held():
    """Block SIGINT and SIGTERM for the ``with`` block (main thread, POSIX; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
