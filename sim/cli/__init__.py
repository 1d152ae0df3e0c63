"""The ``capsim`` command: a thin layer over the public API, one module per sub-command.

Exit codes: 0 done; 2 bad input or usage (one line per problem, no traceback); 1 internal error
(traceback only with ``--debug``); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM): nothing
written (or, if the signal came after the results were in place, the line says where they are); 141 output pipe closed by its reader (as a Unix tool killed by SIGPIPE, silently).
See :mod:`sim.cli.exits`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import traceback

from ..errors import ScenarioError, warnings_as_lines
from ..run.parallel import WorkerError
from ..run.signals import SIGNALLED
from .exits import (EXIT_INPUT, EXIT_INTERNAL, EXIT_TERMINATED, TERMINATED, handle_sigterm, interrupted,
                    pipe_closed, sigterm_received)
from .parser import COMMANDS, build_parser
from .progress import Progress  # noqa: F401 - for those who import it from sim.cli

__all__ = ["COMMANDS", "Progress", "build_parser", "command", "main"]


def main(argv: list[str] | None = None) -> int:
    previous, args = handle_sigterm(), None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_INPUT
        with warnings_as_lines():
            code = COMMANDS[args.command](args)
        if sys.stdout is not None:  # None: started with stdout closed
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        SIGNALLED.check()  # a signal whose exception something swallowed: the command did not finish as asked
        return code
    except BrokenPipeError:
        return pipe_closed()
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"capsim: error: {problem}" if not problem.file else str(problem), file=sys.stderr)
        return EXIT_INPUT
    except WorkerError as exc:
        if sigterm_received():  # SIGTERM to the process group: the workers died of it first
            print(TERMINATED, file=sys.stderr)
            return EXIT_TERMINATED
        print(f"capsim: error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
        return interrupted(exc)
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        if getattr(args, "debug", False):
            traceback.print_exc()
        else:
            print(f"capsim: internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback)",
                  file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        SIGNALLED.reset()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous[0])
            signal.signal(signal.SIGINT, previous[1])


def command() -> None:
    """The ``capsim`` executable (and ``python -m sim``): :func:`main`, then the process ends at
    once. By then every file is written and closed and every worker process has stopped; what is
    skipped is the interpreter tearing down its objects one by one, about 0.2 s after a large run."""
    handle_sigterm()  # Ctrl-C and SIGTERM are the command's from here, before the heavy imports
    try:
        code = main()
    except KeyboardInterrupt as exc:  # while starting
        code = interrupted(exc)
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()  # what registered a clean-up runs it (multiprocessing's temporary folder)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):  # closed, or None
            stream.flush()
    os._exit(code)
