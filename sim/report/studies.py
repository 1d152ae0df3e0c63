"""The answer of an explore and of a solve, read from their tables and manifest only.

* an explore (samples.csv, sensitivity.csv, discovery.csv, the manifest's ``explore``): the inputs
  ranked by the design's main index (Sobol ST, Morris μ*, Spearman's ρ for a Latin hypercube)
  with their 95% intervals and stability flags, averaged over the outputs ``capsim explore``
  ranks by; the outputs no input moves; for each target missed in some samples, PRIM's box
  (coverage, density, the ranges of the inputs);
* a solve (solve.csv and the manifest's ``solve``): the answer with its unit, the final bracket,
  the probability asked for, the lever values whose 95% interval of P contains it, or that the
  target is met even at the hard end or missed even at the easy end.

docs/explore.md describes the tables.
"""

from __future__ import annotations

import math

import pandas as pd

from ..analysis.words import counted
from ..scenario.criteria import CRITERIA
from .read import ResultsFolder

INDEX_LABELS = {"ST": "total-order Sobol index ST",
                "mu_star": "Morris μ* (mean absolute effect, in the output's unit; averaged as a share of each "
                           "output's largest)",
                "spearman": "Spearman rank correlation ρ"}
SHOWN_INPUTS = 12
"""Rows of the ranking table in the answer (sensitivity.csv has them all)."""
NEGLIGIBLE = 0.01
"""An input whose main index, averaged over the ranked outputs, is below this moves none of them."""


def explore_settings(folder: ResultsFolder) -> dict:
    """The manifest's ``explore`` block ({} when absent)."""
    settings = folder.manifest.get("explore")
    return settings if isinstance(settings, dict) else {}


def method_of(folder: ResultsFolder) -> str:
    """sobol, morris or lhs: the manifest's, else what the table's indices show."""
    method = explore_settings(folder).get("method")
    table = folder.table("sensitivity")
    if method is None and table is not None and "method" in table.columns and len(table):
        method = str(table["method"].iloc[0])
    return str(method or "sobol")


def main_index(method: str) -> str:
    from ..explore.sensitivity import MAIN_INDEX

    return MAIN_INDEX.get(method, "ST")


def whole_run(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of sensitivity.csv for the whole run (``year`` empty)."""
    return table[table["year"].isna()] if "year" in table.columns else table


def ranked_outputs(table: pd.DataFrame) -> list[str]:
    """The whole-run outputs ``capsim explore`` ranks the inputs by: each target's P(met), then
    energy, peak power, public cost and carbon."""
    from ..explore.study import RANKED_OUTPUTS

    outputs = list(dict.fromkeys(whole_run(table)["output"]))
    return [o for o in outputs if o.startswith("p_met[")] + [o for o in RANKED_OUTPUTS if o in outputs]


def output_label(output: str, per_year: bool = False) -> str:
    """``p_met[plan 2030]`` -> ``P(target 'plan 2030' met)``; ``eflops_at[X]`` -> ``EFLOPS at target 'X'``;
    ``energy_mwh`` -> ``facility energy over the horizon`` (``per_year``: ``facility energy per year``)."""
    from ..explore.answer import OUTPUT_TITLES, YEAR_TITLES

    if per_year and output in YEAR_TITLES:
        return YEAR_TITLES[output]
    if output in OUTPUT_TITLES:
        return OUTPUT_TITLES[output][0]
    if output.startswith("p_met[") and output.endswith("]"):
        return f"P(target '{output[6:-1]}' met)"
    if output.startswith("eflops_at[") and output.endswith("]"):
        return f"EFLOPS at target '{output[10:-1]}'"
    name, _, rest = output.partition("_at[")
    if rest.endswith("]") and name in CRITERIA:
        return f"{CRITERIA[name].label} at target '{rest[:-1]}'"
    return output


def input_units(folder: ResultsFolder) -> dict[str, str]:
    return {str(i.get("path")): str(i.get("unit") or "") for i in explore_settings(folder).get("inputs") or ()
            if isinstance(i, dict)}


def ranking(folder: ResultsFolder) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(the inputs ranked, best first: rank, input, range, the main index per ranked output with its
    95% interval, stable; the outputs ranked by; the ranked outputs no input moves)."""
    from ..explore.sensitivity import ranking as rank_inputs

    table = folder.table("sensitivity")
    method = method_of(folder)
    index = main_index(method)
    wanted = ranked_outputs(table)
    ranked = rank_inputs(table, method, wanted)
    outputs = [c for c in ranked.columns if c not in ("rank", "parameter", "score", "unstable")]
    rows = whole_run(table)
    rows = rows[rows["index"] == index].set_index(["output", "parameter"])
    ranges = {str(i.get("path")): _range_text(i) for i in explore_settings(folder).get("inputs") or ()
              if isinstance(i, dict)}
    out = []
    for _, row in ranked.head(SHOWN_INPUTS).iterrows():
        item = {"rank": int(row["rank"]), "input": row["parameter"], "range": ranges.get(row["parameter"], "")}
        for output in outputs:
            key = (output, row["parameter"])
            item[f"{index}: {output_label(output)}"] = _index_text(rows.loc[key]) if key in rows.index else "–"
        item["stable"] = "yes" if not row["unstable"] else f"no: {int(row['unstable'])} unstable indices"
        item["score"] = float(row["score"])  # the averaged index the rank is by (dropped before display)
        out.append(item)
    return pd.DataFrame(out), outputs, [o for o in wanted if o not in outputs]


def _index_text(row: pd.Series) -> str:
    value, low, high = (float(row[c]) if c in row and pd.notna(row[c]) else math.nan
                        for c in ("value", "ci_low", "ci_high"))
    fmt = ".2f" if not math.isfinite(value) or abs(value) < 100 else ",.0f"
    text = f"{value:{fmt}}"
    if math.isfinite(low) and math.isfinite(high):
        text += f" [{low:{fmt}} to {high:{fmt}}]"
    return text + ("" if bool(row.get("stable", True)) else " *")


def _range_text(spec: dict) -> str:
    unit = spec.get("unit") or ""
    unit = f" {unit}" if unit and unit != "share" else ""
    low, high = spec.get("low"), spec.get("high")
    if not isinstance(low, (int, float)) or not isinstance(high, (int, float)):
        return ""
    from ..explore.design import fmt

    return f"{fmt(low)} to {fmt(high)}{unit}, {spec.get('kind') or 'input'}"


# --- solve ------------------------------------------------------------------------------------


def solve_settings(folder: ResultsFolder) -> dict:
    settings = folder.manifest.get("solve")
    return settings if isinstance(settings, dict) else {}


def lever_value(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.4g}"
    return f"{text} {unit}" if unit and unit != "share" else text


def _pct(p: float, low: float | None = None, high: float | None = None, threshold: float | None = None) -> str:
    """A probability as its interval supports (:func:`sim.explore.rounding.supported_percent`), or
    as given when no interval is known (:func:`sim.explore.design.percent`)."""
    from ..explore.design import percent
    from ..explore.rounding import supported_percent

    if not isinstance(p, (int, float)) or math.isnan(p):
        return "–"
    if low is None or high is None:
        return percent(float(p), 0, False)
    return supported_percent(float(p), float(low), float(high), threshold)


def solve_answer(folder: ResultsFolder) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    """(sentences, [(caption, table)]): the answer in the director's words (today's value and its
    chance, what is needed, about as precisely as the search supports), then its bracket and
    uncertainty; the lever by its plain label."""
    from ..explore.design import percent
    from ..explore.rounding import about
    from ..scenario.labels import input_label

    s = solve_settings(folder)
    points = folder.table("solve")
    if not s:
        return [], []
    unit = str(s.get("unit") or "")
    p = float(s.get("probability", math.nan))
    path = str(s.get("lever", "the lever"))
    lever = str(s.get("label") or input_label(path, folder.manifest.get("resolved_scenario")))
    target = s.get("target", "the target")
    word = "largest" if s.get("direction") == "largest" else "smallest"
    asked = percent(p) if math.isfinite(p) else "the probability asked"
    goal = f"target '{target}' is met with probability at least {asked}"
    n = folder.manifest.get("replications")
    per = f" ({counted(n, 'replication')} per value, the same seed at every value)" if isinstance(n, int) else ""
    low, high = s.get("low"), s.get("high")
    hard, easy = (low, high) if word == "smallest" else (high, low)
    status = s.get("status")
    rows = points.sort_values("value", kind="stable") if points is not None else pd.DataFrame()

    def chance(value) -> str | None:
        if rows.empty or value is None:
            return None
        hit = rows[rows["value"] == value]
        return None if hit.empty else _pct(hit["probability"].iloc[0], hit["ci_low"].iloc[0], hit["ci_high"].iloc[0], p)

    sentences = []
    today = s.get("today")
    now = ""
    if isinstance(today, (int, float)):
        now = f"Today {lever} is {lever_value(today, unit)}" + (f", where the chance is {chance(today)}"
                                                                 if chance(today) else ", outside the range searched")
    if status == "solved":
        answer_value = s.get("answer")
        bracket = s.get("bracket") or [None, None]
        straddle = s.get("straddle")
        widths = [b - a for a, b in (bracket, straddle or bracket) if isinstance(a, (int, float)) and
                  isinstance(b, (int, float))] + [float(s.get("tolerance") or 0)]
        rough = about(float(answer_value), max(widths)) if isinstance(answer_value, (int, float)) else "–"
        rough = f"{rough} {unit}" if unit and unit != "share" else rough
        need = "at least" if word == "smallest" else "at most"
        lead = ((f"{now}; " if now else "") + f"{'it' if now else lever} needs to be {need} about {rough} for target "
                f"'{target}' to be met with probability at least {asked}")
        sentences.append(lead[0].upper() + lead[1:] + f"{per}.")
        sentences.append(f"The search found {lever_value(answer_value, unit)} (the {word} value met, bracket "
                         f"{lever_value(bracket[0], unit)} to {lever_value(bracket[1], unit)}, tolerance "
                         f"{lever_value(s.get('tolerance'), unit)}).")
        if straddle:
            sentences.append(f"Uncertainty: from {lever_value(straddle[0], unit)} to {lever_value(straddle[1], unit)}"
                             f" the 95% interval of P contains {asked}, so there the replications cannot tell met "
                             "from missed; more replications (-r) narrow that range.")
        else:
            sentences.append(f"Uncertainty: at no value evaluated does the 95% interval of P contain {asked}.")
    elif status == "met-at-end":
        sentences.append((f"{now}. " if now else "") + f"The target is met even at {lever_value(hard, unit)}, the hard "
                         f"end of the range searched: {goal} already there{per}, so the {word} value is "
                         f"{lever_value(hard, unit)} or beyond the range; widen it to find where the target starts "
                         "to be missed.")
    elif status == "missed":
        best = rows.loc[rows["probability"].idxmax()] if not rows.empty else None
        text = (f"{now}. " if now else "") + (f"Even at {lever_value(easy, unit)}, the easy end of the range searched, "
                                              f"the chance is {chance(easy) or '–'}{per}: no value of {lever} from "
                                              f"{lever_value(low, unit)} to {lever_value(high, unit)} gives {goal}")
        if best is not None and chance(easy) != chance(best["value"]) and best["value"] != easy:
            text += f"; the best reached is {chance(best['value'])} at {lever_value(best['value'], unit)}"
        sentences.append(text + "; widen the range or look at other levers.")
    if s.get("monotone") is False and s.get("monotone_note"):
        sentences.append(f"Warning: {s['monotone_note']}")
    tables = []
    if not rows.empty:
        tables.append((f"Every value evaluated, by value of {lever}: P(target met) with its 95% Wilson interval "
                       "(rounded to what the interval supports)",
                       pd.DataFrame({
                           f"{lever}": [lever_value(v, unit) + ("  (today)" if v == today else "") for v in rows["value"]],
                           "P(met) [95% interval]": [f"{_pct(a, b, c, p)} [{b:.1%} to {c:.1%}]" for a, b, c in
                                                     zip(rows["probability"], rows["ci_low"], rows["ci_high"])],
                           f"meets {asked}": ["met" if bool(m) else "missed" for m in rows["met"]],
                           "step": rows["step"].astype(int).to_numpy(),
                       })))
    return sentences, tables


# --- the cheapest package (solve with several levers) -------------------------------------------


def package_settings(folder: ResultsFolder) -> dict:
    settings = folder.manifest.get("package")
    return settings if isinstance(settings, dict) else {}


def package_answer(folder: ResultsFolder) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    """(sentences, [(caption, table)]): the cheapest package with its P, interval and cost, or that
    none meets the target and the best reached; the Pareto front as a table (frontier.csv)."""
    s = package_settings(folder)
    front = folder.table("frontier")
    if not s:
        return [], []
    levers = [lever for lever in s.get("levers") or [] if isinstance(lever, dict) and "path" in lever]
    units = {lever["path"]: str(lever.get("unit") or "") for lever in levers}
    p = float(s.get("probability", math.nan))
    target = s.get("target", "the target")
    answer = s.get("answer") if isinstance(s.get("answer"), dict) else {}
    from ..scenario.labels import input_labels

    names = input_labels(list(units) + list(answer), folder.manifest.get("resolved_scenario"))
    package = ", ".join(f"{names[path]} = {lever_value(value, units.get(path, ''))}" for path, value in answer.items())
    ci = s.get("answer_ci") or [math.nan, math.nan]
    n = folder.manifest.get("replications")
    per = f" ({counted(n, 'replication')} per package, the same seed for every package)" if isinstance(n, int) else ""
    p_text = (f"P {_pct(float(s.get('answer_probability', math.nan)), ci[0], ci[1], p)} (95% interval {ci[0]:.1%} "
              f"to {ci[1]:.1%})")
    cost = f"{float(s.get('answer_cost_cny', math.nan)):,.0f} CNY"
    if s.get("status") == "solved":
        sentences = [f"The cheapest package found at which target '{target}' is met with probability at least "
                     f"{_pct(p)} is {package}{per}: {p_text}, cost {cost} (public money simulated plus the levers' "
                     "declared costs)."]
    else:
        sentences = [f"No package in the ranges searched meets target '{target}' with probability {_pct(p)}{per}; "
                     f"the best reached is {package}: {p_text}, cost {cost}. Widen the ranges or add levers."]
    sentences.append("The search: a grid of every lever's values, then bisection near the met/missed boundary "
                     "(docs/explore.md); the table lists the trade-off, the packages no cheaper package beats on P.")
    tables = []
    if front is not None and len(front):
        rows = front.sort_values("cost_cny", kind="stable")
        table = {"cost (CNY)": [f"{v:,.0f}" for v in rows["cost_cny"]]}
        for path in units:
            if path in rows.columns:
                table[names[path]] = [lever_value(v, units[path]) for v in rows[path]]
        table["P(met) [95% interval]"] = [f"{_pct(a, b, c, p)} [{b:.1%} to {c:.1%}]" for a, b, c in
                                          zip(rows["probability"], rows["ci_low"], rows["ci_high"])]
        table[f"meets {_pct(p)}"] = ["met" if bool(m) else "missed" for m in rows["met"]]
        tables.append(("The trade-off: the Pareto front of P(target met) against cost", pd.DataFrame(table)))
    return sentences, tables
