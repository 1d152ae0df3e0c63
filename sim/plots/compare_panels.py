"""What the compare plots show of each variant: its kind's group, its plain label, and small
multiples of total compute (each variant against the base in grey, with its P10-P90 band).

Variants of different kinds are never drawn on one axis: policies, risks and assumptions, views
(the same runs counted another way, on another accounting basis) and unclassified variants each get
their own panels (docs/decisions.md). Calibration targets and rows whose difference is exactly 0 in
every run are left out of the difference panels and named in one sentence under them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import SubFigure

from ..months import month_label
from .context import BASE_VARIANT, PlotContext
from .style import (
    BAND_ALPHA,
    Thousands,
    date_axis,
    month_steps,
    set_title,
    style_axes,
    wrap,
)

KIND_GROUPS = (
    ("policy", ("policy",), "policies (choices)"),
    ("effect", ("risk", "assumption"), "risks and assumptions (not choices)"),
    ("view", ("view",), "views: the same runs counted another way"),
    ("other", ("",), "unclassified variants"),
)
"""Panel groups: key, the kinds they hold, their heading. A scenario without kinds is one group."""
BASE_GREY = "#9A9A9A"
COLUMNS = 4


def kinds_of(context: PlotContext) -> dict[str, str]:
    return {name: kind for name, kind, _ in context.variants}


def labels_of(context: PlotContext, names: Sequence[str]) -> dict[str, str]:
    """Plain label of each variant (its ``label:``, else the name with spaces; the base: 'base')."""
    known = {name: label for name, _, label in context.variants}  # plain text: sim.plots.fonts.PLAIN_TEXT
    return {n: known.get(n, n.replace("-", " ").replace("_", " ")) if n != BASE_VARIANT else "base" for n in names}


def group_variants(context: PlotContext, names: Sequence[str]) -> list[tuple[str, str, list[str]]]:
    """(key, heading, variants) of each group that has variants, in :data:`KIND_GROUPS` order.
    Every variant unclassified: one group 'variants'."""
    kinds = kinds_of(context)
    names = [n for n in dict.fromkeys(names) if n != BASE_VARIANT]
    if not any(kinds.get(n) for n in names):
        return [("all", "variants", names)] if names else []
    out = []
    for key, members, heading in KIND_GROUPS:
        mine = [n for n in names if (kinds.get(n) or "") in members]
        if mine:
            out.append((key, heading, mine))
    return out


def calibration_targets(context: PlotContext) -> set[str]:
    return {t.name for t in context.targets if t.role == "calibration"}


def zero_pairs(rows: pd.DataFrame) -> pd.Series:
    """Per row: the difference is exactly 0, its interval too (where defined)."""
    values = rows[["diff_mean", "diff_ci_low", "diff_ci_high"]].to_numpy(float)
    return pd.Series(np.all((values == 0) | np.isnan(values), axis=1) & (rows["diff_mean"].to_numpy(float) == 0),
                     index=rows.index)


def shown_rows(table: pd.DataFrame, context: PlotContext) -> pd.DataFrame:
    """compare.csv's rows worth a bar: no calibration target, no (output, when, variant) whose
    difference is 0 in every run. For an output per year, a variant is kept when any year differs."""
    rows = table[~table["when"].astype(str).isin(calibration_targets(context))]
    zero = zero_pairs(rows)
    keep = ~zero
    yearly = rows["when"].astype(str).str.fullmatch(r"\d{4}")
    if yearly.any():
        moved = (~zero & yearly).groupby([rows["output"], rows["variant"]]).transform("any")
        keep = keep | (yearly & moved)
    return rows[keep]


def zero_sentence(table: pd.DataFrame, context: PlotContext, output_label: str, output: str) -> str:
    """'<output>: no difference from the base in any run for a, b, c' (the variants left out of
    the panel because every difference of theirs is 0), or ''."""
    rows = table[(table["output"] == output) & ~table["when"].astype(str).isin(calibration_targets(context))]
    if rows.empty:
        return ""
    zero = zero_pairs(rows).groupby(rows["variant"], sort=False).all()
    names = [n for n, flat in zero.items() if flat]
    if not names:
        return ""
    labels = labels_of(context, list(zero.index))
    moved = [n for n, flat in zero.items() if not flat]
    if len(names) > 2 * len(moved):
        verb = "differs" if len(moved) == 1 else "differ"
        return (f"{output_label}: only {', '.join(labels[n] for n in moved)} {verb} from the base; every other "
                "variant is the same as the base in every run")
    return f"{output_label}: no difference from the base in any run for {', '.join(labels[n] for n in names)}"


def variant_multiples(sub: SubFigure, monthly: pd.DataFrame, context: PlotContext,
                      colours: Mapping[str, str]) -> None:
    """Small multiples of total compute: one panel per variant, grouped by kind (a row of panels
    starts each group), the base's median in grey and the variant's median with its P10-P90 band.
    Panels of one group share the y scale; views (another accounting basis) have their own."""
    groups = group_variants(context, list(monthly["variant"]))
    labels = labels_of(context, list(monthly["variant"]))
    rows_needed = sum(math.ceil(len(names) / COLUMNS) for _, _, names in groups)
    axes = sub.subplots(max(rows_needed, 1), COLUMNS, squeeze=False, sharex=True)
    total = monthly[monthly["metric"] == "total_eflops"]
    base = total[total["variant"] == BASE_VARIANT].set_index("month")
    row = 0
    for key, heading, names in groups:
        top = float(np.nanmax(total[total["variant"].isin([*names, BASE_VARIANT])]["p90"].to_numpy(float)))
        for i in range(math.ceil(len(names) / COLUMNS) * COLUMNS):
            ax = axes[row + i // COLUMNS, i % COLUMNS]
            if i >= len(names):
                ax.set_axis_off()
                continue
            name = names[i]
            own = total[total["variant"] == name].set_index("month")
            if not base.empty and key != "view":
                x, q = month_steps(base, ("p50",))
                ax.step(x, q["p50"], where="post", color=BASE_GREY, linewidth=1.6, gid=f"base-of:{name}")
            x, q = month_steps(own, ("p10", "p50", "p90"))
            ax.fill_between(x, q["p10"], q["p90"], step="post", color=colours[name], alpha=BAND_ALPHA, linewidth=0,
                            gid=f"band:{name}")
            ax.step(x, q["p50"], where="post", color=colours[name], linewidth=2.0, gid=f"variant:{name}")
            ax.set_ylim(0, (top if key != "view" else float(np.nanmax(q["p90"]))) * 1.1 or 1)
            style_axes(ax)
            date_axis(ax)
            ax.set_xlabel("")
            ax.tick_params(labelsize=7)
            ax.yaxis.set_major_formatter(Thousands())
            title = labels[name] if i else f"{heading}\n{labels[name]}"
            set_title(ax, title, loc="left", fontsize=8)
        row += math.ceil(len(names) / COLUMNS)
    sub.supylabel("total EFLOPS (basis of each variant)", fontsize=9)
    sub.suptitle("total compute of each variant (colour: median, band: P10 to P90) against the base (grey "
                 "line; views are on another basis and have none)", x=0.01, ha="left", fontsize=10)


def multiples_height(context: PlotContext, names: Sequence[str]) -> float:
    """Inches for :func:`variant_multiples`: 1.9 per row of panels and 0.5 for the heading."""
    rows = sum(math.ceil(len(n) / COLUMNS) for _, _, n in group_variants(context, names))
    return 0.5 + 1.9 * max(rows, 1)


def cost_effect_rows(table: pd.DataFrame, context: PlotContext) -> tuple[str, pd.DataFrame]:
    """(the plan target, rows of variant / extra_bn_cny / effect_points) of the policies that add
    public money (subsidy + vouchers) against the base, with their effect on P(the latest plan
    target met) in percentage points; ('', empty) when none adds money or no plan target is in the table."""
    plans = [t for t in context.targets if t.role == "plan"]
    probability = table[table["output"] == "target_probability"]
    plans = [t for t in plans if t.name in set(probability["when"].astype(str))]
    if not plans:
        return "", pd.DataFrame()
    target = max(plans, key=lambda t: t.by).name
    kinds = kinds_of(context)
    money = table[table["output"].isin(("subsidy_cny", "voucher_cny"))].groupby("variant", sort=False)["diff_mean"].sum()
    effect = probability[probability["when"].astype(str) == target].set_index("variant")["diff_mean"]
    rows = [{"variant": v, "extra_bn_cny": float(m) / 1e9, "effect_points": float(effect[v]) * 100}
            for v, m in money.items() if m > 0 and v in effect.index
            and (kinds.get(v) or "") in (("policy",) if any(kinds.values()) else ("",))]
    if not any(r["effect_points"] != 0 for r in rows):  # the money moves nothing: no chart of zeros
        return "", pd.DataFrame()
    return target, pd.DataFrame(rows)


def cost_effect_panel(ax, target: str, rows: pd.DataFrame, colours: Mapping[str, str],
                      labels: Mapping[str, str]) -> None:
    """Each policy that adds public money: extra money (across) against its effect (up); the base at 0."""
    ax.plot([0], [0], marker="o", color=BASE_GREY, linestyle="none", markersize=8, gid="cost-effect:base")
    ax.annotate("base", (0, 0), xytext=(6, -10), textcoords="offset points", fontsize=8, color="#444444")
    for row in rows.itertuples():
        ax.plot([row.extra_bn_cny], [row.effect_points], marker="D", color=colours[row.variant], linestyle="none",
                markersize=9, gid=f"cost-effect:{row.variant}")
        ax.annotate(labels.get(row.variant, row.variant), (row.extra_bn_cny, row.effect_points), xytext=(-8, 6),
                    textcoords="offset points", ha="right", fontsize=8)
    ax.axhline(0, color="#888888", linewidth=0.8)
    top = float(rows["extra_bn_cny"].max()) if len(rows) else 1.0
    ax.set_xlim(-0.05 * top, 1.15 * top)
    style_axes(ax)
    ax.set_xlabel("extra public money against the base (billion CNY, subsidy + vouchers)", fontsize=9)
    ax.set_ylabel(f"P({target} met):\nchange (percentage points)", fontsize=9)
    set_title(ax, "what the public money buys: policies that spend more than the base", loc="left", fontsize=8,
              color="#444444")


def base_values(rows: pd.DataFrame, unit: str, factor: float, shown_unit: str) -> str:
    """'base: plan 2026 190.1 EFLOPS' (each when's base value), a month for a month reached."""
    firsts = rows.drop_duplicates("when")
    parts = []
    for _, row in firsts.iterrows():
        value = float(row["base"])
        if not np.isfinite(value):
            continue
        if unit.startswith("months from "):
            text = month_label(unit.removeprefix("months from "), int(round(value)))
        elif unit == "share":
            text = f"{value:.0%}"
        else:
            text = f"{value * factor:,.0f}" if abs(value * factor) >= 100 else f"{value * factor:.3g}"
        parts.append(f"{row['when']} {text}".strip())
    if not parts:
        return ""
    suffix = f" {shown_unit}" if shown_unit and shown_unit not in ("percentage points", "months") else ""
    return wrap("base: " + ", ".join(parts) + suffix, 90)
