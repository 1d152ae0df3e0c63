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


class Signalled:
    """What the CLI's signal handlers saw, and what was published, in this process.

    A handler turns Ctrl-C or SIGTERM into an exception, but code that catches every exception
    (a Cython import, pydantic's ``model_dump``) can swallow it and the run goes on. So the
    handlers also :meth:`note` the signal, and whatever publishes results calls :meth:`check`
    inside :func:`signals_held`, right before its rename: once a signal has arrived nothing is
    published. What is published is recorded (:meth:`published`), inside the same held section,
    so that the CLI's last line always tells what is on disk. Only the CLI notes signals; a
    library caller that does not is unaffected.
    """

    def __init__(self) -> None:
        self.raised: type[BaseException] | None = None
        self.written: list = []

    def reset(self) -> None:
        self.raised = None
        self.written = []

    def note(self, exception: type[BaseException]) -> None:
        """A handler saw a signal it turns into ``exception`` (the first one is kept)."""
        if self.raised is None:
            self.raised = exception

    def check(self) -> None:
        """Raise the noted signal's exception, if a handler noted one (call inside :func:`signals_held`)."""
        if self.raised is not None:
            raise self.raised()

    def published(self, path) -> None:
        """Record ``path`` as published (complete and in place)."""
        self.written.append(path)


SIGNALLED = Signalled()
"""The one record of this process (the CLI resets it when a command starts)."""


def interrupt(signum, frame) -> None:
    """The CLI's Ctrl-C handler: :meth:`Signalled.note` it, then raise KeyboardInterrupt as Python does."""
    SIGNALLED.note(KeyboardInterrupt)
    raise KeyboardInterrupt
