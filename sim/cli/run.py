"""``capsim run``: simulate a scenario (or one of its variants) and write its result tables, plots
and report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ScenarioError
from .exits import EXIT_OK
from .options import Once, add_simulation_options
from .progress import Progress
from .workers import Preloader, executor_of, folder_writer, pool_size, results_pool, simulation_wants_workers


def add_command(sub) -> None:
    run = sub.add_parser("run", help="simulate a scenario and write result tables")
    run.add_argument("scenario", metavar="FILE", nargs="?", default=None,
                     help="scenario YAML file (default: the shipped scenarios/shanxi.yaml)")
    run.add_argument("--variant", metavar="NAME", default=None, action=Once, help="run this variant of the scenario")
    run.add_argument("--set", metavar="PATH=VALUE", action="append", default=[], dest="overrides",
                     help="change one value (dotted path, list items by id; value read as YAML), "
                          "after the variant; repeatable")
    run.add_argument("--deterministic", action="store_true",
                     help="one replication with every distribution at its median or mode and every go "
                          "probability rounded to go/no-go (docs/model.md), to check the arithmetic by hand")
    add_simulation_options(run, per="", out_suffix="", printed="summary")


def cmd_run(args: argparse.Namespace) -> int:
    from ..analysis.results import REMOTE_TABLES
    from ..analysis.summary import summary_text
    from ..output.destination import output_folder
    from ..output.tables import utc_now, write_results
    from ..run.simulate import default_replications, deterministic, simulate
    from ..scenario.load import load_scenario, shipped_scenario
    from ..scenario.sanity_after import warn_applied
    from ..scenario.variants import apply_variant, check_variants, parse_override

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
