"""The ``capsim`` command: a thin layer over the public API.

Exit codes: 0 done; 2 bad input or usage (one line per problem, no traceback); 1 internal error
(traceback only with ``--debug``); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM): nothing
written (or, if the signal came after the results were in place, the line says where they are); 141 output pipe closed by its reader (as a Unix tool killed by SIGPIPE, silently).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import math
import os
import re
import signal
import sys
import threading
import traceback
from pathlib import Path

from .errors import ScenarioError, warnings_as_lines
from . import cli_compare, cli_serve
from .cli_progress import Progress
from .cli_workers import Preloader, executor_of, folder_writer, pool_size, results_pool, simulation_wants_workers
from .run.parallel import DASK_CONNECT_TIMEOUT_S, WorkerError
from .run.signals import SIGNALLED, interrupt

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_PIPE = 128 + signal.SIGPIPE
EXIT_TERMINATED = 128 + signal.SIGTERM
DIGITS = re.compile(r"[0-9]+")
"""Plain ASCII digits: no sign, spaces, underscores or other scripts' digits."""
MAX_SEED = 2**63 - 1


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


def _exit_terminated() -> None:
    with contextlib.suppress(OSError, ValueError):
        print(TERMINATED, file=sys.stderr, flush=True)
    os._exit(EXIT_TERMINATED)


def _whole_number(minimum: int, maximum: int | None = None):
    """argparse type: plain ASCII digits giving an int from ``minimum`` to ``maximum``."""

    def parse(text: str) -> int:
        if not DIGITS.fullmatch(text):
            raise argparse.ArgumentTypeError(f"must be a whole number written in digits 0-9 (got {text!r})")
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum} (got {value})")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum} (got {value})")
        return value

    return parse


def _seconds(text: str) -> float:
    """argparse type: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0 (got {text!r})")
    if value > MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_SECONDS:,} seconds, a day (got {text!r})")
    return value


MAX_SECONDS = 86_400
"""Longest ``--scheduler-timeout``: a day (the socket and thread timeouts below it cannot hold 1e300)."""


class _Once(argparse.Action):
    """Store an option's value, refusing the option given twice (the last one would win silently)."""

    def __call__(self, parser, namespace, values, option_string=None):
        seen = namespace.__dict__.setdefault("_given", set())
        if self.dest in seen:
            raise argparse.ArgumentError(self, "given more than once")
        seen.add(self.dest)
        setattr(namespace, self.dest, values)


def _docs_url(text: str) -> str:
    """``--docs-url``: an http(s):// address or a relative path (sim.report.sources.docs_url_problem)."""
    from .report.sources import docs_url_problem

    problem = docs_url_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{problem} (got {text!r})")
    return text


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``capsim run: error: argument --seed: ...``), exit 2."""

    def error(self, message: str):
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="capsim",
        description="Capacity-planning simulator for regional compute build-outs.",
    )
    parser.add_argument("--version", action="version", version=f"capsim {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="simulate a scenario and write result tables")
    run.add_argument("scenario", metavar="FILE", nargs="?", default=None,
                     help="scenario YAML file (default: the shipped scenarios/shanxi.yaml)")
    run.add_argument("--variant", metavar="NAME", default=None, action=_Once, help="run this variant of the scenario")
    run.add_argument("--set", metavar="PATH=VALUE", action="append", default=[], dest="overrides",
                     help="change one value (dotted path, list items by id; value read as YAML), "
                          "after the variant; repeatable")
    run.add_argument("--deterministic", action="store_true",
                     help="one replication with every distribution at its median or mode and every go "
                          "probability rounded to go/no-go (docs/model.md), to check the arithmetic by hand")
    _add_simulation_options(run, per="", out_suffix="", printed="summary")

    compare = sub.add_parser("compare", help="run the base and its variants with common random numbers")
    compare.add_argument("scenario", metavar="FILE", help="scenario YAML file with `variants`")
    compare.add_argument("--variants", metavar="A,B|all", default="all", action=_Once,
                         help="variants to compare with the base, comma-separated (default: all)")
    compare.add_argument("--rank-by", metavar="NAME", default=None, action=_Once, help=_rank_by_help())
    cli_compare.add_options(compare, _Once)
    _add_simulation_options(compare, per=" per variant", out_suffix="-compare", printed="table")

    plot = sub.add_parser("plot", help="redraw the plots of a results folder from its saved tables")
    plot.add_argument("results", metavar="RESULTS_DIR", help="folder written by capsim run (or compare)")
    plot.add_argument("--format", choices=("png", "svg", "pdf"), default="png", action=_Once,
                      help="file format (default: png); files go to RESULTS_DIR/plots/")
    plot.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")

    report = sub.add_parser("report", help="write one self-contained HTML report of a results folder")
    report.add_argument("results", metavar="RESULTS_DIR", help="folder written by capsim run, compare, explore or solve")
    report.add_argument("--out", metavar="FILE", default=None, help="report file (default: RESULTS_DIR/report.html)")
    report.add_argument("--xlsx", action="store_true",
                        help="also write the tables as an Excel workbook beside it (report.xlsx, or with --out FILE: "
                             "FILE with .xlsx; needs openpyxl)")
    report.add_argument("--docs-url", metavar="URL", default=None, type=_docs_url,
                        help="where the page links capsim's docs/: an http(s):// address or a relative path "
                             "(default: the relative path to this checkout's docs/)")
    report.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")

    validate = sub.add_parser("validate", help="check a scenario file and report every problem")
    validate.add_argument("scenario", metavar="FILE", nargs="+", help="scenario YAML file(s)")
    validate.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    schema = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    schema.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    from .cli_explore import add_commands

    add_commands(sub, _add_simulation_options, once=_Once)
    cli_serve.add_command(sub, _whole_number, _Once)
    return parser


def _add_simulation_options(parser: argparse.ArgumentParser, per: str, out_suffix: str, printed: str,
                            replications_help: str | None = None) -> None:
    """Options shared by ``run``, ``compare``, ``explore`` and ``solve``."""
    parser.add_argument("-r", "--replications", type=_whole_number(1), default=None, action=_Once,
                        help=replications_help or f"replications{per} (default: 1 without uncertainty, 1000 with)")
    parser.add_argument("--seed", type=_whole_number(0, MAX_SEED), default=0, action=_Once,
                        help="random seed, digits 0-9 (default: 0); the same seed gives the same files")
    parser.add_argument("--out", metavar="DIR", default=None, action=_Once,
                        help=f"output folder (default: results/<scenario file stem>{out_suffix})")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing capsim results folder (never a folder holding other files)")
    parser.add_argument("--no-plots", action="store_true", help="write no plots (default: OUT/plots/*.png)")
    parser.add_argument("--no-report", action="store_true", help="write no report (default: OUT/report.html)")
    parser.add_argument("-j", "--jobs", type=_whole_number(1), default=None, action=_Once,
                        help="worker processes (default: every core when the run is long enough to "
                             "pay for starting them); results do not depend on it")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None, action=_Once,
                        help="run on a Dask cluster: a scheduler address, or 'local' for a LocalCluster "
                             "of --jobs workers on this machine (needs pip install 'capsim[dask]')")
    parser.add_argument("--scheduler-timeout", metavar="SECONDS", type=_seconds, default=None, action=_Once,
                        help=f"how long to try to reach --scheduler (default: {DASK_CONNECT_TIMEOUT_S:g} s)")
    parser.add_argument("-q", "--quiet", action="store_true", help=f"print no {printed} and no progress")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def _rank_by_help() -> str:
    from .run.ranking import RANK_BY_HELP

    return RANK_BY_HELP


def _version() -> str:
    from .version import __version__

    return __version__


def cmd_run(args: argparse.Namespace) -> int:
    from .analysis.results import REMOTE_TABLES
    from .analysis.summary import summary_text
    from .output.destination import output_folder
    from .output.tables import utc_now, write_results
    from .run.simulate import default_replications, deterministic, simulate
    from .scenario.load import load_scenario, shipped_scenario
    from .scenario.sanity_after import warn_applied
    from .scenario.variants import apply_variant, check_variants, parse_override

    started = utc_now()
    if args.scenario is None:
        args.scenario = str(shipped_scenario())
    loaded = load_scenario(args.scenario, check_variants=False)  # checked below, or while the first replications run
    overrides = [parse_override(text) for text in args.overrides]
    scenario = apply_variant(loaded, args.variant, overrides)
    warn_applied(loaded, scenario)  # sanity warnings for values --set or the variant changed
    if args.deterministic:
        if args.replications not in (None, 1):
            raise ScenarioError(f"--deterministic runs one replication (got -r {args.replications}); drop -r")
        scenario, args.replications = deterministic(scenario), 1
    out = output_folder(args.out, Path("results") / Path(args.scenario).stem, args.force, [args.scenario])
    replications = args.replications or default_replications(scenario)
    progress = Progress(replications, enabled=not args.quiet)
    simulation = simulation_wants_workers(args, scenario, replications)
    preloader = Preloader(args, enabled=simulation and pool_size(args) > 0, first=lambda: check_variants(loaded))
    if not preloader.enabled:
        check_variants(loaded)

    def report(done: int) -> None:
        preloader.start()  # the workers exist: this process waits for them, and may check and import meanwhile
        preloader.raise_failure()  # a variant that does not validate stops the run here
        progress(done)

    try:
        with executor_of(args) as (jobs, executor):
            if executor is None:  # workers forked from here, writing into shared memory, or none
                jobs = (pool_size(args) if simulation else 1) or 1
            results = simulate(scenario, replications=replications, seed=args.seed, progress=report,
                               jobs=jobs, executor=executor, fork=True)
    finally:
        progress.close()
    preloader.join()  # and the variants' check, if it failed, is raised before anything is written
    wanted = simulation or not (args.no_plots and args.no_report)
    with results_pool(args, results, wanted, preloader, start=REMOTE_TABLES) as (pool, remote):
        summary = summary_text(results)  # before writing: a failure here must not leave a folder behind
        write_results(results, out, force=args.force, command=["capsim", *sys.argv[1:]], started=started,
                      then=folder_writer(args, pool), remote=remote)
    if not args.quiet:
        print(summary)
        print(f"results written to {out}/")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from .output.comparison import write_comparison
    from .output.destination import output_folder
    from .output.tables import utc_now
    from .run.compare import compare, selected_variants
    from .run.ranking import check_rank_by
    from .run.simulate import default_replications
    from .scenario.load import load_scenario
    from .scenario.variants import apply_variant

    started = utc_now()
    scenario = load_scenario(args.scenario)
    names = selected_variants(scenario, args.variants)
    check_rank_by(scenario, args.rank_by)
    out = output_folder(args.out, Path("results") / f"{Path(args.scenario).stem}-compare", args.force, [args.scenario])
    replications = args.replications or max(
        default_replications(apply_variant(scenario, name)) for name in [None, *names])
    cells = cli_compare.extra_cells(args, scenario, names)  # --across risks: checked before anything runs
    progress = Progress(replications * (len(names) + 1 + cells), enabled=not args.quiet)
    runs_done: list[str] = []

    def report(name: str, done: int) -> None:
        if done == replications:
            runs_done.append(name)
        progress(len(runs_done) * replications + (0 if done == replications else done))

    try:
        with executor_of(args) as (jobs, executor):
            comparison = compare(scenario, names, replications=replications, seed=args.seed, progress=report,
                                 jobs=jobs, executor=executor, rank_by=args.rank_by, across=args.across,
                                 robust=args.robust)
    finally:
        progress.close()
    summary = comparison.summary_text()  # before writing: exit 0 always means a complete folder
    with results_pool(args, comparison, not (args.no_plots and args.no_report)) as (pool, _):
        write_comparison(comparison, out, force=args.force, command=["capsim", *sys.argv[1:]], started=started,
                         then=folder_writer(args, pool))
    if not args.quiet:
        print(summary)
        print(f"results written to {out}/")
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    from .output.plotfiles import write_plots

    for path in write_plots(Path(args.results), args.format):
        print(path)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from .report.page import write_report

    for path in write_report(Path(args.results), out=args.out, xlsx=args.xlsx, docs_url=args.docs_url):
        print(path)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from .scenario.load import load_scenario

    problems = []
    for path in args.scenario:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        n_variants = len(scenario.variants)
        print(f"{path}: ok ({scenario.name}: {len(scenario.projects)} projects, "
              f"{scenario.horizon.start} to {scenario.horizon.end}"
              f"{f', {n_variants} variant' + ('s' if n_variants != 1 else '') if n_variants else ''})")
    if problems:
        raise ScenarioError(problems)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .scenario.schema import json_schema

    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


def cmd_explore(args: argparse.Namespace) -> int:
    from .cli_explore import cmd_explore

    return cmd_explore(args, Progress, executor_of)


def cmd_solve(args: argparse.Namespace) -> int:
    from .cli_explore import cmd_solve

    return cmd_solve(args, Progress, executor_of)


COMMANDS = {"run": cmd_run, "compare": cmd_compare, "plot": cmd_plot, "report": cmd_report, "validate": cmd_validate, "schema": cmd_schema,
            "explore": cmd_explore, "solve": cmd_solve, "serve": cli_serve.cmd_serve}


def main(argv: list[str] | None = None) -> int:
    previous, args = _handle_sigterm(), None
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
        return _pipe_closed()
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"capsim: error: {problem}" if not problem.file else str(problem), file=sys.stderr)
        return EXIT_INPUT
    except WorkerError as exc:
        if _sigterm_received:  # SIGTERM to the process group: the workers died of it first
            print(TERMINATED, file=sys.stderr)
            return EXIT_TERMINATED
        print(f"capsim: error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
        return _interrupted(exc)
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


def _interrupted(exc: KeyboardInterrupt) -> int:
    """The one line for Ctrl-C (130) or SIGTERM (143), telling what was written (:data:`SIGNALLED`)."""
    published = [getattr(exc, "published", None)] + SIGNALLED.written
    written = list(dict.fromkeys(str(p) + ("/" if Path(p).is_dir() else "") for p in published
                                 if p and os.path.lexists(p)))  # not a file written into a folder then removed
    how, code = ("terminated", EXIT_TERMINATED) if isinstance(exc, Terminated) else ("interrupted", EXIT_INTERRUPTED)
    print(f"capsim: {how}; " + (f"the results were already complete in {', '.join(written)}" if written
                                else "no results written"), file=sys.stderr)
    return code


def command() -> None:
    """The ``capsim`` executable (and ``python -m sim``): :func:`main`, then the process ends at
    once. By then every file is written and closed and every worker process has stopped; what is
    skipped is the interpreter tearing down its objects one by one, about 0.2 s after a large run."""
    _handle_sigterm()  # Ctrl-C and SIGTERM are the command's from here, before the heavy imports
    try:
        code = main()
    except KeyboardInterrupt as exc:  # while starting
        code = _interrupted(exc)
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()  # what registered a clean-up runs it (multiprocessing's temporary folder)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):  # closed, or None
            stream.flush()
    os._exit(code)


LEAKED_SEMAPHORES = "ignore:resource_tracker:UserWarning:multiprocessing.resource_tracker"
"""A -W option given to multiprocessing's helper processes: after workers killed by a SIGTERM to the
process group, its 'leaked semaphore objects' warning would be a second line on stderr."""


def _handle_sigterm():
    """Turn SIGTERM into :class:`Terminated` and Ctrl-C into KeyboardInterrupt, both noted in
    :data:`SIGNALLED`, while a command runs (main thread only); the old handlers."""
    try:
        previous = signal.signal(signal.SIGTERM, _terminate), signal.signal(signal.SIGINT, interrupt)
    except ValueError:  # not the main thread
        return None
    if LEAKED_SEMAPHORES not in sys.warnoptions:  # read when the resource tracker is started
        sys.warnoptions.append(LEAKED_SEMAPHORES)
    return previous


def _pipe_closed() -> int:
    """stdout's reader has gone (``capsim schema | head -n 1``): stop quietly, as ``cat`` or ``yes``
    killed by SIGPIPE do (exit 128 + 13). stdout is pointed at /dev/null so that Python's last flush
    at exit does not complain."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_PIPE
