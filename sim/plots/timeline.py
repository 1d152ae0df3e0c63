"""The timeline plot (see :mod:`sim.plots` for the conventions)."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..colours import row_names
from .context import (
    CLASS_LABELS,
    CLASS_ORDER,
    MEDIAN_COLOUR,
    PlotContext,
    class_colour,
    context_or_default,
    pick_variant,
)
from .style import (
    date_axis,
    month_dates,
    new_figure,
    set_title,
    style_axes,
    wrap,
)

TIMELINE_ROW_IN = 0.16
"""Height of one project row, inches (11.5 points, for 8-point names): the figure grows with the
number of projects."""
SHIFT_COLOUR = "#7B3FA0"
"""Arrow from the planned month in the file to where the policy levers moved it: purple, not the
report's red slip arrow (planned -> median month, sim.report.plan_charts), which means another thing."""
MIN_SHIFT_MONTHS = 0.05
"""Smaller mean policy shifts are not drawn."""


def _shifted(row, planned, left, right):
    """x of the planned month moved by the row's ``policy_shift_months`` (None if no such shift)."""
    shift = row.get("policy_shift_months", 0.0)
    try:
        shift = float(shift)
    except (TypeError, ValueError):
        return None
    if not abs(shift) >= MIN_SHIFT_MONTHS:  # also NaN
        return None
    return min(max(planned + np.timedelta64(round(shift * 365.25 / 12 * 86400), "s"), left), right)


TIMELINE_MAX_IN = 8.6
"""Tallest timeline, inches (1,290 px at 150 dpi, about a screen): beyond it the smaller projects
are aggregated."""
TIMELINE_BASE_IN = 1.6
"""Height of the title, legend and month axis, inches."""
RIGHT_PAD_IN = 0.2
"""Room between the "built in % of runs" column and the figure's right edge."""
SIZE_COLUMN = "peak_facility_mw"
"""The column that says which projects are the largest (when projects.csv has it)."""


def _aggregate(rest: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per group of ``rest``: a bar from the earliest P10 to the latest P90 online month of
    its projects, the mean share of runs in which they were built, and how many there are."""
    rows = []
    for key, members in rest.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        where = dict(zip(keys, key))
        p10 = sorted(m for m in members["online_p10"] if _is_month(m))
        p90 = [m for m in members["online_p90"] if isinstance(m, str) and m]
        late = [m for m in p90 if _is_month(m)]
        label = f"+{len(members)} smaller" + (f" at {where['site']}" if "site" in where else "")
        rows.append({
            "variant": members["variant"].iloc[0] if "variant" in members else "", "project": label,
            "class": where["class"], "site": where.get("site", ""), "status": "", "planned_online": "",
            "go_share": float(pd.to_numeric(members["go_share"]).mean()),
            "online_p10": p10[0] if p10 else "", "online_p50": "",
            "online_p90": ("never" if len(late) < len(p90) else max(late)) if p90 else "",
            "_members": len(members),
        })
    return pd.DataFrame(rows)


def _fit_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows to draw and a note for the title: every project when the figure stays under
    :data:`TIMELINE_MAX_IN`; otherwise the largest projects (by :data:`SIZE_COLUMN`, else in table
    order) and the others aggregated per site and class (per class when there are too many
    sites)."""
    n_classes = table["class"].nunique()
    budget = int((TIMELINE_MAX_IN - TIMELINE_BASE_IN) / TIMELINE_ROW_IN) - n_classes
    if len(table) <= budget:
        return table, ""
    order = table
    if SIZE_COLUMN in table:
        order = table.assign(_size=pd.to_numeric(table[SIZE_COLUMN], errors="coerce").fillna(0.0))
        order = order.sort_values("_size", ascending=False, kind="stable").drop(columns="_size")
    for keys in (["class", "site"], ["class"]):
        for kept in range(budget - 1, budget // 2, -1):
            rest = order.iloc[kept:]
            groups = len(rest.groupby(keys))
            if kept + groups <= budget:
                shown = order.iloc[:kept]
                per = "site and class" if len(keys) == 2 else "class"
                which = f"the {kept} largest by peak facility MW" if SIZE_COLUMN in table else f"the first {kept}"
                note = f"{which} shown, the other {len(rest):,} aggregated per {per}"
                return pd.concat([shown.assign(_members=0), _aggregate(rest, keys)], ignore_index=True), note
    kept = budget - n_classes
    return (pd.concat([order.iloc[:kept].assign(_members=0), _aggregate(order.iloc[kept:], ["class"])],
                      ignore_index=True),
            f"the first {kept} shown, the other {len(table) - kept} aggregated per class")


def _timeline_rows(projects: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    classes = [c for c in CLASS_ORDER if c in set(projects["class"])]
    classes += [c for c in dict.fromkeys(projects["class"]) if c not in classes]
    groups = []
    for name in classes:
        rows = projects[projects["class"] == name].copy()
        rows["_order"] = rows["planned_online"].where(rows["planned_online"] != "", "0000-00")
        rows["_aggregate"] = rows["_members"] if "_members" in rows else 0  # aggregates last
        groups.append((name, rows.sort_values(["_aggregate", "_order", "online_p50", "project"], kind="stable")))
    return groups


def _is_month(text) -> bool:
    return isinstance(text, str) and len(text) == 7 and text[4] == "-"


def timeline(projects: pd.DataFrame, context: PlotContext | None = None, ax: Axes | None = None,
             variant: str | None = None) -> Figure:
    """One row per project, grouped by class: planned online month (open diamond), simulated
    online month P10-P90 (bar) and P50 (dot) over the replications in which the project was
    built, and the share of replications in which it was built (right margin). A figure that would
    pass :data:`TIMELINE_MAX_IN` shows the largest projects and one hatched row per site and class
    for the others (earliest P10 to latest P90, mean share built), and its title says so. The
    legend lists only the marks drawn."""
    context = context_or_default(context)
    table = pick_variant(projects, variant).fillna({"planned_online": "", "online_p10": "", "online_p50": "",
                                                    "online_p90": ""})
    n_projects = len(table)
    table, shortened = _fit_rows(table)
    groups = _timeline_rows(table)
    n_rows = len(table) + len(groups)
    own = ax is None
    fig, ax = new_figure(ax, (10, TIMELINE_BASE_IN + TIMELINE_ROW_IN * n_rows))
    months = [m for col in ("planned_online", "online_p10", "online_p90") for m in table[col] if _is_month(m)]
    start = context.start or (min(months) if months else "2000-01")
    end = context.end or (max(months) if months else start)
    left, right = month_dates([start], "start")[0], month_dates([end], "end")[0]
    y, ticks, labels, drawn = 0, [], [], set()
    for name, rows in groups:
        colour = class_colour(name)
        count = len(rows) + int(sum(max(int(m or 0) - 1, 0) for m in rows.get("_members", [])))  # projects
        ax.text(-0.01, y, f"{CLASS_LABELS.get(name, name)} ({count:,})", transform=ax.get_yaxis_transform(),
                ha="right", va="center", fontweight="bold", color=colour, fontsize=9, gid=f"group:{name}")
        y += 1
        for _, row in rows.iterrows():
            drawn |= _draw_row(ax, row, y, colour, left, right)
            ticks.append(y)
            labels.append(str(row["project"]))
            y += 1
    ax.add_collection(LineCollection([[(0, y), (1, y)] for y in ticks], colors="#EEEEEE", linewidths=0.6, zorder=0,
                                     transform=ax.get_yaxis_transform(), snap=True), autolim=False)  # a rule along each row
    ax.text(1.02, -0.9, "built in\n% of runs", transform=ax.get_yaxis_transform(), ha="left", va="bottom",
            fontsize=8, fontweight="bold", gid="go-header")
    ax.set_yticks(ticks, row_names(labels, context.project_names), fontsize=8)
    ax.set_ylim(y - 0.4, -0.6)
    ax.set_xlim(left, right)
    style_axes(ax)
    ax.grid(False, axis="y")
    date_axis(ax)
    ax.set_xlabel("online month")
    title = f"{context.name}: when projects come online ({n_projects:,} projects"
    title += f"; {shortened})" if shortened else ")"
    handles = _legend_handles(drawn)
    legend_rows = -(-len(handles) // 2)
    set_title(ax, wrap(title, 80), loc="left", fontweight="bold", pad=8 + 12 * legend_rows)
    if handles:
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8, frameon=False,
                  borderaxespad=0.2)
    if own:  # room right of the "built in" column (a caller's figure keeps its own layout)
        fig.get_layout_engine().set(w_pad=RIGHT_PAD_IN)
    return fig


def _mark(ax: Axes, x, y: int, **style) -> None:
    """A marker at date ``x`` on row ``y`` (what ``ax.plot([x], [y], ...)`` draws, made directly)."""
    ax.add_line(Line2D([mdates.date2num(x)], [y], **style))


def _draw_row(ax: Axes, row, y: int, colour: str, left, right) -> set[str]:
    """One project's (or aggregate's) row; the kinds of marks drawn (for the legend). The rows'
    rules are drawn by :func:`timeline`, in one collection; the bars and markers are made as
    patches and lines, without ``barh`` and ``plot`` (a third of the figure's time, for 40 rows)."""
    drawn = set()
    p10, p50, p90 = row["online_p10"], row["online_p50"], row["online_p90"]
    members = int(row.get("_members", 0) or 0)
    if _is_month(p10):
        x0 = mdates.date2num(month_dates([p10], "start")[0])
        x1 = mdates.date2num(month_dates([p90], "end")[0] if _is_month(p90) else right)
        ax.add_patch(Rectangle((x0, y - 0.275), x1 - x0, 0.55, facecolor=colour, alpha=0.25 if members else 0.45,
                               linewidth=0, hatch="////" if members else None,
                               gid=f"{'aggregate' if members else 'range'}:{row['project']}"))
        drawn.add("aggregate" if members else "range")
        if not _is_month(p90):
            _mark(ax, right, y, marker=">", color=colour, clip_on=False, gid=f"beyond:{row['project']}")
            drawn.add("beyond")
    if _is_month(p50):
        _mark(ax, month_dates([p50], "mid")[0], y, marker="o", markersize=6, color=colour,
              markeredgecolor=MEDIAN_COLOUR, markeredgewidth=0.6, linestyle="none", gid=f"p50:{row['project']}")
        drawn.add("median")
    if _is_month(row["planned_online"]):
        planned = min(max(month_dates([row["planned_online"]], "mid")[0], left), right)
        _mark(ax, planned, y, marker="D", markersize=6, markerfacecolor="none", markeredgecolor=MEDIAN_COLOUR,
              markeredgewidth=1.2, linestyle="none", gid=f"planned:{row['project']}")
        drawn.add("planned")
        shifted = _shifted(row, planned, left, right)
        if shifted is not None:
            ax.annotate("", (shifted, y), xytext=(planned, y), gid=f"shift:{row['project']}",
                        arrowprops=dict(arrowstyle="-|>", color=SHIFT_COLOUR, linewidth=1.2, shrinkA=4, shrinkB=0))
            drawn.add("shift")
    if row.get("status", "") == "operating":
        note, at = "operating", month_dates([p10], "end")[0] if _is_month(p10) else left
    elif not _is_month(p10):
        note, at = ("never built" if float(row["go_share"]) == 0 else "not online in the horizon"), left
    else:
        note = ""
    if note:
        ax.annotate(note, (at, y), xytext=(4, 0), textcoords="offset points", ha="left", va="center", fontsize=8,
                    color="#555555", gid=f"note:{row['project']}")
    ax.text(1.02, y, f"{'mean ' if members else ''}{float(row['go_share']):.0%}", transform=ax.get_yaxis_transform(),
            ha="left", va="center", fontsize=8, gid=f"go:{row['project']}")
    return drawn


def _legend_handles(drawn: set[str]) -> list:
    """Legend entries for the kinds of marks in ``drawn``, in a fixed order."""
    entries = {
        "planned": Line2D([], [], marker="D", markerfacecolor="none", markeredgecolor=MEDIAN_COLOUR, linestyle="none",
                          label="planned online"),
        "median": Line2D([], [], marker="o", color="#999999", markeredgecolor=MEDIAN_COLOUR, linestyle="none",
                         label="simulated online, median"),
        "range": Patch(facecolor="#999999", alpha=0.45, label="simulated online, P10 to P90 (runs where built)"),
        "beyond": Line2D([], [], marker=">", color="#999999", linestyle="none",
                         label="P90 after the horizon (no dot: the median too)"),
        "shift": Line2D([], [], color=SHIFT_COLOUR, marker=">", markersize=5, label="moved by policies (mean months)"),
        "aggregate": Patch(facecolor="#999999", alpha=0.25, hatch="////",
                           label="smaller projects together: earliest P10 to latest P90"),
    }
    return [handle for kind, handle in entries.items() if kind in drawn]
