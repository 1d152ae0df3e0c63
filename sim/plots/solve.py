"""The solve plot: P(target met) against the lever, with each point's 95% interval, the threshold
and the answer (see :mod:`sim.plots` for the conventions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..explore.design import percent
from .context import MEDIAN_COLOUR, TARGET_COLOUR
from .style import Thousands, new_figure, set_title, style_axes, wrap

MET_COLOUR = "#2CA02C"
MISSED_COLOUR = "#D62728"
TODAY_COLOUR = "#1F77B4"


def solve_curve(points: pd.DataFrame, lever: str, unit: str, target: str, probability: float,
                answer: float | None = None, ax: Axes | None = None, today: float | None = None,
                answer_text: str | None = None) -> Figure:
    """``points`` is solve.csv (value, probability, ci_low, ci_high, met): one marker per evaluated
    value with its interval, never joined (between two evaluations P is not known), met and missed
    told apart by shape (circle, cross) as well as colour; the threshold as a dashed line; the answer
    (``answer_text``: as precisely as the search supports) and today's value as vertical lines.
    ``lever`` is the name shown (its plain label)."""
    fig, ax = new_figure(ax, (9, 5))
    rows = points.sort_values("value", kind="stable")
    x = rows["value"].to_numpy(float)
    p = rows["probability"].to_numpy(float) * 100
    met = rows["met"].astype(bool).to_numpy()
    for mask, colour, marker, label in ((met, MET_COLOUR, "o", "met"), (~met, MISSED_COLOUR, "X", "missed")):
        if mask.any():
            low = np.maximum(p[mask] - rows["ci_low"].to_numpy(float)[mask] * 100, 0)
            high = np.maximum(rows["ci_high"].to_numpy(float)[mask] * 100 - p[mask], 0)
            ax.errorbar(x[mask], p[mask], yerr=[low, high], fmt=marker, markersize=8 if marker == "X" else 7,
                        color=colour, capsize=3, zorder=3, linestyle="none",
                        label=f"{label} (P with its 95% interval)", gid=f"points:{label}")
    ax.axhline(probability * 100, color=TARGET_COLOUR, linestyle="--", linewidth=1.2,
               label=f"threshold {percent(probability)}", gid="threshold")
    unit_text = f" {unit}" if unit and unit != "share" else ""
    if answer is not None:
        ax.axvline(answer, color=MEDIAN_COLOUR, linestyle=":", linewidth=1.5, gid="answer",
                   label=f"needed: about {answer_text}" if answer_text else f"answer {answer:,.4g}{unit_text}")
    if today is not None and np.isfinite(today):
        ax.axvline(today, color=TODAY_COLOUR, linestyle="-.", linewidth=1.5, gid="today",
                   label=f"today {today:,.4g}{unit_text}")
    style_axes(ax)
    ax.set_ylim(-3, 103)
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.xaxis.set_major_formatter(Thousands())
    ax.set_xlabel(f"{lever}{f' ({unit})' if unit_text else ''}")
    ax.set_ylabel("P(target met), share of replications")
    set_title(ax, wrap(f"What it takes: P({target!r} met) against {lever}", 80), loc="left", fontweight="bold")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.14), ncol=2, fontsize=9, frameon=False)
    return fig
