"""``capsim compare``'s decision options: ``--across risks`` and ``--robust`` (registered by cli.py).

The options are checked before anything runs (docs/decisions.md): ``--robust`` without
``--across``, a rule the measure does not allow, a matrix without a policy or a risk, two variants
of a cell that set the same value, and a cell that is not a valid scenario are each one line and
exit 2.
"""

from __future__ import annotations

import argparse

from .errors import ScenarioError

RULES = ("minimax-regret", "worst-case", "satisficing")  # sim.run.robustness.RULES (not imported at startup)


def add_options(compare: argparse.ArgumentParser, once: type[argparse.Action]) -> None:
    compare.add_argument("--across", choices=("risks",), default=None, action=once,
                         help="also run every policy variant under every risk variant (and the base) with common "
                              "random numbers: the robustness matrix, printed and written to robustness.csv")
    compare.add_argument("--robust", choices=RULES, default=RULES[0], action=once,
                         help="the rule that recommends a policy from the matrix (default: minimax-regret); "
                              "see docs/decisions.md")


def extra_cells(args: argparse.Namespace, scenario, names: list[str]) -> int:
    """How many policy x risk cells ``--across risks`` adds to the runs (0 without it), after
    checking every option and cell."""
    if args.across is None:
        if "robust" in getattr(args, "_given", ()):
            raise ScenarioError("--robust: picks a policy from the robustness matrix, so it needs --across risks")
        return 0
    from .run.ranking import check_rank_by
    from .run.robustness import cell_scenarios, check_across, check_robust

    check_robust(scenario, args.robust, check_rank_by(scenario, args.rank_by))
    policies, risks = check_across(scenario, names)
    cell_scenarios(scenario, policies, risks)  # a cell that is not a valid scenario: exit 2 before anything runs
    return (len(policies) - 1) * (len(risks) - 1)
