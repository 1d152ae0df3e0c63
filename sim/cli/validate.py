"""``capsim validate``: check scenario files and report every problem of each."""

from __future__ import annotations

import argparse

from ..errors import ScenarioError
from .exits import EXIT_OK


def add_command(sub) -> None:
    validate = sub.add_parser("validate", help="check a scenario file and report every problem")
    validate.add_argument("scenario", metavar="FILE", nargs="+", help="scenario YAML file(s)")
    validate.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)


def cmd_validate(args: argparse.Namespace) -> int:
    from ..scenario.load import load_scenario

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
