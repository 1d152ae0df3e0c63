"""What the commands' options share: the argument parser whose usage error is one line, the
argparse types and action that check a value (whole numbers, seconds, an option given once), and
the options of every command that simulates (``run``, ``compare``, ``explore``, ``solve``)."""

from __future__ import annotations

import argparse
import math
import re

from ..run.parallel import DASK_CONNECT_TIMEOUT_S
from .exits import EXIT_INPUT

DIGITS = re.compile(r"[0-9]+")
"""Plain ASCII digits: no sign, spaces, underscores or other scripts' digits."""
MAX_SEED = 2**63 - 1


def whole_number(minimum: int, maximum: int | None = None):
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


def seconds(text: str) -> float:
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


class Once(argparse.Action):
    """Store an option's value, refusing the option given twice (the last one would win silently)."""

    def __call__(self, parser, namespace, values, option_string=None):
        seen = namespace.__dict__.setdefault("_given", set())
        if self.dest in seen:
            raise argparse.ArgumentError(self, "given more than once")
        seen.add(self.dest)
        setattr(namespace, self.dest, values)


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``capsim run: error: argument --seed: ...``), exit 2."""

    def error(self, message: str):
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_simulation_options(parser: argparse.ArgumentParser, per: str, out_suffix: str, printed: str,
                           replications_help: str | None = None) -> None:
    """Options shared by ``run``, ``compare``, ``explore`` and ``solve``."""
    parser.add_argument("-r", "--replications", type=whole_number(1), default=None, action=Once,
                        help=replications_help or f"replications{per} (default: 1 without uncertainty, 1000 with)")
    parser.add_argument("--seed", type=whole_number(0, MAX_SEED), default=0, action=Once,
                        help="random seed, digits 0-9 (default: 0); the same seed gives the same files")
    parser.add_argument("--out", metavar="DIR", default=None, action=Once,
                        help=f"output folder (default: results/<scenario file stem>{out_suffix})")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing capsim results folder (never a folder holding other files)")
    parser.add_argument("--no-plots", action="store_true", help="write no plots (default: OUT/plots/*.png)")
    parser.add_argument("--no-report", action="store_true", help="write no report (default: OUT/report.html)")
    parser.add_argument("-j", "--jobs", type=whole_number(1), default=None, action=Once,
                        help="worker processes (default: every core when the run is long enough to "
                             "pay for starting them); results do not depend on it")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None, action=Once,
                        help="run on a Dask cluster: a scheduler address, or 'local' for a LocalCluster "
                             "of --jobs workers on this machine (needs pip install 'capsim[dask]')")
    parser.add_argument("--scheduler-timeout", metavar="SECONDS", type=seconds, default=None, action=Once,
                        help=f"how long to try to reach --scheduler (default: {DASK_CONNECT_TIMEOUT_S:g} s)")
    parser.add_argument("-q", "--quiet", action="store_true", help=f"print no {printed} and no progress")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
