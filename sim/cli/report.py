"""``capsim report``: write one self-contained HTML report (and, asked, a workbook) of a results folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from .exits import EXIT_OK


def add_command(sub) -> None:
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


def _docs_url(text: str) -> str:
    """``--docs-url``: an http(s):// address or a relative path (sim.report.sources.docs_url_problem)."""
    from ..report.sources import docs_url_problem

    problem = docs_url_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{problem} (got {text!r})")
    return text


def cmd_report(args: argparse.Namespace) -> int:
    from ..report.page import write_report

    for path in write_report(Path(args.results), out=args.out, xlsx=args.xlsx, docs_url=args.docs_url):
        print(path)
    return EXIT_OK
