"""What the report prints: a brief of two to four pages (landscape A4). It holds the header, the
answer with its tables and key figures, and three charts at full width, chosen by the report's
kind (a comparison's charts of the variants first, an explore's sensitivity charts, a solve's
chart, else the run's first charts). The other charts and sections stay on screen only; the
sources and the Reproduce block are collapsed (``<details>``) and print only when opened, after
a page break (the appendix). The style sheet (:data:`sim.report.assets.CSS`, ``@media print``)
reads the marks set here: ``section.brief``/``section.more``, ``figure.chart[data-print=brief]``."""

from __future__ import annotations

import html

BRIEF_CHARTS = 3
FIRST_SECTIONS = {"compare": ("compare",), "explore": ("sensitivity",), "solve": ("solve",)}
"""Whose charts a kind of report prints first; then the page's order."""


def brief_ids(charts, kind: str) -> set[str]:
    """The ids of the (at most) three charts the brief prints."""
    first = FIRST_SECTIONS.get(kind, ())
    ordered = [c for s in first for c in charts if c.section == s] + [c for c in charts if c.section not in first]
    return {c.id for c in ordered[:BRIEF_CHARTS]}


def section_class(key: str, body: str) -> str:
    """``brief`` for the answer and a section with a chart of the brief, else ``more`` (not printed)."""
    return "brief" if key == "answer" or 'data-print="brief"' in body else "more"


def collapsed(ident: str, summary: str, body: str) -> str:
    return f'<details id="{ident}"><summary>{html.escape(summary)}</summary>{body}</details>'


def print_note(charts, brief: set[str]) -> str:
    """The printout's last line: what the page has beyond the brief, and how to print it."""
    more, shown = len([c for c in charts if c.id not in brief]), len(brief)
    charts_more = f"{more} more chart{'s' if more != 1 else ''}, " if more else ""
    charts_shown = f" and {shown} chart{'s' if shown != 1 else ''}" if shown else ""
    return (f'<p class="print-note">This printout is the brief: the answer and the key figures{charts_shown}. '
            f"The page (report.html) has {charts_more}the scenario's sources and how to reproduce the run; "
            "open “Show every value of the scenario and its source” or the Reproduce block before printing to "
            "print them too.</p>")
