"""The frontier plot of a package solve: P(target met) against the package's cost, every package
evaluated (met: green circles, missed: red crosses), the Pareto front as a step line, the
threshold and the answer (see :mod:`sim.plots` for the conventions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..explore.design import percent
from ..explore.rounding import cost_axis
from .solve import MET_COLOUR, MISSED_COLOUR
from .context import MEDIAN_COLOUR, TARGET_COLOUR
from .style import Thousands, new_figure, set_title, style_axes, wrap

FRONT_COLOUR = "#4C72B0"


def frontier_chart(packages: pd.DataFrame, target: str, probability: float, answer_step: int | None = None,
                   ax: Axes | None = None) -> Figure:
    """``packages`` is packages.csv (cost_cny, probability, met, on_front, step): one marker per
    package, met and missed by shape and colour; the packages with ``on_front`` joined as a step
    line; the threshold dashed; the package of step ``answer_step`` ringed."""
    fig, ax = new_figure(ax, (9, 5))
    cost = packages["cost_cny"].to_numpy(float) / 1e6
    p = packages["probability"].to_numpy(float) * 100
    met = packages["met"].astype(bool).to_numpy()
    front = packages["on_front"].astype(bool).to_numpy()
    order = np.argsort(cost[front], kind="stable")
    if front.any():
        ax.step(cost[front][order], p[front][order], where="post", color=FRONT_COLOUR, linewidth=1.5, zorder=2,
                label="Pareto front (highest P for the cost)", gid="front")
    if met.any():
        ax.scatter(cost[met], p[met], marker="o", color=MET_COLOUR, s=36, zorder=3, label="package: met",
                   gid="points:met")
    if (~met).any():
        ax.scatter(cost[~met], p[~met], marker="x", color=MISSED_COLOUR, s=36, zorder=3, label="package: missed",
                   gid="points:missed")
    ax.axhline(probability * 100, color=TARGET_COLOUR, linestyle="--", linewidth=1.2,
               label=f"threshold {percent(probability)}", gid="threshold")
    if answer_step is not None:
        chosen = packages["step"].to_numpy() == answer_step
        if chosen.any():
            ax.scatter(cost[chosen], p[chosen], marker="o", s=160, facecolors="none", edgecolors=MEDIAN_COLOUR,
                       linewidths=1.5, zorder=4, label="cheapest package met", gid="answer")
    style_axes(ax)
    ax.set_ylim(-3, 103)
    ax.set_xlim(*cost_axis(cost))  # the report's range too
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.xaxis.set_major_formatter(Thousands())
    ax.set_xlabel("cost of the package (million CNY: public cost simulated + declared lever costs)")
    ax.set_ylabel("P(target met), share of replications")
    set_title(ax, wrap(f"The cheapest package: P({target!r} met) against its cost", 80), loc="left",
              fontweight="bold")
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    return fig
