"""The colours (and the short labels, :func:`short`) every figure shares, matplotlib's plots (:mod:`sim.plots.context`) and the report's
Plotly charts (:mod:`sim.report.palette`) alike; plain hex strings, so the report imports no
matplotlib."""

from __future__ import annotations

import re

CLASS_COLOURS = {"general": "#4C72B0", "intelligent": "#DD8452", "supercomputing": "#55A868"}
"""One colour per class of compute, in every plot."""
MEDIAN_COLOUR = "#222222"
"""Totals, medians and the base variant."""
TARGET_COLOUR = "#C44E52"
SERIES_COLOURS = {"it_load_mw": "#8172B3", "facility_mw": "#937860"}
VARIANT_PALETTE = ("#1F77B4", "#D62728", "#2CA02C", "#9467BD", "#FF7F0E", "#17BECF", "#8C564B",
                   "#E377C2", "#BCBD22", "#7F7F7F", "#393B79", "#FF9896", "#98DF8A", "#C5B0D5",
                   "#FFBB78", "#9EDAE5", "#C49C94", "#F7B6D2", "#DBDB8D", "#AEC7E8")
"""Colours of the variants other than the base, in order of first appearance in the tables."""
LIMIT_PANELS = {"grid": "grid headroom, facility MW", "supply": "accelerators, PFLOPS (declared precision)"}
"""The shared limits' panels: title of each, in the limits plot and the report's chart alike."""
LIMIT_SERIES = {
    "grid_free_mw": ("grid", "free headroom", "#4C72B0"),
    "grid_queue_mw": ("grid", "grid requested, waiting", "#C44E52"),
    "supply_stock_pflops": ("supply", "accelerators delivered, not allocated", "#55A868"),
    "supply_backlog_pflops": ("supply", "accelerators requested, waiting", "#8C564B"),
}
"""Each shared-limit metric: its panel, its name and its colour, in the PNG and the HTML alike."""


LABEL_CHARS = 56
"""Longest name on a chart's row or panel title, characters, in the PNG and the report alike (the
full name is in the report's hover text)."""


def short(text: str, most: int) -> str:
    """``text`` (a site's or project's name) in at most ``most`` characters: without its bracketed
    asides when too long, then its start and end around an ellipsis ('Construction pipeline,
    tranche a (started before Aug 2023): Datong city and ETDZ (aggregate)' -> 'Construction
    pipeline, tranche a: Datong city and ETDZ')."""
    text = " ".join(str(text).split())
    if len(text) > most:
        text = " ".join(re.sub(r"\s*\([^()]*\)", "", text).split()) or text
    if len(text) <= most:
        return text
    head = (most - 1) * 2 // 3
    start, tail = text[:head], text[len(text) - (most - 1 - head):]
    if " " in start.strip():  # whole words either side of the ellipsis, not 'Construc…'
        start = start[:start.rstrip().rfind(" ")] if not text[head:head + 1].isspace() else start
    if " " in tail.strip() and not text[len(text) - len(tail) - 1:len(text) - len(tail)].isspace():
        tail = tail[tail.find(" ") + 1:]
    return start.rstrip(" ,;:") + "…" + tail.lstrip()


def row_names(ids, names) -> list[str]:
    """One distinct label per id (a project's timeline row): its name from ``names`` (the id without
    one) shortened by :func:`short` to :data:`LABEL_CHARS`, with the id where two names clash. The
    PNG timeline and the report's share it."""
    ids = [str(i) for i in ids]
    labels = [short(names.get(i, i), LABEL_CHARS) for i in ids]
    clash = {label for label in labels if labels.count(label) > 1}
    return [f"{label} ({i})" if label in clash else label for label, i in zip(labels, ids)]
