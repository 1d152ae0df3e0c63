"""The report's decision parts, from the tables only: the verdict line, the ranking told apart by
the variants' kinds, and the robustness matrix (robustness.csv).

* The verdict (:mod:`sim.analysis.verdict`) opens the answer of every run and comparison (of the
  base, "do nothing new"), with the same words ``capsim run`` and ``capsim compare`` print.
* ranking.csv with a ``kind`` column (a scenario whose variants say their kind): the page's
  ranking holds the base and the policies only; risks and assumptions, views and unclassified
  variants get their own tables, each with the variant's description, with no rank (sorted by the
  size of their effect against the base). The page shows the verdict, the policy ranking, the
  robustness matrix, then risks and assumptions, then views.
* robustness.csv: the policy x scenario matrix with each policy's worst case, largest regret and
  the share of scenarios on track, and a sentence naming the recommended policy and its rule.
"""

from __future__ import annotations

import math

import pandas as pd

from ..analysis.verdict import verdict_line, verdict_probability, verdict_target, views_text
from ..run.ranking import OUTPUTS_BY_NAME
from ..run.robustness import percent_cell, tie_text
from .read import ResultsFolder
from .text import BASE

GROUP_CAPTIONS = (
    (("risk", "assumption"), "What moves the outcome: risks and assumptions (not choices, never ranked)"),
    (("view",), "The same runs, counted another way: views (not choices, never ranked)"),
    (("",), "Unclassified variants (no kind:): add kind: policy | risk | assumption | view (docs/decisions.md)"),
)
RULE_TEXT = {
    "minimax-regret": "minimax-regret (the smallest largest shortfall against the best policy in each scenario)",
    "worst-case": "worst-case (the best result in its worst scenario)",
    "satisficing": "satisficing (on track in the most scenarios)",
}


def verdict_sentence(folder: ResultsFolder, target_name: str | None = None) -> str | None:
    """The verdict line of the base (a comparison) or of the run; None without a targets table."""
    targets, monthly = folder.table("targets"), folder.table("monthly")
    if targets is None:
        return None
    variant = None
    if "variant" in targets.columns:
        names = list(dict.fromkeys(targets["variant"]))
        variant = BASE if BASE in names else names[0]
    if folder.manifest.get("replications") == 1 and folder.kind == "run":  # as `capsim run -r 1` prints it
        return single_verdict(folder.scenario, targets, monthly, variant, target_name)
    line = verdict_line(folder.scenario, targets, monthly, variant, target_name, annual=folder.table("annual"))
    return "Verdict: " + line[0].upper() + line[1:] + "."


def single_verdict(scenario: dict, targets: pd.DataFrame, monthly: pd.DataFrame | None, variant: str | None,
                   target_name: str | None) -> str:
    """The verdict of a one-replication run, as ``capsim run -r 1`` prints it: met or missed, the
    month first met and the peak power, with no probability, band or P50."""
    target = verdict_target(scenario, target_name)
    rows = targets if variant is None else targets[targets["variant"] == variant]
    hit = rows[rows["target"] == target["name"]] if target is not None else rows.iloc[0:0]
    power = "" if monthly is None else monthly[(monthly["metric"] == "facility_mw")
                                               & ((monthly["variant"] == variant) if variant else True)]["p50"]
    peak = f"; peak facility {float(power.max()):,.0f} MW" if len(power) else ""
    if not len(hit):
        return f"Verdict: no verdict: the scenario has no plan target{peak}."
    row = hit.iloc[0]
    start = str((scenario.get("horizon") or {}).get("start", ""))
    first = str(row.get("reached_p50", "") or "")
    when = ("already met at the start" if first == start else "never met within the horizon" if first in ("", "never")
            else f"first met {first}")
    outcome = "met" if float(row["probability"]) >= 1 else "missed"
    return f"Verdict: {outcome}: {target['name']!r} by {target['by']} (one replication); {when}{peak}."


def views_sentence(folder: ResultsFolder, target_name: str | None = None) -> str | None:
    """After the verdict of a comparison: the views (``kind: view``) whose verdict class differs
    from the base's, "Counted another way: fp32-eq-low (view) gives off track (0%)."; None if none."""
    targets = folder.table("targets")
    if targets is None or "variant" not in targets.columns:
        return None
    variants = folder.scenario.get("variants") or {}
    names = [n for n in dict.fromkeys(targets["variant"])
             if isinstance(variants.get(n), dict) and variants[n].get("kind") == "view"]
    views = {n: verdict_probability(folder.scenario, targets, n, target_name) for n in names}
    text = views_text(folder.scenario, verdict_probability(folder.scenario, targets, BASE, target_name), views)
    return (text[0].upper() + text[1:] + ".") if text else None


def description(folder: ResultsFolder, name: str) -> str:
    if name == BASE:
        return "the scenario as written: do nothing new"
    spec = (folder.scenario.get("variants") or {}).get(name)
    return str(spec.get("description") or "") if isinstance(spec, dict) else ""


def split_ranking(ranking: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, pd.DataFrame]]]:
    """(the base and the policies; [(caption, rows)] of the other kinds) of a ranking with ``kind``."""
    if "kind" not in ranking.columns:
        return ranking, []
    kinds = ranking["kind"].fillna("").astype(str)
    policies = ranking[kinds.isin([BASE, "policy"])].reset_index(drop=True)
    others = [(caption, ranking[kinds.isin(group)].reset_index(drop=True)) for group, caption in GROUP_CAPTIONS]
    return policies, [(c, t) for c, t in others if not t.empty]


def _cell(value: float, measure: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if measure in OUTPUTS_BY_NAME:
        o = OUTPUTS_BY_NAME[measure]
        return format(value * o.scale, o.fmt)
    return percent_cell(value)


def _points(value: float, measure: str) -> str:
    if measure in OUTPUTS_BY_NAME:
        o = OUTPUTS_BY_NAME[measure]
        return format(value * o.scale, o.fmt)
    return f"{value * 100:.1f} points"


def nothing_on_track(table: pd.DataFrame, measure: str) -> list[str]:
    """A sentence per scenario of robustness.csv in which no policy is on track (its ``on_track`` column)."""
    if "on_track" not in table.columns:
        return []
    out = []
    for scenario, rows in table.groupby("scenario", sort=False):
        flags = pd.to_numeric(rows["on_track"], errors="coerce")
        if flags.isna().any() or flags.any():
            continue
        best = rows.loc[rows["value"].idxmax()]
        tied = rows[rows["value"] == best["value"]]["policy"].tolist()
        who = tied[0] if len(tied) == 1 else "every policy" if len(tied) == len(rows) else ", ".join(tied)
        where = "in the base scenario" if scenario == BASE else f"under {scenario}"
        out.append(f"No policy is on track {where} (best: {who} at {float(best['value']):.1%}).")
    return out


def robustness_parts(folder: ResultsFolder) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    """(sentences, [(caption, table)]) of robustness.csv; nothing when the folder has none."""
    table = folder.table("robustness")
    if table is None:
        return [], []
    measure = str(table["measure"].iloc[0]) if "measure" in table.columns else ""
    policies = list(dict.fromkeys(table["policy"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    rows = []
    for policy in policies:
        mine = table[table["policy"] == policy]
        first = mine.iloc[0]
        assumed = "assumed_behaviour" in mine.columns and isinstance(first["assumed_behaviour"], str) \
            and bool(first["assumed_behaviour"])
        row = {"policy": policy + (" *" if assumed else "")}
        for scenario in scenarios:
            cell = mine[mine["scenario"] == scenario]
            row[scenario] = _cell(float(cell["value"].iloc[0]), measure) if len(cell) else "–"
        row["worst case"] = _cell(float(first["worst_case"]), measure)
        row["max regret"] = _points(float(first["max_regret"]), measure)
        if "share_on_track" in mine.columns and not math.isnan(float(first["share_on_track"])):
            row["on track in"] = f"{int(round(float(first['share_on_track']) * len(scenarios)))} of {len(scenarios)}"
        rows.append(row)
    rule = str(table["rule"].iloc[0]) if "rule" in table.columns else ""
    chosen = table[table["recommended"] == 1]["policy"] if "recommended" in table.columns else pd.Series([], dtype=str)
    sentences = []
    if len(chosen):
        best = str(chosen.iloc[0])
        first = table[table["policy"] == best].iloc[0]
        sentences.append(f"Robust choice: {best} (largest regret {_points(float(first['max_regret']), measure)}, worst "
                         f"case {_cell(float(first['worst_case']), measure)}), by the rule "
                         f"{RULE_TEXT.get(rule, rule)}; the matrix below runs every policy under every risk.")
        heads = table.drop_duplicates("policy").reset_index(drop=True)
        column = {"minimax-regret": "max_regret", "worst-case": "worst_case", "satisficing": "share_on_track"}.get(rule)
        if column in heads.columns and best in set(heads["policy"]):
            i = int(heads.index[heads["policy"] == best][0])
            shown = {"max_regret": _points, "worst_case": _cell}.get(column, lambda v, m: f"{v:.0%} of scenarios")
            tie = tie_text(rule, heads[column].to_numpy(dtype=float), i, shown(float(heads.at[i, column]), measure),
                           bool(table["value"].nunique() == 1))
            sentences += [tie[0].upper() + tie[1:] + "."] if tie else []
    sentences += nothing_on_track(table, measure)
    caption = ("Robustness: every policy under every risk, on the same simulated futures (robustness.csv); a cell = the "
               "policy's changes, then the risk's; regret = shortfall against the best policy in that scenario"
               + ("; * rests on an assumed investor response to the subsidy" if any("*" in r["policy"] for r in rows)
                  else ""))
    return sentences, [(caption, pd.DataFrame(rows))]
