"""The answer of an exploration, one question at a time: which inputs decide each plan target, then
each whole-run output, read from the tables (samples, sensitivity, discovery) and a description of
the inputs and targets, so that ``capsim explore``'s printout and the report say the same.

* Inputs are ranked per output by the design's main index, never averaged across outputs (an
  input that decides energy says nothing about the plan). The plan targets come first: the one the
  verdict and ``capsim compare`` judge by (the latest ``role: plan`` target), then the others.
* Calibration targets (``role: calibration``: a reported past figure the model should reproduce)
  are left out of the answer and of PRIM unless asked for (``--include-calibration``): they are
  checks of the model, not goals, and ``capsim compare`` never ranks by them either.
* Each input's effect in the outcome's own units, from the samples: the mean outcome of the samples
  in the lowest fifth of the input's values and in the highest fifth ("FP16 accounting factor 0.16
  -> 0.91: P(met) 0% -> 100%").
* Indices shown clipped to their possible range (Sobol: 0 to 1, Spearman: -1 to 1), the estimate
  and its interval beside when they fall outside, and the stability flag.
* XLRM: a lever on ``policies.*`` is a policy (what the region decides); any other range is an
  assumption or a risk, and a drawn parameter an uncertainty. An exploration without a policy says
  so: its ranking tells which uncertainties matter, not what to do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .design import fmt, percent
from .sensitivity import MAIN_INDEX

RANKED_OUTPUTS = ("energy_mwh", "peak_facility_mw", "public_cost_cny", "carbon_t")
"""Whole-run outputs answered after the plan targets."""
OUTPUT_TITLES = {"energy_mwh": ("facility energy over the horizon", "MWh"),
                 "peak_facility_mw": ("peak facility power", "MW"),
                 "public_cost_cny": ("public cost (subsidy paid + voucher spend)", "CNY"),
                 "carbon_t": ("carbon over the horizon", "t")}
YEAR_TITLES = {"energy_mwh": "facility energy per year", "peak_facility_mw": "peak facility power in the year",
               "total_eflops": "total compute at the year's end"}
"""The plain names of the per-year outputs (``energy_mwh[2027]``: sim.explore.evaluate.key_outputs)."""
KIND_WORDS = {"policy": "policy lever", "assumption": "assumption (ranged)", "uncertainty": "uncertainty (drawn)"}
KIND_PLURALS = {"policy": "policy levers", "assumption": "assumptions (ranged)", "uncertainty": "uncertainties (drawn)"}
FIFTH = 0.2
"""The effect compares the samples in the lowest and the highest fifth of an input's values."""
NEGLIGIBLE = 0.01
"""An input whose index is below this hardly moves the output."""
CLIPPED = {"ST": (0.0, 1.0), "S1": (0.0, 1.0), "spearman": (-1.0, 1.0)}
INDEX_WORDS = {"ST": "total-order Sobol index ST (the share of the outcome's variance the input is involved in)",
               "mu_star": "Morris mu* (the mean change of the outcome over the input's range)",
               "spearman": "Spearman rank correlation"}


def input_role(path: str, kind: str) -> str:
    """policy, assumption or uncertainty (XLRM: only a lever on ``policies.*`` is a policy)."""
    if kind == "uncertainty":
        return "uncertainty"
    return "policy" if path.startswith("policies.") else "assumption"


@dataclass
class Question:
    """One question the exploration answers: what decides ``output``."""

    output: str  # sensitivity.csv's output: "p_met[plan 2026]", "energy_mwh", ...
    title: str  # "target 'plan 2026'" or "peak facility power"
    unit: str  # "share" for a P(met)
    rows: pd.DataFrame  # one row per input, most decisive first (see :func:`questions`)
    target: str | None = None


def target_order(targets: list[dict], include_calibration: bool = False) -> tuple[list[str], list[str]]:
    """(targets answered, in order; calibration targets left out). ``targets``: dicts with name,
    by (YYYY-MM) and role. The latest plan target first (the verdict's), then the other plan
    targets in the file's order; calibration targets last when included."""
    plans = [t for t in targets if (t.get("role") or "plan") != "calibration"]
    calibration = [str(t["name"]) for t in targets if (t.get("role") or "plan") == "calibration"]
    order = [str(t["name"]) for t in plans]
    if plans:
        latest = max(str(t.get("by", "")) for t in plans)
        first = next(str(t["name"]) for t in plans if str(t.get("by", "")) == latest)
        order = [first] + [n for n in order if n != first]
    if include_calibration:
        return order + calibration, []
    return order, calibration


def effects(samples: pd.DataFrame, paths: list[str], column: str) -> pd.DataFrame:
    """Per input: the mean of ``column`` over the samples in the lowest fifth of its values and over
    those in the highest fifth, with the mean input value of each fifth (parameter, low_value,
    high_value, low_mean, high_mean)."""
    rows = []
    y = samples[column].to_numpy(float)
    for path in paths:
        x = samples[path].to_numpy(float)
        low_cut, high_cut = np.quantile(x, [FIFTH, 1 - FIFTH])
        low, high = x <= low_cut, x >= high_cut
        if low.all() or high.all():  # the input takes one value
            rows.append({"parameter": path, "low_value": math.nan, "high_value": math.nan,
                         "low_mean": math.nan, "high_mean": math.nan})
            continue
        rows.append({"parameter": path, "low_value": float(x[low].mean()), "high_value": float(x[high].mean()),
                     "low_mean": float(y[low].mean()), "high_mean": float(y[high].mean())})
    return pd.DataFrame(rows, columns=["parameter", "low_value", "high_value", "low_mean", "high_mean"])


def outcome(value: float, unit: str) -> str:
    """An outcome in words: a share as a percentage, energy in TWh, money in million or billion CNY."""
    if value is None or not math.isfinite(value):
        return "–"
    if unit in ("share", ""):
        return percent(min(max(value, 0.0), 1.0), 0, False)
    if unit == "MWh":
        return f"{short(value / 1e6)} TWh"
    if unit == "CNY":
        return f"{short(value / 1e9)} bn CNY" if abs(value) >= 1e9 else f"{short(value / 1e6)} M CNY"
    if unit == "t" and abs(value) >= 1e6:
        return f"{short(value / 1e6)} Mt"
    return f"{short(value)} {unit}"


def index_text(index: str, value: float, low: float, high: float, stable: bool = True, raw: bool = False) -> str:
    """``0.99 [0.95 to 1.00]``: clipped to the index's possible range; with ``raw``, followed by the
    estimate where it or its interval falls outside (``1.00 [0.93 to 1.00] (estimate 1.04, interval
    0.93 to 1.15: outside 0 to 1)``); ``*`` unstable."""
    clip = CLIPPED.get(index)
    decimals = ".2f" if index != "mu_star" else None

    def show(v: float) -> str:
        if not math.isfinite(v):
            return "–"
        return f"{v:{decimals}}" if decimals else fmt(v)

    def clipped(v: float) -> float:
        return min(max(v, clip[0]), clip[1]) if clip and math.isfinite(v) else v

    text = show(clipped(value))
    if math.isfinite(low) and math.isfinite(high):
        text += f" [{show(clipped(low))} to {show(clipped(high))}]"
    if raw and clip and any(math.isfinite(v) and not clip[0] <= v <= clip[1] for v in (value, low, high)):
        text += f" (estimate {show(value)}, interval {show(low)} to {show(high)}: outside {clip[0]:g} to {clip[1]:g})"
    return text + ("" if stable else " *")


def questions(sensitivity: pd.DataFrame, samples: pd.DataFrame | None, inputs: list[dict], targets: list[dict],
              method: str, include_calibration: bool = False) -> tuple[list[Question], list[str], list[str]]:
    """(the questions answered, in order; the outputs asked about that no input moves; the
    calibration targets left out). ``inputs``: dicts with path, label, kind, low, high, unit.

    A question's rows: rank, parameter, label, role, range, value, ci_low, ci_high, stable,
    shown (:func:`index_text`), low_value, high_value, low_mean, high_mean (:func:`effects`)."""
    index = MAIN_INDEX.get(method, "ST")
    order, left_out = target_order(targets, include_calibration)
    wanted = [(f"p_met[{t}]", f"target '{t}'", "share", t) for t in order]
    wanted += [(o, *OUTPUT_TITLES[o], None) for o in RANKED_OUTPUTS]
    whole = sensitivity[sensitivity["year"].isna() & (sensitivity["index"] == index)]
    meta = {str(i["path"]): i for i in inputs}
    found, constant = [], []
    for output, title, unit, target in wanted:
        rows = whole[whole["output"] == output]
        if rows.empty:
            if target is not None or (samples is not None and output in samples.columns):
                constant.append(output)
            continue
        rows = rows.assign(size=rows["value"].abs()).sort_values("size", ascending=False, kind="stable")
        rows = rows.drop(columns="size").reset_index(drop=True)
        rows.insert(0, "rank", range(1, len(rows) + 1))
        rows["label"] = [str(meta.get(p, {}).get("label") or p) for p in rows["parameter"]]
        rows["role"] = [input_role(p, str(meta.get(p, {}).get("kind") or "lever")) for p in rows["parameter"]]
        rows["range"] = [range_text(meta.get(p, {})) for p in rows["parameter"]]
        rows["shown"] = [index_text(index, v, lo, hi, bool(st)) for v, lo, hi, st in
                         zip(rows["value"], rows["ci_low"], rows["ci_high"], rows["stable"])]
        if samples is not None and output in samples.columns and all(p in samples.columns for p in rows["parameter"]):
            rows = rows.merge(effects(samples, list(rows["parameter"]), output), on="parameter", how="left")
        else:
            rows = rows.assign(low_value=math.nan, high_value=math.nan, low_mean=math.nan, high_mean=math.nan)
        found.append(Question(output, title, unit, rows, target))
    return found, constant, left_out


def range_text(spec: dict) -> str:
    """``435 to 2,117 MW`` (readable numbers, never ``1.175e+04``)."""
    low, high = spec.get("low"), spec.get("high")
    if not isinstance(low, (int, float)) or not isinstance(high, (int, float)):
        return ""
    unit = spec.get("unit") or ""
    return f"{fmt(low)} to {fmt(high)}" + (f" {unit}" if unit and unit != "share" else "")


def short(value: float) -> str:
    """Three significant digits, thousands separated: 0.5248 -> 0.525, 10,065,034 -> 10,100,000."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    digits = 2 - int(math.floor(math.log10(abs(value))))
    return fmt(round(value, digits))


def value_text(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{short(value)} {unit}" if unit and unit != "share" else short(value)


def effect_text(row, unit: str, input_unit: str) -> str:
    """``0.16 -> 0.91: 0% -> 100%``: the input's lowest and highest fifth and the outcome in each."""
    if not (math.isfinite(row.low_mean) and math.isfinite(row.high_mean)):
        return "–"
    return (f"{value_text(row.low_value, input_unit)} -> {value_text(row.high_value, input_unit)}: "
            f"{outcome(row.low_mean, unit)} -> {outcome(row.high_mean, unit)}")


def varied_text(inputs: list[dict], plain: bool = False) -> tuple[str, str | None]:
    """(what was varied, by kind; a warning when no policy was varied, or None). ``plain``: the
    warning for the report page, in words without scenario paths (the printout names them)."""
    roles: dict[str, list[str]] = {}
    for i in inputs:
        roles.setdefault(input_role(str(i["path"]), str(i.get("kind") or "lever")), []).append(
            str(i.get("label") or i["path"]))
    parts = [f"{len(roles[r])} {(KIND_PLURALS if len(roles[r]) > 1 else KIND_WORDS)[r]}"
             for r in ("policy", "assumption", "uncertainty") if r in roles]
    text = "varied: " + ", ".join(parts)
    if "policy" in roles:
        return text, None
    levers = any(str(i.get("kind")) == "lever" for i in inputs)
    names = roles.get("uncertainty", []) + roles.get("assumption", [])
    what = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    head = ("no policy was varied: the levers declared are assumptions and risks, not decisions" if levers
            else "the scenario declares no levers (explore.levers) and none was given with --vary")
    fix = "add policy levers (policies.*) to explore.levers or --vary policies.PATH=LOW:HIGH"
    if plain:
        head = head.replace(" (explore.levers)", " to explore")
        fix = "add policies to the levers of the scenario's explore section, or vary a policy with --vary"
    return text, (f"{head}; only uncertainties and assumptions were varied ({what}), so the ranking says which "
                  f"of them matter, not what to do; {fix}")


def shortfall_hint(best: float, probability: float, worst: float | None = None) -> str:
    """What to try when a target misses ``probability`` in every sample, given the best (and worst)
    P(met) of a sample: a lower ``--probability`` below the best, or (never met, or the same P in
    every sample) wider ranges or other levers."""
    if best <= 0:
        return "it is met in no replication of any sample; widen the ranges or add levers"
    if worst is not None and best - worst < 1e-9:
        return (f"met in {percent(best, 0, False)} of the simulated futures in every sample: no explored input "
                "changes it; explore other levers (explore.levers, --vary) or wider ranges")
    suggest = math.floor(best * 10) / 10
    if suggest <= 0 or suggest >= probability:
        suggest = round(best * 0.9, 2)
    return (f"the best sample reaches P(met) {percent(best, 0, False)}; rerun with --probability {suggest:g} to see "
            "where it comes closest (PRIM needs samples on both sides of the threshold)")


def deciding(question: Question, index: str) -> pd.DataFrame:
    """The rows of inputs that move the output: main index at least :data:`NEGLIGIBLE` (Morris: of the
    largest mu*)."""
    size = question.rows["value"].abs()
    floor = NEGLIGIBLE * float(size.max()) if index == "mu_star" else NEGLIGIBLE
    return question.rows[size >= max(floor, 1e-300)]


def table_lines(header: list[str], body: list[list[str]], left: tuple[int, ...]) -> list[str]:
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    return ["  " + "  ".join(format(c, ("<" if i in left else ">") + str(w)) for i, (c, w) in
                             enumerate(zip(cells, widths))).rstrip() for cells in [header] + body]


def summary_lines(qs: list[Question], constant: list[str], left_out: list[str], method: str,
                  units: dict[str, str], targets_shown: int = 5, others_shown: int = 3) -> list[str]:
    """The printed answer: one block per question (plan targets first), the outputs no input moves,
    the calibration targets left out."""
    index = MAIN_INDEX.get(method, "ST")
    name = {"ST": "ST", "mu_star": "mu*", "spearman": "rho"}[index]
    lines = []
    if left_out:
        lines.append("left out of the answer and of PRIM: calibration target"
                     + ("s " if len(left_out) > 1 else " ") + ", ".join(repr(t) for t in left_out)
                     + " (a reported past figure the model should reproduce, not a goal; --include-calibration "
                       "ranks by it)")
    lines.append(f"inputs ranked per outcome by the {INDEX_WORDS[index]}, never averaged across outcomes; "
                 "effect: the mean outcome over the samples in the input's lowest and highest fifth")
    for q in qs:
        what = "P(met)" if q.unit == "share" else q.title
        rows = deciding(q, index)
        head = f"{q.title}: what decides {what}" if q.target else f"{q.title}: what decides it"
        if rows.empty:
            lines.append(f"{head}: no input moves it much ({name} below {NEGLIGIBLE} for every input)")
            continue
        lines.append(head)
        shown = rows.head(targets_shown if q.target else others_shown)
        body = [[str(r.rank), r.label + ("*" if not r.stable else ""), r.range, KIND_WORDS[r.role], r.shown.rstrip(" *"),
                 effect_text(r, q.unit, units.get(r.parameter, ""))] for r in shown.itertuples()]
        column = f"{name} ({'share 0-1' if q.unit == 'share' else q.unit})" if index == "mu_star" else name
        lines += table_lines(["rank", "input", "range", "kind", f"{column} [95% interval]", "effect"], body, (1, 2, 3, 5))
        rest = len(q.rows) - len(shown)
        if rest:
            moving = len(rows) - len(shown)
            lines.append(f"  ... {rest} more" + (f" ({moving} of them with {name} >= {NEGLIGIBLE})" if moving else
                                                 f", none with {name} >= {NEGLIGIBLE}") + ": sensitivity.csv")
    if constant:
        lines.append("the same in every sample, so no input moves it: " + ", ".join(
            f"P({o[6:-1]!r} met)" if o.startswith("p_met[") else OUTPUT_TITLES.get(o, (o,))[0] for o in constant))
    return lines
