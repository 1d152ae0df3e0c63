"""``capsim plot``: redraw the plots of a results folder from its saved tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from .exits import EXIT_OK
from .options import Once


def add_command(sub) -> None:
    plot = sub.add_parser("plot", help="redraw the plots of a results folder from its saved tables")
    plot.add_argument("results", metavar="RESULTS_DIR", help="folder written by capsim run (or compare)")
    plot.add_argument("--format", choices=("png", "svg", "pdf"), default="png", action=Once,
                      help="file format (default: png); files go to RESULTS_DIR/plots/")
    plot.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def cmd_plot(args: argparse.Namespace) -> int:
    from ..output.plotfiles import write_plots

    for path in write_plots(Path(args.results), args.format):
        print(path)
    return EXIT_OK
