"""The compare plot (see :mod:`sim.plots` for the conventions)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .compare_panels import (
    base_values,
    cost_effect_panel,
    cost_effect_rows,
    group_variants,
    labels_of,
    multiples_height,
    shown_rows,
    variant_multiples,
    zero_sentence,
)
from .context import (
    BASE_VARIANT,
    COMPARE_OUTPUTS,
    MEDIAN_COLOUR,
    OUTPUT_LABELS,
    PlotContext,
    context_or_default,
    variant_colours,
)
from .marks import mark_targets
from .style import (
    Thousands,
    date_axis,
    in_basis,
    fit_ylim,
    month_steps,
    new_figure,
    set_title,
    style_axes,
    wrap,
)


def compare_curves(monthly: pd.DataFrame, metric: str, context: PlotContext | None = None,
                   ax: Axes | None = None, colours: Mapping[str, str] | None = None) -> Figure:
    """The median of ``metric`` (total_eflops or intelligent_share) of each variant, one line each."""
    context = context_or_default(context)
    fig, ax = new_figure(ax, (10, 4.5))
    colours = colours or variant_colours(list(monthly["variant"]))
    scale = 100 if metric == "intelligent_share" else 1
    for name, rows in monthly[monthly["metric"] == metric].groupby("variant", sort=False):
        x, q = month_steps(rows.set_index("month"), ("p50",), scale)
        ax.step(x, q["p50"], where="post", color=colours[name], linewidth=2.4 if name == BASE_VARIANT else 1.8,
                label=name, gid=f"variant:{name}")
    fmt = (lambda y: f"≥ {y:,.0f}%") if scale == 100 else (lambda y: f"≥ {y:,g} EFLOPS")
    style_axes(ax)
    date_axis(ax)
    if scale == 100:
        goals = [t.criteria[metric] * 100 for t in context.targets if metric in t.criteria]
        drawn = monthly.loc[monthly["metric"] == metric, "p50"].to_numpy(float) * 100
        fit_ylim(ax, [*drawn, *goals], 0, 100)
        ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        ax.set_ylabel("AI share of total EFLOPS (%), median")
        set_title(ax, "AI-compute share by variant", loc="left")
    else:
        goals = [t.criteria[metric] for t in context.targets if metric in t.criteria]
        highest = max([float(np.nanmax(monthly.loc[monthly["metric"] == metric, "p50"])), *goals, 0.0])
        ax.set_ylim(0, highest * 1.15 if highest > 0 else 1)
        ax.yaxis.set_major_formatter(Thousands())
        ax.set_ylabel(wrap(f"{in_basis('EFLOPS', context.accounting)}, median", 48))
        set_title(ax, "total compute by variant", loc="left")
    mark_targets(ax, context, metric, {}, scale, fmt)
    n_variants = monthly["variant"].nunique()
    if n_variants > 4:  # many variants: the legend goes below the chart, in columns
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=7, frameon=False,
                  title="variant", title_fontsize=8)
    else:
        ax.legend(loc="upper left", fontsize=8, title="variant", title_fontsize=8)
    return fig


def _by_year(rows: pd.DataFrame) -> bool:
    """Whether an output's rows are per calendar year, for more than one year."""
    whens = set(rows["when"].astype(str))
    return len(whens) > 1 and all(w.isdigit() and len(w) == 4 for w in whens)


def _scaled_unit(values: np.ndarray, unit: str) -> tuple[float, str]:
    """Show large amounts in thousands/millions/billions of the unit (a change of unit only);
    energy always in TWh, months after the start as months."""
    if unit == "MWh":
        return 1e-6, "TWh"
    if unit.startswith("months from"):
        return 1.0, "months"
    if unit == "share":
        return 100.0, "percentage points"
    if unit == "t":
        return 1e-6, "Mt"
    biggest = float(np.nanmax(np.abs(values))) if values.size and np.isfinite(values).any() else 0.0
    for factor, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if biggest >= factor and unit and unit not in ("%", "share", "probability", "months", "month"):
            return 1 / factor, f"{word} {unit}"
    return 1.0, unit


def compare_differences(compare: pd.DataFrame, output: str, ax: Axes | None = None,
                        colours: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                        heading: str = "") -> Figure:
    """Paired differences from the base for one ``output``: one bar per (when, variant), mean
    difference with its 95% interval as whiskers; the base's own value in the panel's title
    (``heading`` first: the kind of the variants drawn). ``labels``: plain names of the variants."""
    rows = compare[compare["output"] == output].fillna({"when": "", "unit": ""})
    if rows.empty:
        raise ValueError(f"compare table has no output {output!r}")
    colours = colours or variant_colours(list(compare["variant"]))
    labels = labels or {}
    fig, ax = new_figure(ax, (10, 1.2 + 0.3 * len(rows)))
    unit = str(rows["unit"].iloc[0])
    factor, shown_unit = _scaled_unit(rows[["diff_mean", "diff_ci_low", "diff_ci_high"]].to_numpy(float), unit)
    base_text = base_values(rows, unit, factor, shown_unit)
    if heading or base_text:
        set_title(ax, "; ".join(t for t in (heading, base_text) if t), loc="left", fontsize=8, color="#444444")
    if _by_year(rows):  # one line per variant across the years keeps many variants readable
        _differences_by_year(ax, rows, output, factor, colours, labels)
        unit_text = f" ({shown_unit})" if shown_unit else ""
        ax.set_ylabel(wrap(f"{OUTPUT_LABELS.get(output, output)}: variant minus {BASE_VARIANT}{unit_text}", 40),
                      fontsize=9)
        return fig
    whens = list(dict.fromkeys(rows["when"].astype(str)))
    variants = list(dict.fromkeys(rows["variant"]))
    y, ticks, ticks_text = 0.0, [], []
    for when in whens:
        for name in variants:
            row = rows[(rows["when"].astype(str) == when) & (rows["variant"] == name)]
            if row.empty:
                continue
            row = row.iloc[0]
            mean, low, high = (float(row[c]) * factor for c in ("diff_mean", "diff_ci_low", "diff_ci_high"))
            low, high = min(low, high), max(low, high)
            bound = str(row.get("bound", "") or "")
            if bound in BOUND_NOTES:  # a target never met in some runs: the number is a bound, not a value
                _draw_bound(ax, y, mean, bound, colours[name], f"{output}:{when}:{name}")
            else:
                ax.barh(y, mean, height=0.7, color=colours[name], alpha=0.85, gid=f"diff:{output}:{when}:{name}")
                if mean == 0 and low == high == 0:  # no bar to see: say it
                    ax.annotate("0 (no difference)", (0, y), xytext=(6, 0), textcoords="offset points", ha="left",
                                va="center", fontsize=7, color="#444444", gid=f"zero:{output}:{when}:{name}")
                if np.isfinite(low) and np.isfinite(high):
                    ax.errorbar([mean], [y], xerr=[[max(mean - low, 0)], [max(high - mean, 0)]], fmt="none",
                                ecolor=MEDIAN_COLOUR, capsize=3, linewidth=1)
            ticks.append(y)
            ticks_text.append(f"{when} · {labels.get(name, name)}" if when and len(whens) > 1
                              else labels.get(name, name))
            y += 1
        y += 0.4
    ax.axvline(0, color=MEDIAN_COLOUR, linewidth=0.8)
    _notes_inside(ax)
    ax.set_yticks(ticks, ticks_text, fontsize=8)
    ax.invert_yaxis()
    style_axes(ax)
    ax.grid(False, axis="y")
    ax.xaxis.set_major_formatter(Thousands())
    unit_text = f" ({shown_unit})" if shown_unit else ""
    ax.set_xlabel(f"{OUTPUT_LABELS.get(output, output)}: variant minus {BASE_VARIANT}{unit_text}", fontsize=9)
    return fig


BOUND_NOTES = {
    "lower": ("at least", ">"),
    "upper": ("at most", "<"),
    "censored": ("unknown: both never met in some runs", "o"),
}
"""compare.csv's ``bound`` values: what the drawn difference is, and the marker at its end."""


def _draw_bound(ax: Axes, y: float, mean: float, bound: str, colour: str, key: str) -> None:
    """A difference that is only a bound: an open (outlined, hatched) bar, an arrow at its end
    pointing the way the true difference may lie (an open circle when neither), and a note."""
    note, marker = BOUND_NOTES[bound]
    ax.barh(y, mean, height=0.7, facecolor="none", edgecolor=colour, hatch="///", linewidth=1.2,
            gid=f"bound:{key}:{bound}")
    ax.plot([mean], [y], marker=marker, markersize=8, color=colour, markerfacecolor="white" if marker == "o" else colour,
            linestyle="none", gid=f"bound-end:{key}")
    text = f"{note} {mean:+,.3g}" if bound != "censored" else note
    # the note sits on the other side of zero, which this row leaves empty
    ax.annotate(text, (0, y), xytext=(-6 if mean > 0 else 6, 0), textcoords="offset points",
                ha="right" if mean > 0 else "left", va="center", fontsize=7, color="#444444",
                gid=f"bound-note:{key}")


def _notes_inside(ax: Axes) -> None:
    """Notes written beside zero ("0 (no difference)", a bound's note) go on the side of zero that
    has room inside the axes: when zero is at an edge (every difference of the panel on one side),
    they move to the other side, over the bars, instead of running into the tick labels or the legend."""
    left, right = ax.get_xlim()
    room_left, room_right = 0 - left, right - 0
    for note in ax.texts:
        gid = note.get_gid() or ""
        if not gid.startswith(("zero:", "bound-note:")):
            continue
        dx, _ = note.xyann
        if dx > 0 and room_right < 0.25 * (right - left):
            note.xyann, _ = (-abs(dx), 0), note.set_ha("right")
        elif dx < 0 and room_left < 0.25 * (right - left):
            note.xyann, _ = (abs(dx), 0), note.set_ha("left")
        else:
            continue
        note.set_bbox({"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})


def _differences_by_year(ax: Axes, rows: pd.DataFrame, output: str, factor: float,
                         colours: Mapping[str, str], labels: Mapping[str, str] | None = None) -> None:
    """Mean paired difference per year, one line per variant, with its 95% interval as whiskers."""
    for name, own in rows.groupby("variant", sort=False):
        own = own.assign(year=own["when"].astype(int)).sort_values("year")
        mean = own["diff_mean"].to_numpy(float) * factor
        low = np.minimum(own["diff_ci_low"], own["diff_ci_high"]).to_numpy(float) * factor
        high = np.maximum(own["diff_ci_low"], own["diff_ci_high"]).to_numpy(float) * factor
        drawn = ax.errorbar(own["year"], mean, yerr=[np.clip(mean - low, 0, None), np.clip(high - mean, 0, None)],
                            color=colours[name], marker="o", markersize=4, linewidth=1.4, capsize=3,
                            label=(labels or {}).get(name, name))
        drawn.lines[0].set_gid(f"diffline:{output}:{name}")
    ax.axhline(0, color=MEDIAN_COLOUR, linewidth=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(Thousands())
    style_axes(ax)
    ax.set_xlabel("calendar year", fontsize=9)


COMPARE_GROUPS = {
    "capacity": ("target_probability", "total_eflops", "intelligent_share", "reached_month"),
    "power": ("energy_mwh", "peak_facility_mw", "carbon_t"),
    "policy": ("subsidy_cny", "voucher_cny", "grid_binds", "supply_binds"),
}
"""Which file each output of compare.csv is drawn in (``compare-<group>``); other outputs go to ``policy``."""
MAX_FIGURE_IN = 20.0
"""Tallest compare figure, inches: 3,000 px at 150 dpi. Taller groups are split into several files."""
TEXT_LINE_IN = 0.3


def _all_zero(rows: pd.DataFrame) -> bool:
    """Every difference exactly 0 (mean and interval, where the interval is defined)."""
    values = rows[["diff_mean", "diff_ci_low", "diff_ci_high"]].to_numpy(float)
    return bool(np.all((values == 0) | np.isnan(values)) and np.all(rows["diff_mean"].to_numpy(float) == 0))


def _zero_note(rows: pd.DataFrame, output: str) -> str:
    """The one line that replaces a panel whose differences are all 0."""
    text = f"{OUTPUT_LABELS.get(output, output)}: every variant equals the base (difference 0 in every run)"
    base = rows["base"].to_numpy(float)
    if output.endswith("_binds") and base.size and np.all(base == base[0]):
        text += f"; the limit binds in {base[0]:.0%} of the runs"
    return text


def _panel_height(rows: pd.DataFrame) -> float:
    if _by_year(rows):
        return 3.2
    return min(0.9 + 0.28 * len(rows), MAX_FIGURE_IN - 0.8)


def _pages(panels: list[tuple[object, float]], first_extra: float, notes: int) -> list[list[tuple[object, float]]]:
    """Panels packed in order into pages no taller than :data:`MAX_FIGURE_IN` (the first page also
    holds ``first_extra`` inches, the last the lines of text: folded under its panels even where
    they make it taller, never a page of notes alone)."""
    pages: list[list[tuple[str, float]]] = [[]]
    used = first_extra + 0.6
    for panel, height in panels:
        if used > 0.6 and used + height > MAX_FIGURE_IN:
            pages.append([])
            used = 0.6
        pages[-1].append((panel, height))
        used += height
    return pages


def compare_figures(monthly: pd.DataFrame, compare_table: pd.DataFrame,
                    context: PlotContext | None = None) -> dict[str, Figure]:
    """A compare run at a glance, as figures by file stem: ``compare-capacity`` (small multiples of
    each variant's total EFLOPS against the base, and the target outputs), ``compare-power`` and
    ``compare-policy``, each with panels of the paired differences from the base (mean with its 95%
    interval; a bound drawn open), one panel per output and kind of variant (policies, risks and
    assumptions, views: never mixed on one axis). Calibration targets are left out, and so is a
    variant whose differences are all 0: one line of text under the panels names them (an output
    whose differences are all 0 is that line only). A group taller than :data:`MAX_FIGURE_IN`
    continues in ``compare-<group>-2``, ... A group with nothing in the table is not drawn (but the
    small multiples always are)."""
    context = context_or_default(context)
    table = compare_table.fillna({"when": "", "unit": ""})
    colours = variant_colours([*monthly["variant"], *table["variant"]])
    labels = labels_of(context, [*monthly["variant"], *table["variant"]])
    shown = shown_rows(table, context)
    present = list(dict.fromkeys(table["output"]))
    grouped = {name: [o for o in outputs if o in present] for name, outputs in COMPARE_GROUPS.items()}
    known = {o for outputs in COMPARE_GROUPS.values() for o in outputs}
    grouped["policy"] += [o for o in present if o not in known]
    figures = {}
    for group, outputs in grouped.items():
        curves = group == "capacity"
        if not outputs and not curves:
            continue
        drawn, notes = [], []
        for output in outputs:
            rows, everything = shown[shown["output"] == output], table[table["output"] == output]
            label = OUTPUT_LABELS.get(output, output)
            if _all_zero(everything):
                notes.append(_zero_note(everything, output))
                continue
            sentence = zero_sentence(table, context, label, output)
            notes += [sentence] if sentence else []
            for _, heading, names in group_variants(context, list(rows["variant"])):
                mine = rows[rows["variant"].isin(names)]
                drawn.append(((output, heading, mine), _panel_height(mine)))
        if group == "policy":
            target, spending = cost_effect_rows(table, context)
            if len(spending):
                drawn.insert(0, (("cost-effect", target, spending), 3.0))
        if not drawn and not notes and not curves:
            continue
        first = multiples_height(context, list(monthly["variant"])) if curves else 0.0
        pages = _pages(drawn, first, sum(wrap(n, 150).count("\n") + 1 for n in notes))
        for number, page in enumerate(pages, start=1):
            stem = f"compare-{group}" + (f"-{number}" if number > 1 else "")
            last = number == len(pages)
            figures[stem] = _compare_page(monthly, context, colours, labels, page, notes if last else [],
                                          first if number == 1 else 0.0, group, number, len(pages))
    return figures


def _compare_page(monthly, context, colours, labels, panels, notes, top_height, group, number, total) -> Figure:
    diff_height = sum(h for _, h in panels)
    notes = [wrap(line, 150) for line in notes]
    lines = sum(line.count("\n") + 1 for line in notes)
    note_height = TEXT_LINE_IN * lines + (0.2 if notes else 0)
    fig = Figure(figsize=(12, 0.6 + top_height + diff_height + note_height), layout="constrained")
    parts = [("curves", top_height), ("panels", diff_height), ("notes", note_height)]
    parts = [(name, h) for name, h in parts if h > 0]
    subfigs = fig.subfigures(len(parts), 1, height_ratios=[h for _, h in parts], squeeze=False)[:, 0]
    for (name, _), sub in zip(parts, subfigs):
        if name == "curves":
            variant_multiples(sub, monthly, context, colours)
        elif name == "panels":
            axes = sub.subplots(len(panels), 1, height_ratios=[h for _, h in panels], squeeze=False)[:, 0]
            for ((output, heading, rows), _), ax in zip(panels, axes):
                if output == "cost-effect":
                    cost_effect_panel(ax, heading, rows, colours, labels)
                    continue
                compare_differences(rows, output, ax, colours, labels, heading)
                if _by_year(rows) or (rows.get("bound", pd.Series(dtype=str)).fillna("") != "").any():
                    _own_legend(ax, rows, colours)
            sub.suptitle("paired differences from the base (same simulated futures), mean with 95% interval",
                         x=0.01, ha="left", fontsize=10)
        else:
            ax = sub.add_subplot()
            ax.set_axis_off()
            done = 0
            for i, line in enumerate(notes):
                ax.text(0.0, 1 - done / lines, line, transform=ax.transAxes, ha="left", va="top", fontsize=9,
                        color="#444444", gid=f"zero-note:{i}")
                done += line.count("\n") + 1
    part = f" ({number} of {total})" if total > 1 else ""
    basis = f", {context.accounting}" if group == "capacity" else ""  # only EFLOPS have an accounting basis
    fig.suptitle(wrap(f"{context.name}: variants compared, {group}{part}{basis}", 110), x=0.01,
                 ha="left", fontweight="bold")
    return fig


def _own_legend(ax: Axes, rows: pd.DataFrame, colours: Mapping[str, str]) -> None:
    """Each panel names its own variants, right of the axes."""
    if _by_year(rows):
        handles, labels = ax.get_legend_handles_labels()
    else:
        labels = list(dict.fromkeys(rows["variant"]))
        handles = [Patch(facecolor=colours[v], alpha=0.85, label=v) for v in labels]
        if (rows.get("bound", pd.Series(dtype=str)).fillna("") != "").any():
            labels.append("bound (never met in some runs)")
            handles.append(Patch(facecolor="none", edgecolor="#555555", hatch="///", label=labels[-1]))
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False,
              title="variant", title_fontsize=7, alignment="left", borderaxespad=0)


def compare(monthly: pd.DataFrame, compare_table: pd.DataFrame, context: PlotContext | None = None) -> Figure:
    """The first compare figure (``compare-capacity``); :func:`compare_figures` gives them all."""
    return next(iter(compare_figures(monthly, compare_table, context).values()))
