"""The ``capsim explore`` and ``capsim solve`` commands: a thin layer over :mod:`sim.explore`.

Both take the scenario arguments of this module and the simulation options users know from
``run`` (:func:`sim.cli.options.add_simulation_options`).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from ..errors import Problem, ScenarioError
from .options import Once, add_simulation_options
from .progress import Progress
from .workers import executor_of

EXTRA_MESSAGE = "capsim explore needs SALib: pip install 'capsim[explore]'"
NEGATIVE_NUMBER = re.compile(r"^-(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$|^-(inf|infinity|nan)$", re.IGNORECASE)
"""What argparse must read as a negative number, not an option: ``-5``, ``-1e3``, ``-1.5E+2``,
``-.5``, ``-inf`` (argparse's own pattern knows only ``-5`` and ``-0.5``; every value is then
checked by the library, with a one-line message)."""


def _number(text: str) -> float:
    """argparse type: a number (its range is checked by the library, with a one-line message)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None


def add_commands(sub) -> None:
    """Add the ``explore`` and ``solve`` sub-commands to ``sub`` (argparse sub-parsers)."""
    _add_explore(sub)
    _add_solve(sub)


def _numbers_may_be_negative(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--low -1e3`` is a value, not an option (see :data:`NEGATIVE_NUMBER`)."""
    parser._negative_number_matcher = NEGATIVE_NUMBER
    return parser


def _add_explore(sub) -> None:
    from ..explore.design import DEFAULT_METHOD, DEFAULT_REPLICATIONS, DEFAULT_SAMPLES, METHODS
    from ..explore.solve import DEFAULT_PROBABILITY

    explore = _numbers_may_be_negative(sub.add_parser(
        "explore", help="which inputs decide the outcome: sensitivity indices and scenario discovery over levers "
                        "and uncertainties"))
    _scenario_arguments(explore)
    explore.add_argument("--method", default=DEFAULT_METHOD, metavar="|".join(METHODS), action=Once,
                         help=f"design: sobol (indices S1, ST), morris (screening), lhs (discovery); "
                              f"default {DEFAULT_METHOD}")
    explore.add_argument("--samples", "-n", type=int, default=None, metavar="N", action=Once,
                         help="N: Sobol base samples (a power of two; N x (k + 2) runs), Morris trajectories, "
                              "or LHS points (default: " + ", ".join(f"{m} {n}" for m, n in DEFAULT_SAMPLES.items()) + ")")
    explore.add_argument("--vary", metavar="PATH=LOW:HIGH", action="append", default=[],
                         help="explore this value uniformly over [LOW, HIGH] (besides explore.levers and the "
                              "drawn uncertainty.parameters); repeatable")
    explore.add_argument("--probability", type=_number, default=DEFAULT_PROBABILITY, metavar="P", action=Once,
                         help=f"a sample misses a target when P(met) < P (scenario discovery; default {DEFAULT_PROBABILITY})")
    explore.add_argument("--include-calibration", action="store_true",
                         help="rank the inputs by the calibration targets too (role: calibration) and look for "
                              "where they are missed (PRIM); by default they are left out: they check the model, "
                              "they are not goals")
    add_simulation_options(explore, per=" per sample", out_suffix="-explore", printed="summary",
                           replications_help=f"replications per sample, the same for every sample "
                                             f"(default: {DEFAULT_REPLICATIONS})")


def _add_solve(sub) -> None:
    from ..explore.solve import DEFAULT_PROBABILITY, DEFAULT_REPLICATIONS, DIRECTIONS

    solve = _numbers_may_be_negative(sub.add_parser(
        "solve", help="what it takes: the smallest (or largest) lever value at which a target is met with "
                      "probability P"))
    _scenario_arguments(solve)
    solve.add_argument("--lever", metavar="PATH[:LOW:HIGH[:COST_PER_UNIT]]", action="append", default=[],
                       help="dotted path of the numeric value to solve for; given twice or more (or not at all: the "
                            "scenario's explore.levers), the cheapest package of levers, each PATH:LOW:HIGH with an "
                            "optional cost in CNY per unit (negative: the cost rises as the value falls; "
                            "docs/explore.md)")
    solve.add_argument("--target", metavar="NAME", required=True, action=Once, help="name of the target to meet")
    solve.add_argument("--probability", type=_number, default=DEFAULT_PROBABILITY, metavar="P", action=Once,
                       help=f"P(target met) to reach, between 0 and 1 (default {DEFAULT_PROBABILITY})")
    solve.add_argument("--low", type=_number, default=None, action=Once, help="lowest lever value (default: explore.levers)")
    solve.add_argument("--high", type=_number, default=None, action=Once, help="highest lever value (default: explore.levers)")
    solve.add_argument("--direction", default=None, metavar="|".join(DIRECTIONS), action=Once,
                       help="smallest value (P rises with the lever; default) or largest (P falls with it)")
    solve.add_argument("--tolerance", type=_number, default=None, action=Once,
                       help="stop when the bracket is this narrow, in the lever's unit (default: 1%% of the range)")
    add_simulation_options(solve, per=" per value", out_suffix="-solve", printed="result",
                           replications_help=f"replications at each lever value (default: {DEFAULT_REPLICATIONS})")


def _scenario_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="FILE", help="scenario YAML file")
    parser.add_argument("--variant", metavar="NAME", default=None, action=Once, help="start from this variant of the scenario")
    parser.add_argument("--set", metavar="PATH=VALUE", action="append", default=[], dest="overrides",
                        help="change one value (dotted path; value read as YAML), after the variant; repeatable")


def _scenario(args: argparse.Namespace):
    from ..scenario.load import load_scenario
    from ..scenario.sanity_after import warn_applied
    from ..scenario.variants import apply_variant, parse_override

    scenario = load_scenario(args.scenario)
    applied = apply_variant(scenario, args.variant, [parse_override(text) for text in args.overrides])
    warn_applied(scenario, applied)  # sanity warnings for values --set or the variant changed
    return applied


def require_extra() -> None:
    """Refuse ``explore`` in one line when its optional libraries are not installed."""
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise ScenarioError(Problem(EXTRA_MESSAGE)) from None


def _report_writer(args: argparse.Namespace):
    """Writes report.html into the results folder before it is published, unless ``--no-report``."""
    if args.no_report:
        return None

    def write(folder: Path) -> None:
        from ..report.page import write_report

        write_report(folder)

    return write


def cmd_solve(args: argparse.Namespace) -> int:
    from ..explore.solve import solve
    from ..output.explore import write_solution
    from ..output.destination import output_folder
    from ..output.tables import utc_now

    started = utc_now()
    scenario = _scenario(args)
    if len(args.lever) != 1 or ":" in args.lever[0]:
        return _solve_package(args, scenario, started)
    out = output_folder(args.out, Path("results") / f"{Path(args.scenario).stem}-solve", args.force, [args.scenario])
    from ..explore.solve import DEFAULT_REPLICATIONS, MAX_STEPS, SCAN_POINTS

    replications = args.replications or DEFAULT_REPLICATIONS
    # the number of values is not known in advance: the bar counts against the most a search takes
    progress = Progress(replications * (MAX_STEPS + 2 + SCAN_POINTS), enabled=not args.quiet)
    try:
        with executor_of(args) as (jobs, dask):
            solution = solve(scenario, args.lever[0], args.target, args.probability, low=args.low, high=args.high,
                             direction=args.direction or "smallest", tolerance=args.tolerance, replications=replications,
                             seed=args.seed, jobs=jobs, executor=dask, progress=progress)
    finally:
        progress.close()
    write_solution(solution, scenario, out, force=args.force, command=["capsim", *sys.argv[1:]], started=started,
                   plots_too=not args.no_plots, then=_report_writer(args))
    if not args.quiet:
        print(solution.summary_text())
        print(f"results written to {out}/")
    return 0


def _solve_package(args: argparse.Namespace, scenario, started) -> int:
    """``capsim solve`` with several levers (or none: explore.levers): the cheapest package."""
    from ..explore.package import MAX_GRID, MAX_ROUNDS, REFINE_FROM, package_levers, solve_package
    from ..explore.solve import DEFAULT_REPLICATIONS, check_probability, target_index
    from ..output.destination import output_folder
    from ..output.explore import write_package

    for option in ("low", "high", "tolerance"):
        if getattr(args, option) is not None:
            raise ScenarioError(Problem(f"applies to one lever; give a package's ranges as --lever PATH:LOW:HIGH",
                                        path=f"--{option}"))
    if args.direction is not None:
        raise ScenarioError(Problem("applies to one lever; a package is searched for its lowest cost",
                                    path="--direction"))
    check_probability(args.probability)
    target_index(scenario, args.target)
    levers = package_levers(scenario, args.lever)
    out = output_folder(args.out, Path("results") / f"{Path(args.scenario).stem}-solve", args.force, [args.scenario])
    replications = args.replications or DEFAULT_REPLICATIONS
    # the number of packages is not known in advance: the bar counts against the most a search takes
    most = MAX_GRID + MAX_ROUNDS * 2 * len(levers) * REFINE_FROM
    progress = Progress(replications * most, enabled=not args.quiet)
    try:
        with executor_of(args) as (jobs, dask):
            solution = solve_package(scenario, levers, args.target, args.probability, replications=replications,
                                     seed=args.seed, jobs=jobs, executor=dask, progress=progress)
    finally:
        progress.close()
    write_package(solution, scenario, out, force=args.force, command=["capsim", *sys.argv[1:]], started=started,
                  plots_too=not args.no_plots, then=_report_writer(args))
    if not args.quiet:
        print(solution.summary_text())
        print(f"results written to {out}/")
    return 0


def cmd_explore(args: argparse.Namespace) -> int:
    from ..explore.design import DEFAULT_REPLICATIONS, DEFAULT_SAMPLES, check_method, evaluations, explore_inputs
    from ..explore.solve import check_probability
    from ..explore.study import explore
    from ..output.explore import write_exploration
    from ..output.destination import output_folder
    from ..output.tables import utc_now

    started = utc_now()
    samples = args.samples if args.samples is not None else DEFAULT_SAMPLES.get(args.method, 2)
    check_method(args.method, samples)
    check_probability(args.probability)
    require_extra()
    scenario = _scenario(args)
    out = output_folder(args.out, Path("results") / f"{Path(args.scenario).stem}-explore", args.force, [args.scenario])
    replications = args.replications or DEFAULT_REPLICATIONS
    k = len(explore_inputs(scenario, args.vary))
    progress = Progress(evaluations(args.method, samples, k) * replications, enabled=not args.quiet)
    try:
        with executor_of(args) as (jobs, dask):
            exploration = explore(scenario, args.vary, args.method, samples, replications, args.seed,
                                  args.probability, jobs=jobs, executor=dask, progress=progress,
                                  include_calibration=args.include_calibration)
    finally:
        progress.close()
    write_exploration(exploration, out, force=args.force, command=["capsim", *sys.argv[1:]], started=started,
                      plots_too=not args.no_plots, then=_report_writer(args))
    if not args.quiet:
        print(exploration.summary_text())
        print(f"results written to {out}/")
    return 0

