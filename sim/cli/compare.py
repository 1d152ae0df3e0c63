"""``capsim compare``: run the base and its variants with common random numbers, and its decision
options ``--across risks`` and ``--robust``.

The options are checked before anything runs (docs/decisions.md): ``--robust`` without
``--across``, a rule the measure does not allow, a matrix without a policy or a risk, two variants
of a cell that set the same value, and a cell that is not a valid scenario are each one line and
exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ScenarioError
from .exits import EXIT_OK
from .options import Once, add_simulation_options
from .progress import Progress
from .workers import executor_of, folder_writer, results_pool

RULES = ("minimax-regret", "worst-case", "satisficing")  # sim.run.robustness.RULES (not imported at startup)


def add_command(sub) -> None:
    compare = sub.add_parser("compare", help="run the base and its variants with common random numbers")
    compare.add_argument("scenario", metavar="FILE", help="scenario YAML file with `variants`")
    compare.add_argument("--variants", metavar="A,B|all", default="all", action=Once,
                         help="variants to compare with the base, comma-separated (default: all)")
    compare.add_argument("--rank-by", metavar="NAME", default=None, action=Once, help=_rank_by_help())
    compare.add_argument("--across", choices=("risks",), default=None, action=Once,
                         help="also run every policy variant under every risk variant (and the base) with common "
                              "random numbers: the robustness matrix, printed and written to robustness.csv")
    compare.add_argument("--robust", choices=RULES, default=RULES[0], action=Once,
                         help="the rule that recommends a policy from the matrix (default: minimax-regret); "
                              "see docs/decisions.md")
    add_simulation_options(compare, per=" per variant", out_suffix="-compare", printed="table")


def _rank_by_help() -> str:
    from ..run.ranking import RANK_BY_HELP

    return RANK_BY_HELP


def extra_cells(args: argparse.Namespace, scenario, names: list[str]) -> int:
    """How many policy x risk cells ``--across risks`` adds to the runs (0 without it), after
    checking every option and cell."""
    if args.across is None:
        if "robust" in getattr(args, "_given", ()):
            raise ScenarioError("--robust: picks a policy from the robustness matrix, so it needs --across risks")
        return 0
    from ..run.ranking import check_rank_by
    from ..run.robustness import cell_scenarios, check_across, check_robust

    check_robust(scenario, args.robust, check_rank_by(scenario, args.rank_by))
    policies, risks = check_across(scenario, names)
    cell_scenarios(scenario, policies, risks)  # a cell that is not a valid scenario: exit 2 before anything runs
    return (len(policies) - 1) * (len(risks) - 1)


def cmd_compare(args: argparse.Namespace) -> int:
    from ..output.comparison import write_comparison
    from ..output.destination import output_folder
    from ..output.tables import utc_now
    from ..run.compare import compare, selected_variants
    from ..run.ranking import check_rank_by
    from ..run.simulate import default_replications
    from ..scenario.load import load_scenario
    from ..scenario.variants import apply_variant

    started = utc_now()
    scenario = load_scenario(args.scenario)
    names = selected_variants(scenario, args.variants)
    check_rank_by(scenario, args.rank_by)
    out = output_folder(args.out, Path("results") / f"{Path(args.scenario).stem}-compare", args.force, [args.scenario])
    replications = args.replications or max(
        default_replications(apply_variant(scenario, name)) for name in [None, *names])
    cells = extra_cells(args, scenario, names)  # --across risks: checked before anything runs
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
