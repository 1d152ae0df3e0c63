"""A comparison ranked from its tables: which variant does best, by how much, with its interval.

What it ranks by: the manifest's ``rank_by`` (``capsim compare --rank-by``) when present, else the
latest-dated plan target (the first in file order on a tie; a ``role: calibration`` target is
never ranked by), else public money. A target ranks by the probability it is met (higher is
better; compare.csv's ``target_probability``); ``public_cost`` (subsidy paid + vouchers),
``energy`` and ``carbon`` rank by their horizon totals (lower is better). Ties are broken by
public money (lower first), then by the order the runs were asked for. The ranking.csv that
``capsim compare`` writes (:mod:`sim.run.ranking`, with intervals from the per-replication values)
is used as it stands; the rules above rank a folder without one.

The differences are compare.csv's paired differences to the base with their 95% intervals; a
total over several rows (energy over the years, subsidy + vouchers) adds the rows' means, and
its interval is the sum of theirs (wider than the paired interval of the sum, never narrower).
"""

from __future__ import annotations

import math

import pandas as pd

from ..run.ranking import OUTPUTS_BY_NAME
from .decisions import description, split_ranking
from .read import ResultsFolder
from .text import BASE, number

TOTALS = {
    "public_cost": (("subsidy_cny", "voucher_cny"), "public money (subsidy + vouchers)", "bn CNY", 1e-9),
    "energy": (("energy_mwh",), "facility energy over the horizon", "TWh", 1e-6),
    "carbon": (("carbon_t",), "carbon over the horizon", "Mt CO2", 1e-6),
}
"""Figures ranked lower-is-better: compare.csv outputs summed, label, display unit and scale."""
UNITS = {"public_cost": "bn CNY", "peak_mw": "MW", "energy": "TWh", "carbon": "Mt CO2", "eflops": "EFLOPS",
         "ai_share": "%"}
"""Display units of ranking.csv's outputs (:data:`sim.run.ranking.RANK_OUTPUTS` gives scale and format)."""
LIMIT_COLUMNS = (("grid_bound_share", "grid made a project wait (share of runs)"),
                 ("supply_bound_share", "accelerators made a project wait (share of runs)"))
"""ranking.csv's shared-limit columns, shown for every run of a comparison."""


def rank_by(folder: ResultsFolder, compare: pd.DataFrame) -> str:
    """The target name or TOTALS key the comparison is ranked by (see the module docstring)."""
    targets = set(compare.loc[compare["output"] == "target_probability", "when"])
    asked = folder.manifest.get("rank_by")
    if isinstance(asked, str) and (asked in targets or asked in TOTALS):
        return asked
    plans = [s for s in folder.target_specs if s["role"] == "plan" and s["name"] in targets]
    if plans:
        latest = max(s["by"] for s in plans)
        return next(s["name"] for s in plans if s["by"] == latest)
    return "public_cost"


def _order(folder: ResultsFolder, compare: pd.DataFrame) -> list[str]:
    asked = folder.manifest.get("variants")
    names = list(asked) if isinstance(asked, list) else [BASE, *dict.fromkeys(compare["variant"])]
    return [n for n in names if n == BASE or n in set(compare["variant"])]


def _total(compare: pd.DataFrame, outputs: tuple[str, ...]) -> pd.DataFrame:
    """Per variant: base, value, diff_mean, diff_ci_low, diff_ci_high summed over the rows of ``outputs``."""
    rows = compare[compare["output"].isin(outputs)]
    columns = ["base", "value", "diff_mean", "diff_ci_low", "diff_ci_high"]
    return rows.groupby("variant", sort=False)[columns].sum(min_count=1)


def ranking_table(folder: ResultsFolder) -> tuple[pd.DataFrame, str, bool]:
    """(every run best first with value, diff_mean, diff_ci_low, diff_ci_high, public_cny, first_met;
    what it is ranked by; whether higher is better)."""
    saved = folder.table("ranking")
    if saved is not None:
        return _saved_ranking(folder, saved)
    compare = folder.table("compare")
    by = rank_by(folder, compare)
    if by in TOTALS:
        figures, higher = _total(compare, TOTALS[by][0]), False
    else:
        rows = compare[(compare["output"] == "target_probability") & (compare["when"] == by)]
        figures, higher = rows.set_index("variant")[["base", "value", "diff_mean", "diff_ci_low", "diff_ci_high"]], True
    public = _total(compare, TOTALS["public_cost"][0])
    targets = folder.table("targets")
    table = []
    for name in _order(folder, compare):
        row = {"variant": name}
        if name == BASE:
            base_value = figures["base"].iloc[0] if len(figures) else math.nan
            row.update(value=base_value, diff_mean=0.0, diff_ci_low=0.0, diff_ci_high=0.0,
                       public_cny=public["base"].iloc[0] if len(public) else math.nan)
        elif name in figures.index:
            row.update(figures.loc[name, ["value", "diff_mean", "diff_ci_low", "diff_ci_high"]].to_dict())
            row["public_cny"] = public.at[name, "value"] if name in public.index else math.nan
        else:
            continue
        if targets is not None and by not in TOTALS:
            hit = targets[(targets["variant"] == name) & (targets["target"] == by)]
            row["first_met"] = str(hit["reached_p50"].iloc[0]) if len(hit) and "reached_p50" in hit else ""
        table.append(row)
    frame = pd.DataFrame(table)
    frame["_order"] = range(len(frame))
    key = -frame["value"] if higher else frame["value"]
    frame = frame.assign(_key=key.fillna(math.inf), _tie=frame["public_cny"].fillna(math.inf))
    frame = frame.sort_values(["_key", "_tie", "_order"], kind="stable").drop(columns=["_key", "_tie", "_order"])
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame.reset_index(drop=True), by, higher


def _saved_ranking(folder: ResultsFolder, saved: pd.DataFrame) -> tuple[pd.DataFrame, str, bool]:
    """ranking.csv in the layout of :func:`ranking_table`."""
    by = str(saved["rank_by"].iloc[0]) if "rank_by" in saved.columns else str(folder.manifest.get("rank_by", ""))
    frame = saved.rename(columns={"public_cost_cny": "public_cny"}).copy()
    if f"reached_p50[{by}]" in frame.columns:
        frame["first_met"] = frame[f"reached_p50[{by}]"].fillna("")
    base = frame["variant"] == BASE
    frame.loc[base, ["diff_mean", "diff_ci_low", "diff_ci_high"]] = 0.0
    if "rank" not in frame.columns:
        frame.insert(0, "rank", range(1, len(frame) + 1))
    if "public_cny" not in frame.columns:
        frame["public_cny"] = math.nan
    higher = by not in OUTPUTS_BY_NAME or OUTPUTS_BY_NAME[by].higher_is_better
    return frame.reset_index(drop=True), by, higher


def measure_text(by: str) -> tuple[str, str, float, str]:
    """(what is ranked, in words; display unit; scale; format)."""
    if by in OUTPUTS_BY_NAME:
        output = OUTPUTS_BY_NAME[by]
        unit = UNITS.get(by, "")
        return output.description, unit, output.scale, output.fmt
    if by in TOTALS:
        _, label, unit, scale = TOTALS[by]
        return label, unit, scale, ",.2f"
    return f"probability of meeting '{by}'", "%", 100.0, ".0f"


def _diff(row: pd.Series, unit: str, scale: float) -> str:
    points = " points" if unit == "%" else f" {unit}"
    mean, low, high = (row[c] * scale for c in ("diff_mean", "diff_ci_low", "diff_ci_high"))
    fmt = "+.1f" if unit == "%" else "+,.2f"
    if any(math.isnan(v) for v in (mean, low, high)):
        return f"{format(mean, fmt)}{points}"
    return f"{format(mean, fmt)}{points}, 95% interval {format(low, fmt)} to {format(high, fmt)}"


def compare_answer(folder: ResultsFolder) -> tuple[list[str], pd.DataFrame, str]:
    """The sentences at the top of a comparison's report, its ranking formatted for the page, and
    what it ranks by in words."""
    ranking, by, higher = ranking_table(folder)
    ranking, _ = split_ranking(ranking)  # with kinds: the base and the policies only
    label, unit, scale, fmt = measure_text(by)
    shown = (lambda v: f"{number(v * scale, fmt)}{'%' if unit == '%' else ' ' + unit}")
    base = ranking[ranking["variant"] == BASE].iloc[0]
    best = ranking.iloc[0]
    n = len(ranking)
    sentences = []
    tied = ranking[ranking["value"] == best["value"]]
    if n > 1 and len(tied) == n:  # the measure cannot separate the runs: none is "best"
        what = "policy" if "kind" in ranking.columns else "variant"
        sentences.append(f"Ranked by {label}, no {what} changes it: all {n} runs tie at {shown(best['value'])}; "
                         "ordered by the next measure, public money (subsidy + vouchers, lowest first).")
        return (sentences, _display(folder, ranking, by, label, unit, scale, fmt),
                f"{label} ({unit}): all tie, so ordered by public money, lowest first")
    if best["variant"] == BASE:
        sentences.append(f"Ranked by {label}, no variant does better than the base ({shown(base['value'])}); "
                         f"{n - 1} variant{'s' if n != 2 else ''} compared.")
    else:
        sentences.append(f"Ranked by {label}, the best of {n} runs is {best['variant']}: {shown(best['value'])} "
                         f"against the base's {shown(base['value'])}, a difference of {_diff(best, unit, scale)}.")
    if len(tied) > 1:
        sentences.append(f"{len(tied)} runs tie at {shown(best['value'])}; ties are broken by public money "
                         f"(subsidy + vouchers, lower first).")
    worst = ranking.iloc[-1]
    if worst["value"] != best["value"]:
        sentences.append(f"Worst: {worst['variant']} at {shown(worst['value'])}, {_diff(worst, unit, scale)}.")
    return sentences, _display(folder, ranking, by, label, unit, scale, fmt), f"{label} ({unit})"


def other_kinds(folder: ResultsFolder) -> list[tuple[str, pd.DataFrame]]:
    """[(caption, display table)] of the variants that are not policies (risks and assumptions,
    views, unclassified), when ranking.csv says each run's kind: not ranked (no rank column),
    sorted by the size of their effect against the base (largest first), and the caption says so."""
    ranking, by, _ = ranking_table(folder)
    label, unit, scale, fmt = measure_text(by)
    shown = []
    for caption, rows in split_ranking(ranking)[1]:
        size = rows["diff_mean"].abs().fillna(-1.0)
        rows = rows.assign(_size=size).sort_values("_size", ascending=False, kind="stable").drop(columns="_size")
        shown.append((caption + "; sorted by the size of the effect against the base, largest first",
                      _display(folder, rows, by, label, unit, scale, fmt, ranked=False)))
    return shown


def _display(folder: ResultsFolder, ranking: pd.DataFrame, by: str, label: str, unit: str, scale: float,
             fmt: str, ranked: bool = True) -> pd.DataFrame:
    """The page's table of ``ranking``'s rows; ``ranked=False`` (risks, assumptions, views): no rank column."""
    rows = []
    for _, row in ranking.iterrows():
        shown = {"rank": int(row["rank"]) if pd.notna(row["rank"]) else "–"} if ranked else {}
        shown.update({
            "variant": row["variant"],
            f"{'ranked figure' if ranked else 'figure'} ({unit})": number(row["value"] * scale, fmt),
            "vs base [95% interval]": "–" if row["variant"] == BASE else _bracket(row, unit, scale),
        })
        if "first_met" in row:
            start = str((folder.scenario.get("horizon") or {}).get("start", ""))
            at_start = start and row["first_met"] == start  # not a date: the model starts there
            shown["first met (P50)"] = "already met at the start" if at_start else row["first_met"]
        shown["public money bn CNY (mean)"] = number(row["public_cny"] * 1e-9, ",.2f")
        shown["EFLOPS basis"] = folder.accounting_label(row["variant"])
        for column, title in LIMIT_COLUMNS:  # the shared limits, for every run (ranking.csv; docs/report.md)
            if column in ranking.columns and ranking[column].notna().any():
                shown[title] = "–" if pd.isna(row[column]) else f"{float(row[column]):.0%}"
        if "kind" in row:  # a scenario whose variants say their kind (sim.run.kinds)
            shown["kind"] = row["kind"] or "–"
            shown["what it is"] = description(folder, row["variant"]) + (
                " (* rests on an assumed investor response to the subsidy)" if row.get("assumed_behaviour") else "")
        rows.append(shown)
    return pd.DataFrame(rows)


def _bracket(row: pd.Series, unit: str, scale: float) -> str:
    fmt = "+.1f" if unit == "%" else "+,.2f"
    mean, low, high = (row[c] * scale for c in ("diff_mean", "diff_ci_low", "diff_ci_high"))
    if mean == 0 and (low == 0 or math.isnan(low)) and (high == 0 or math.isnan(high)):
        return "no difference"
    if math.isnan(low) or math.isnan(high):
        return format(mean, fmt)
    return f"{format(mean, fmt)} [{format(low, fmt)}, {format(high, fmt)}]"

