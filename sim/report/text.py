"""Small helpers the report's parts share: numbers as text, picking rows out of the tables."""

from __future__ import annotations

import math

import pandas as pd

from ..scenario.criteria import CRITERIA, FORMER

BASE = "base"
CRITERIA_LABELS = {"total_eflops": ("total", "EFLOPS"), "general_eflops": ("general", "EFLOPS"),
                   "intelligent_eflops": ("AI", "EFLOPS"), "supercomputing_eflops": ("supercomputing", "EFLOPS"),
                   "intelligent_share": ("AI share", "%")}
CRITERIA_LABELS |= {name: (c.label, c.shown_unit) for name, c in CRITERIA.items() if name not in CRITERIA_LABELS}
"""Each target criterion's words and shown unit (sim.scenario.criteria; shares in %)."""


def auto_format(value: float) -> str:
    """A format with as many decimals as a figure of this size needs (1,234; 56.7; 8.91; 0.123)."""
    size = abs(value)
    return ",.0f" if size >= 100 else ".1f" if size >= 10 else ".2f" if size >= 0.1 or size == 0 else ".3g"


def number(value: float, fmt: str | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format(float(value), fmt or auto_format(float(value)))


def band(p50: float, p10: float, p90: float, fmt: str | None = None) -> str:
    """'P50 [P10–P90]', or the P50 alone when the three agree at the shown precision."""
    fmt = fmt or auto_format(float(p50))
    low, mid, high = (number(v, fmt) for v in (p10, p50, p90))
    return mid if low == mid == high else f"{mid} [{low}–{high}]"


def criteria_text(spec: dict) -> str:
    """A target's criteria in words: 'total ≥ 9 EFLOPS, AI share ≥ 35%, PUE ≤ 1.2 in its year'."""
    parts = []
    for name, (label, unit) in CRITERIA_LABELS.items():
        value = spec.get(name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        c = CRITERIA[name]
        sign = "≥" if c.at_least else "≤"
        fmt = "g" if name in FORMER else ",.10g"
        shown = f"{number(value * 100, fmt)}%" if unit == "%" else f"{number(value, fmt)}" + (f" {unit}" if unit and unit != label else "")
        when = {"year": " in its year", "cumulative": " to date"}.get(c.when, "")
        parts.append(f"{label} {sign} {shown}{when}")
    return ", ".join(parts)


def pick_variant(table: pd.DataFrame, variant: str | None = None) -> pd.DataFrame:
    """The rows of ``variant``; by default the base's, else the first variant's."""
    if table is None or "variant" not in table.columns or table.empty:
        return table
    names = variants_of(table)
    if len(names) == 1:
        return table
    chosen = variant if variant in names else (BASE if BASE in names else names[0])
    return table[table["variant"] == chosen]


def rows_of(table: pd.DataFrame, metric: str, key: str = "month") -> pd.DataFrame:
    """The rows of one metric, in table order (empty when the table has no such metric)."""
    return table[table["metric"] == metric] if "metric" in table.columns else table.iloc[0:0]


def value_at(table: pd.DataFrame, metric: str, month: str) -> tuple[float, float, float] | None:
    """(P50, P10, P90) of ``metric`` in ``month``, or None when the table has no such row."""
    rows = table[(table["metric"] == metric) & (table["month"] == month)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return float(row["p50"]), float(row["p10"]), float(row["p90"])


def variants_of(table: pd.DataFrame | None) -> list[str]:
    if table is None or "variant" not in table.columns:
        return []
    return list(table["variant"].unique())  # in order of first appearance
