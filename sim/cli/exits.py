"""How the ``capsim`` command ends: its exit codes, and what Ctrl-C, SIGTERM and a closed output
pipe do.

Exit codes: 0 done; 2 bad input or usage (one line per problem, no traceback); 1 internal error
(traceback only with ``--debug``); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM): nothing
written (or, if the signal came after the results were in place, the line says where they are); 141 output pipe closed by its reader (as a Unix tool killed by SIGPIPE, silently).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from ..run.signals import SIGNALLED, interrupt

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_PIPE = 128 + signal.SIGPIPE
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every clean-up that handles one handles the other."""


TERMINATE_GRACE_S = 10.0
"""After SIGTERM, the longest capsim takes to stop (see :func:`_terminate`)."""
TERMINATED = "capsim: terminated; no results written"
_sigterm_received = False


def _terminate(signum, frame) -> None:
    """SIGTERM: raise :class:`Terminated` once, so the run stops and cleans up as on Ctrl-C.

    Worker processes die of a SIGTERM sent to the whole process group; one that dies while sending
    its result can leave ``ProcessPoolExecutor.shutdown`` waiting forever (a CPython limitation),
    so a watchdog ends the process, exit 143, if it has not stopped within TERMINATE_GRACE_S.
    Nothing is on disk to clean by then: results are published only after the run."""
    global _sigterm_received
    SIGNALLED.note(Terminated)  # checked before publishing, should the exception be swallowed
    if _sigterm_received:
        return
    _sigterm_received = True
    watchdog = threading.Timer(TERMINATE_GRACE_S, _exit_terminated)
    watchdog.daemon = True
    watchdog.start()
    raise Terminated()


def sigterm_received() -> bool:
    """Whether this process has had a SIGTERM (its workers die of one sent to the process group)."""
    return _sigterm_received


def _exit_terminated() -> None:
    with contextlib.suppress(OSError, ValueError):
        print(TERMINATED, file=sys.stderr, flush=True)
    os._exit(EXIT_TERMINATED)


def interrupted(exc: KeyboardInterrupt) -> int:
    """The one line for Ctrl-C (130) or SIGTERM (143), telling what was written (:data:`SIGNALLED`)."""
    published = [getattr(exc, "published", None)] + SIGNALLED.written
    written = list(dict.fromkeys(str(p) + ("/" if Path(p).is_dir() else "") for p in published
                                 if p and os.path.lexists(p)))  # not a file written into a folder then removed
    how, code = ("terminated", EXIT_TERMINATED) if isinstance(exc, Terminated) else ("interrupted", EXIT_INTERRUPTED)
    print(f"capsim: {how}; " + (f"the results were already complete in {', '.join(written)}" if written
                                else "no results written"), file=sys.stderr)
    return code


LEAKED_SEMAPHORES = "ignore:resource_tracker:UserWarning:multiprocessing.resource_tracker"
"""A -W option given to multiprocessing's helper processes: after workers killed by a SIGTERM to the
process group, its 'leaked semaphore objects' warning would be a second line on stderr."""


def handle_sigterm():
    """Turn SIGTERM into :class:`Terminated` and Ctrl-C into KeyboardInterrupt, both noted in
    :data:`SIGNALLED`, while a command runs (main thread only); the old handlers."""
    try:
        previous = signal.signal(signal.SIGTERM, _terminate), signal.signal(signal.SIGINT, interrupt)
    except ValueError:  # not the main thread
        return None
    if LEAKED_SEMAPHORES not in sys.warnoptions:  # read when the resource tracker is started
        sys.warnoptions.append(LEAKED_SEMAPHORES)
    return previous


def pipe_closed() -> int:
    """stdout's reader has gone (``capsim schema | head -n 1``): stop quietly, as ``cat`` or ``yes``
    killed by SIGPIPE do (exit 128 + 13). stdout is pointed at /dev/null so that Python's last flush
    at exit does not complain."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_PIPE
