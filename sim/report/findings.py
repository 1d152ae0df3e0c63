"""The report's findings in words a director reads: chart titles that state the finding, and the
one sentence per page that says how to read a band.

* :func:`finding_title`: "plan 2026 (G5, G6): met in about 2 in 10 simulated futures; 190 EFLOPS
  most likely reached Mar 2027" (the verdict's target, :func:`sim.analysis.verdict.verdict_target`;
  of the base in a comparison). One replication: "met" or "missed", never a share.
* :func:`band_reading`: "Reading the charts: each line is the middle estimate (the median) of
  1,000 simulated futures; 8 in 10 of them fall inside the shaded band (P10 to P90)."
"""

from __future__ import annotations

import calendar

from ..analysis.verdict import verdict_target
from .figure import plain
from .read import ResultsFolder
from .text import BASE


def month_words(month: str) -> str:
    """'2027-03' -> 'Mar 2027'."""
    return f"{calendar.month_abbr[int(month[5:7])]} {month[:4]}"


def share_words(p: float) -> str:
    """A probability as a count of futures: 'every', 'none of the', 'about 2 in 10', 'fewer than 1 in 10'."""
    if p >= 1:
        return "every simulated future"
    if p <= 0:
        return "none of the simulated futures"
    tenths = round(p * 10)
    if tenths == 0:
        return "fewer than 1 in 10 simulated futures"
    if tenths == 10:
        return "more than 9 in 10 simulated futures"
    return f"about {tenths} in 10 simulated futures"


def finding_title(folder: ResultsFolder) -> str | None:
    """The finding about the verdict's target (see the module docstring), or None without one."""
    targets = folder.table("targets")
    ranked = folder.manifest.get("rank_by")
    target = verdict_target(folder.scenario, ranked if isinstance(ranked, str) else None)
    if targets is None or target is None:
        return None
    rows = targets[targets["target"] == target["name"]]
    if "variant" in rows.columns and BASE in set(rows["variant"]):
        rows = rows[rows["variant"] == BASE]
    if rows.empty:
        return None
    row = rows.iloc[0]
    p = float(row["probability"])
    single = folder.manifest.get("replications") == 1
    met = ("met" if p >= 1 else "missed") + " in the one simulated future" if single else f"met in {share_words(p)}"
    what = f"{target['total_eflops']:g} EFLOPS" if isinstance(target.get("total_eflops"), (int, float)) else "it"
    reached = str(row.get("reached_p50", "") or "")
    start = str((folder.scenario.get("horizon") or {}).get("start", ""))
    likely = "" if single else "most likely "
    if reached == start:
        when = "already met at the start"
    elif reached in ("", "never") or len(reached) != 7:
        when = f"{what} {'not ' if single else 'most likely not '}reached within the horizon"
    else:
        when = f"{what} {likely}reached {month_words(reached)}"
    label = "the base: " if folder.kind == "compare" else ""
    return f"{label}{target['name']}: {met}; {when}"


def band_reading(folder: ResultsFolder) -> str:
    """How to read a line and its band, once per page."""
    n = folder.manifest.get("replications")
    if n == 1:
        return ("Reading the charts: one simulated future, so each line is its value; there are no bands "
                "(run more replications to see the spread).")
    runs = f"{n:,} simulated futures" if isinstance(n, int) else "the simulated futures"
    return (f"Reading the charts: each line is the middle estimate (the median) of {runs}; 8 in 10 of them fall "
            "inside the shaded band (P10 to P90), 1 in 10 below it and 1 in 10 above.")


def state_findings(folder: ResultsFolder, charts: list) -> list:
    """``charts`` with the growth chart titled by the finding (:func:`finding_title`); the chart's
    own name moves to the subtitle."""
    finding = finding_title(folder)
    if not finding:
        return charts
    for chart in charts:
        if chart.id == "growth":
            title = chart.figure.layout.get("title", {})
            head, _, rest = str(title.get("text", "")).partition("<br>")
            sub = rest.removeprefix("<sub>").removesuffix("</sub>")
            text = plain(finding[0].upper() + finding[1:])
            chart.figure.update_layout(title={"text": f"{text}<br><sub>{head}" + (f": {sub}" if sub else "") + "</sub>"})
    return charts
