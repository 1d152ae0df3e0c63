"""The ``capsim`` command: a thin layer over the public API.

Exit codes: 0 done; 2 bad input or usage (one line per problem, no traceback); 1 internal error
(traceback only with ``--debug``); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

from .errors import ScenarioError

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _whole_number(minimum: int):
    """argparse type: an int of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum} (got {value})")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="capsim",
        description="Capacity-planning simulator for regional compute build-outs.",
    )
    parser.add_argument("--version", action="version", version=f"capsim {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="simulate a scenario and write result tables")
    run.add_argument("scenario", metavar="FILE", nargs="?", default=None,
                     help="scenario YAML file (default: the shipped scenarios/shanxi.yaml)")
    run.add_argument("-r", "--replications", type=_whole_number(1), default=None,
                     help="number of replications (default: 1 without uncertainty, 1000 with)")
    run.add_argument("--seed", type=_whole_number(0), default=0, help="random seed (default: 0)")
    run.add_argument("--variant", metavar="NAME", default=None, help="run this variant of the scenario")
    run.add_argument("--set", metavar="PATH=VALUE", action="append", default=[], dest="overrides",
                     help="change one value (dotted path, list items by id; value read as YAML), "
                          "after the variant; repeatable")
    run.add_argument("--out", metavar="DIR", default=None,
                     help="output folder (default: results/<scenario file stem>)")
    run.add_argument("--force", action="store_true", help="replace a non-empty output folder")
    run.add_argument("--no-plots", action="store_true", help="write no plots (default: OUT/plots/*.png)")
    run.add_argument("-q", "--quiet", action="store_true", help="print no summary and no progress")
    run.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")

    compare = sub.add_parser("compare", help="run the base and its variants with common random numbers")
    compare.add_argument("scenario", metavar="FILE", help="scenario YAML file with `variants`")
    compare.add_argument("--variants", metavar="A,B|all", default="all",
                         help="variants to compare with the base, comma-separated (default: all)")
    compare.add_argument("-r", "--replications", type=_whole_number(1), default=None,
                         help="replications per variant (default: 1 without uncertainty, 1000 with)")
    compare.add_argument("--seed", type=_whole_number(0), default=0, help="random seed, shared by every variant (default: 0)")
    compare.add_argument("--out", metavar="DIR", default=None,
                         help="output folder (default: results/<scenario file stem>-compare)")
    compare.add_argument("--force", action="store_true", help="replace a non-empty output folder")
    compare.add_argument("--no-plots", action="store_true", help="write no plots (default: OUT/plots/*.png)")
    compare.add_argument("-q", "--quiet", action="store_true", help="print no table and no progress")
    compare.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")

    plot = sub.add_parser("plot", help="redraw the plots of a results folder from its saved tables")
    plot.add_argument("results", metavar="RESULTS_DIR", help="folder written by capsim run (or compare)")
    plot.add_argument("--format", choices=("png", "svg", "pdf"), default="png",
                      help="file format (default: png); files go to RESULTS_DIR/plots/")
    plot.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")

    validate = sub.add_parser("validate", help="check a scenario file and report every problem")
    validate.add_argument("scenario", metavar="FILE", nargs="+", help="scenario YAML file(s)")
    validate.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)

    schema = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    schema.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


class Progress:
    """One line on stderr, rewritten in place, for runs longer than about a second (TTY only)."""

    def __init__(self, total: int, enabled: bool):
        self.total = total
        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.perf_counter()
        self.shown = False

    def __call__(self, done: int) -> None:
        elapsed = time.perf_counter() - self.start
        if not self.enabled or (elapsed < 1.0 and not self.shown):
            return
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else 0.0
        sys.stderr.write(f"\r{done:,}/{self.total:,} replications, {rate:,.0f}/s, ETA {eta:,.0f} s ")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def cmd_run(args: argparse.Namespace) -> int:
    from .output import check_destination, utc_now, write_results
    from .scenario import load_scenario, shipped_scenario
    from .simulate import default_replications, simulate
    from .summary import summary_text
    from .variants import apply_variant, parse_override

    started = utc_now()
    if args.scenario is None:
        args.scenario = str(shipped_scenario())
    scenario = load_scenario(args.scenario)
    overrides = [parse_override(text) for text in args.overrides]
    scenario = apply_variant(scenario, args.variant, overrides)
    out = Path(args.out) if args.out else Path("results") / Path(args.scenario).stem
    check_destination(out, args.force)
    replications = args.replications or default_replications(scenario)
    progress = Progress(replications, enabled=not args.quiet)
    try:
        results = simulate(scenario, replications=replications, seed=args.seed, progress=progress)
    finally:
        progress.close()
    then = None
    if not args.no_plots:
        from .plotfiles import write_plots

        then = write_plots
    write_results(results, out, force=args.force, command=["capsim", *sys.argv[1:]], started=started, then=then)
    if not args.quiet:
        print(summary_text(results))
        print(f"results written to {out}/")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare, write_comparison
    from .output import check_destination, utc_now
    from .scenario import load_scenario
    from .simulate import default_replications
    from .variants import apply_variant, select

    started = utc_now()
    scenario = load_scenario(args.scenario)
    names = select(scenario, args.variants)
    out = Path(args.out) if args.out else Path("results") / f"{Path(args.scenario).stem}-compare"
    check_destination(out, args.force)
    replications = args.replications or max(
        default_replications(apply_variant(scenario, name)) for name in [None, *names])
    progress = Progress(replications * (len(names) + 1), enabled=not args.quiet)
    runs_done: list[str] = []

    def report(name: str, done: int) -> None:
        if done == replications:
            runs_done.append(name)
        progress(len(runs_done) * replications + (0 if done == replications else done))

    try:
        comparison = compare(scenario, names, replications=replications, seed=args.seed, progress=report)
    finally:
        progress.close()
    then = None
    if not args.no_plots:
        from .plotfiles import write_plots

        then = write_plots
    write_comparison(comparison, out, force=args.force, command=["capsim", *sys.argv[1:]], started=started,
                     then=then)
    if not args.quiet:
        print(comparison.summary_text())
        print(f"results written to {out}/")
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    from .plotfiles import write_plots

    for path in write_plots(Path(args.results), args.format):
        print(path)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from .scenario import load_scenario

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
    from .schema import json_schema

    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


COMMANDS = {"run": cmd_run, "compare": cmd_compare, "plot": cmd_plot, "validate": cmd_validate, "schema": cmd_schema}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"capsim: error: {problem}" if not problem.file else str(problem), file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("capsim: interrupted; no results written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        if getattr(args, "debug", False):
            traceback.print_exc()
        else:
            print(f"capsim: internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback)",
                  file=sys.stderr)
        return EXIT_INTERNAL
