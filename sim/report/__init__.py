"""Report stage: a results folder -> one self-contained HTML page (and, optionally, a workbook).

``read`` reads a folder back (what kind of run, its tables, its manifest); ``answer`` and
``ranking`` compute the sentences and key figures from the tables only; ``charts`` draws Plotly
figures from the tables (plain dicts, :mod:`.figure`); ``sources`` collects every ``source:`` of
the scenario; ``page`` puts it all in one HTML file with plotly.js inline (no network); ``xlsx``
writes the tables as a workbook. :func:`write` does all of it::

    import sim
    sim.report.write("results/shanxi")            # results/shanxi/report.html
"""

from __future__ import annotations

from pathlib import Path


def write(folder: str | Path, out: str | Path | None = None, xlsx: bool = False,
          docs_url: str | None = None) -> list[Path]:
    """Write ``report.html`` for the results in ``folder`` (or to ``out``); with ``xlsx`` also
    ``report.xlsx`` beside it. Returns the files written. See :func:`sim.report.page.write_report`."""
    from .page import write_report

    return write_report(folder, out=out, xlsx=xlsx, docs_url=docs_url)


__all__ = ["write"]
