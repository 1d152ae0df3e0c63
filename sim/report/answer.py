"""The report's answer: one or two sentences and the key figures, computed from the tables only.

Every figure across replications is shown as ``P50 [P10–P90]`` (a single number when the three
agree), and every EFLOPS figure carries the accounting basis it is on. Where the tables hold only
per-month or per-year quantiles, a figure over the whole horizon is the **mean** (means add up;
medians do not), and says so.

* a run: for each plan target, the probability it is met by its month and when it is first met;
* a comparison: which variant does best by the ranking and by how much, with its 95% interval
  (:mod:`sim.report.ranking`);
* an explore: the inputs that decide the outcome and where a target is missed, and
* a solve: the answer and its uncertainty (both :mod:`sim.report.studies`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .decisions import robustness_parts, verdict_sentence, views_sentence
from .ranking import compare_answer, other_kinds
from .read import ResultsFolder
from .explore_answer import explore_answer
from .studies import package_answer, solve_answer
from ..analysis.criteria import TABLE_ROWS
from ..scenario.criteria import CRITERIA, FORMER
from .text import band, criteria_text, number, pick_variant, rows_of, value_at

CLASS_METRICS = (("general_eflops", "general compute"), ("intelligent_eflops", "intelligent (AI) compute"),
                 ("supercomputing_eflops", "supercomputing"))


@dataclass(frozen=True)
class KeyFigure:
    """One key figure: what it is, its value (P50 [P10–P90] or a mean), unit and a note (basis)."""

    label: str
    value: str
    unit: str
    note: str = ""


@dataclass
class Answer:
    """What the top of the page says."""

    sentences: list[str]
    figures: list[KeyFigure] = field(default_factory=list)
    years: pd.DataFrame | None = None  # per calendar year: energy, carbon, public money (P50 [P10–P90])
    ranking: pd.DataFrame | None = None  # a comparison's runs, best first
    ranked_by: str = ""  # what the ranking ranks by, in words
    calibration: pd.DataFrame | None = None  # role: calibration targets against the model
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # (caption, table) under the sentences


def answer(folder: ResultsFolder) -> Answer:
    """The answer for the folder's kind of run (see the module docstring)."""
    if folder.kind == "solve" and folder.table("solve") is not None:
        sentences, tables = solve_answer(folder)
        result = Answer(sentences, tables=tables)
    elif folder.kind == "solve" and folder.table("frontier") is not None:
        sentences, tables = package_answer(folder)
        result = Answer(sentences, tables=tables)
    elif folder.kind == "explore" and folder.table("sensitivity") is not None:
        sentences, tables = explore_answer(folder)
        result = Answer(sentences, tables=tables)
    elif folder.kind == "compare" and folder.table("compare") is not None:
        sentences, ranking, ranked_by = compare_answer(folder)
        robust, tables = robustness_parts(folder)
        result = Answer(sentences + robust, ranking=ranking, ranked_by=ranked_by, tables=tables + other_kinds(folder))
    else:
        result = Answer(target_sentences(folder))
    if folder.kind in ("run", "compare"):
        ranked = folder.manifest.get("rank_by")
        verdict = verdict_sentence(folder, ranked if isinstance(ranked, str) else None)
        if verdict is not None:  # the verdict opens the answer (sim.analysis.verdict)
            result.sentences.insert(0, verdict)
            views = views_sentence(folder, ranked if isinstance(ranked, str) else None)
            result.sentences[1:1] = [views] if views else []
    if folder.table("monthly") is not None:
        result.figures = key_figures(folder)
        result.years = per_year(folder)
        result.calibration = calibration(folder)
    if not result.sentences:
        result.sentences = ["The folder holds no table this report can answer from."]
    return result


# --- a run ------------------------------------------------------------------------------------


def replications_text(folder: ResultsFolder) -> str:
    n = folder.manifest.get("replications")
    return f"{n:,} simulated futures" if isinstance(n, int) and n > 1 else "the simulated future"


def target_sentences(folder: ResultsFolder, variant: str | None = None) -> list[str]:
    """One sentence per plan target: probability met by its month, when first met, capacity then."""
    targets, monthly = folder.table("targets"), folder.table("monthly")
    if targets is None and monthly is None:
        return []
    rows = pick_variant(targets if targets is not None else monthly, variant)
    specs = {s["name"]: s for s in folder.target_specs}
    chosen = rows["variant"].iloc[0] if "variant" in rows.columns and len(rows) else variant
    basis = folder.accounting_label(chosen)
    sentences = []
    for _, row in (rows.iterrows() if targets is not None else ()):
        spec = specs.get(row["target"], {})
        if spec.get("role", row.get("role", "plan")) == "calibration" or row.get("role") == "calibration":
            continue
        p = float(row["probability"])
        where = f"'{row['target']}'" + (f" ({criteria_text(spec)})" if criteria_text(spec) else "")
        single = folder.manifest.get("replications") == 1  # no spread: met or missed, never a share or a median
        text = (f"Target {where} by {row['by']}: {'met' if p >= 1 else 'missed'} in the one simulated future" if single
                else f"Target {where} by {row['by']}: met in {p:.0%} of {replications_text(folder)}")
        reached = [str(row.get(c, "")) for c in ("reached_p10", "reached_p50", "reached_p90")]
        start = str((folder.scenario.get("horizon") or {}).get("start", ""))
        if start and reached[1] == start:  # the model starts there: not a date on which anything happened
            text += "; already met at the start"
        elif reached[1] and reached[1] != "never":
            spread = f" (P10–P90: {reached[0]} to {reached[2]})" if reached[0] != reached[2] else ""
            text += f"; first met in {reached[1]}" if single else f"; in the median future first met in {reached[1]}{spread}"
        elif reached[1] == "never":
            text += "; not met within the horizon" if single else "; in the median future not met within the horizon"
        if monthly is not None:
            total = value_at(pick_variant(monthly, chosen), "total_eflops", row["by"])
            if total is not None:
                text += f". Total compute in {row['by']}: {band(*total)} EFLOPS, {basis}"
        others = _criterion_figures(folder, chosen, spec, str(row["by"]))
        if others:
            text += ". " + others[0].upper() + others[1:]
        sentences.append(text + ".")
    if not sentences and monthly is not None:
        rows = pick_variant(monthly, variant)
        last = rows["month"].iloc[-1]
        total = value_at(rows, "total_eflops", last)
        if total is not None:
            sentences.append(f"The scenario sets no plan target; by {last} total compute reaches {band(*total)} "
                             f"EFLOPS, {basis}.")
    return sentences


def criterion_value(folder: ResultsFolder, variant: str | None, name: str, by: str) -> tuple[float, float, float] | None:
    """(P50, P10, P90) of criterion ``name``'s measure at month ``by`` (monthly.csv) or in its year
    (annual.csv), as :data:`~sim.analysis.criteria.TABLE_ROWS` says; None without the row."""
    table, metric = TABLE_ROWS[name]
    rows = folder.table(table)
    if rows is None:
        return None
    rows = pick_variant(rows, variant)
    if table == "annual":
        rows = rows[rows["year"].astype(str) == by[:4]].assign(month=by)
    return value_at(rows, metric, by)


def _criterion_figures(folder: ResultsFolder, variant: str | None, spec: dict, by: str) -> str:
    """The run's figure for each criterion of ``spec`` other than total EFLOPS and the AI share,
    P50 [P10–P90] from monthly.csv at ``by`` or annual.csv in its year (TABLE_ROWS); '' if none."""
    parts = []
    for name in CRITERIA:
        if name in ("total_eflops", "intelligent_share") or not isinstance(spec.get(name), (int, float)):
            continue
        value = criterion_value(folder, variant, name, by)
        if value is None or any(v != v for v in value):  # NaN: undefined (no IT online, no energy)
            continue
        c = CRITERIA[name]
        scaled = [v * c.scale for v in value]
        fmt = ".3f" if name == "pue" else ".1f" if c.shown_unit in ("%", "MW") else ",.2f" if c.shown_unit == "EFLOPS" \
            else ",.0f"
        unit = "" if not c.shown_unit else ("%" if c.shown_unit == "%" else f" {c.shown_unit}")
        when = f"in {by[:4]}" if c.when == "year" else f"to {by}" if c.when == "cumulative" else f"in {by}"
        parts.append(f"{c.label} {when}: {band(*scaled, fmt=fmt)}{unit}")
    return "; ".join(parts)


def key_figures(folder: ResultsFolder, variant: str | None = None) -> list[KeyFigure]:
    """Capacity by class and AI share at the horizon's end, peak facility power, totals over the horizon."""
    monthly = pick_variant(folder.table("monthly"), variant)
    chosen = monthly["variant"].iloc[0] if "variant" in monthly.columns and len(monthly) else variant
    basis = folder.accounting_label(chosen)
    end = monthly["month"].iloc[-1]
    figures = []
    total = value_at(monthly, "total_eflops", end)
    if total is not None:
        figures.append(KeyFigure(f"total compute, {end}", band(*total), "EFLOPS", basis))
    for metric, label in CLASS_METRICS:
        value = value_at(monthly, metric, end)
        if value is not None and any(v for v in value):
            figures.append(KeyFigure(f"{label}, {end}", band(*value), "EFLOPS", basis))
    share = value_at(monthly, "intelligent_share", end)
    if share is not None:
        figures.append(KeyFigure(f"AI share of compute, {end}", band(*(v * 100 for v in share), fmt=".1f"), "%",
                                 f"of EFLOPS {basis}"))
    power = rows_of(monthly, "facility_mw")
    if not power.empty:
        peak = power.loc[power["p50"].idxmax()]
        figures.append(KeyFigure("peak monthly facility power", band(peak["p50"], peak["p10"], peak["p90"], ",.0f"),
                                 "MW", f"in {peak['month']}, the month with the highest "
                                 + ("value" if folder.manifest.get("replications") == 1 else "median")))
    annual = pick_variant(folder.table("annual"), chosen) if folder.table("annual") is not None else None
    if annual is not None and "mean" in annual.columns:
        for metric, label, unit, scale in (("energy_mwh", "energy over the horizon", "TWh", 1e-6),
                                           ("public_cny", "public money over the horizon", "bn CNY", 1e-9),
                                           ("carbon_t", "carbon over the horizon", "Mt CO2", 1e-6)):
            total_mean = _horizon_mean(annual, metric)
            if total_mean is not None and (metric == "energy_mwh" or total_mean > 0):
                note = "mean across replications" if folder.manifest.get("replications") != 1 else "one replication"
                note += " (subsidy paid + vouchers)" if metric == "public_cny" else ""
                figures.append(KeyFigure(label, number(total_mean * scale, ",.2f"), unit, note))
    return figures


def _horizon_mean(annual: pd.DataFrame, metric: str) -> float | None:
    names = ("subsidy_cny", "voucher_cny") if metric == "public_cny" else (metric,)
    rows = annual[annual["metric"].isin(names)]
    return None if rows.empty else float(rows["mean"].sum())


YEAR_COLUMNS = (("energy_mwh", "energy TWh", 1e-6, ",.2f"), ("facility_mw", "facility power MW (energy-weighted)", 1.0,
                ",.0f"), ("carbon_t", "carbon Mt CO2", 1e-6, ",.2f"), ("subsidy_cny", "subsidy paid M CNY", 1e-6,
                ",.0f"), ("voucher_cny", "vouchers M CNY", 1e-6, ",.0f"))


def per_year(folder: ResultsFolder, variant: str | None = None) -> pd.DataFrame | None:
    """Energy, power, carbon and public money per calendar year, P50 [P10–P90], from annual.csv."""
    annual = folder.table("annual")
    if annual is None:
        return None
    annual = pick_variant(annual, variant)
    out = pd.DataFrame({"year": sorted(annual["year"].unique())})
    for metric, label, scale, fmt in YEAR_COLUMNS:
        rows = rows_of(annual, metric, "year")
        if rows.empty or (metric != "energy_mwh" and not rows["p90"].abs().sum()):
            continue
        rows = rows.set_index("year")
        out[label] = [band(rows.at[y, "p50"] * scale, rows.at[y, "p10"] * scale, rows.at[y, "p90"] * scale, fmt)
                      if y in rows.index else "" for y in out["year"]]
    return out


def calibration(folder: ResultsFolder, variant: str | None = None) -> pd.DataFrame | None:
    """Each ``role: calibration`` target against the model: the reported figure, the model's P50
    [P10–P90] in that month, the P50's difference to the figure, and whether the figure lies in the band."""
    specs = [s for s in folder.target_specs if s["role"] == "calibration"]
    monthly = folder.table("monthly")
    if not specs or monthly is None:
        return None
    monthly = pick_variant(monthly, variant)
    rows = []
    for spec in specs:
        for metric, figure in _criteria(spec).items():
            value = (value_at(monthly, metric, spec["by"]) if metric in FORMER
                     else criterion_value(folder, variant, metric, spec["by"]))
            if value is None or any(v != v for v in value):
                continue
            p50, p10, p90 = value
            scale, unit = (100.0, "%") if metric == "intelligent_share" else (1.0, "EFLOPS")
            if metric not in FORMER:
                scale, unit = CRITERIA[metric].scale, CRITERIA[metric].shown_unit
            slack = 1e-9 * max(abs(figure), 1.0)  # a figure met exactly, give or take float rounding
            inside = p10 - slack <= figure <= p90 + slack
            rows.append({
                "check": spec["name"], "month": spec["by"], "metric": metric,
                "reported": f"{number(figure * scale)} {unit}",
                "model P50 [P10–P90]": f"{band(p50 * scale, p10 * scale, p90 * scale)} {unit}",
                "P50 vs reported": f"{(p50 / figure - 1) * 100:+.1f}%" if figure else "",
                "reported figure within P10–P90": "yes" if inside else ("no: model above" if p10 > figure
                                                                       else "no: model below"),
                "source": spec.get("source") or "",
            })
    if rows and folder.manifest.get("replications") == 1:  # no spread: the value, and whether it is the figure
        names = {"model P50 [P10–P90]": "model (one replication)", "P50 vs reported": "model vs reported",
                 "reported figure within P10–P90": "reported figure reproduced"}
        return pd.DataFrame(rows).rename(columns=names)
    return pd.DataFrame(rows) if rows else None


def _criteria(spec: dict) -> dict[str, float]:
    return {n: float(spec[n]) for n in CRITERIA if isinstance(spec.get(n), (int, float))}
