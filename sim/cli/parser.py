"""The ``capsim`` argument parser, its sub-commands in the order ``capsim --help`` lists them (each
added by its own module), and :data:`COMMANDS`, which runs each one."""

from __future__ import annotations

import argparse

from . import compare, explore, plot, report, run, schema, serve, validate
from .options import Parser


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="capsim",
        description="Capacity-planning simulator for regional compute build-outs.",
    )
    parser.add_argument("--version", action="version", version=f"capsim {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (run, compare, plot, report, validate, schema):
        module.add_command(sub)
    explore.add_commands(sub)  # explore and solve
    serve.add_command(sub)
    return parser


def _version() -> str:
    from ..version import __version__

    return __version__


COMMANDS = {"run": run.cmd_run, "compare": compare.cmd_compare, "plot": plot.cmd_plot, "report": report.cmd_report,
            "validate": validate.cmd_validate, "schema": schema.cmd_schema, "explore": explore.cmd_explore,
            "solve": explore.cmd_solve, "serve": serve.cmd_serve}
"""The function that runs each sub-command, given its parsed arguments; it returns the exit code."""
