"""The answer of an explore, read from its tables and manifest only: what was varied (and a
warning when no policy was), per question (the plan targets first, then energy, peak power, public
cost and carbon) the inputs that decide it with their effect in the outcome's units
(:mod:`sim.explore.answer`, the same as ``capsim explore`` prints), and where each target is
missed (PRIM's box, inputs by their plain labels). Calibration targets are left out unless the
explore was run with ``--include-calibration``.
"""

from __future__ import annotations

import pandas as pd

from .read import ResultsFolder
from .studies import INDEX_LABELS, SHOWN_INPUTS, explore_settings, input_units, main_index, method_of, output_label


def explore_inputs_meta(folder: ResultsFolder) -> list[dict]:
    """The manifest's inputs, each with its plain ``label`` (the manifest's, else derived from the
    path and the resolved scenario: :mod:`sim.scenario.labels`)."""
    from ..scenario.labels import input_labels

    inputs = [dict(i) for i in explore_settings(folder).get("inputs") or () if isinstance(i, dict) and "path" in i]
    derived = input_labels([str(i["path"]) for i in inputs], folder.manifest.get("resolved_scenario"))
    for i in inputs:
        i["label"] = str(i.get("label") or derived[str(i["path"])])
    return inputs


def input_labels_of(folder: ResultsFolder) -> dict[str, str]:
    return {str(i["path"]): i["label"] for i in explore_inputs_meta(folder)}


def targets_meta(folder: ResultsFolder) -> list[dict]:
    scenario = folder.manifest.get("resolved_scenario")
    targets = scenario.get("targets") if isinstance(scenario, dict) else None
    return [t for t in targets or () if isinstance(t, dict) and "name" in t]


def explore_questions(folder: ResultsFolder):
    """(questions, outputs no input moves, calibration targets left out): :func:`sim.explore.answer.questions`
    on the folder's tables."""
    from ..explore.answer import questions

    return questions(folder.table("sensitivity"), folder.table("samples"), explore_inputs_meta(folder),
                     targets_meta(folder), method_of(folder), bool(explore_settings(folder).get("include_calibration")))


SLACK = 0.05
"""An interval reaching beyond the index's range by more than this is flagged (a little is noise)."""


def _flag(index: str, value: float, low: float, high: float, stable: bool) -> str:
    """The table's flag: an unstable index, and the estimate as computed where it (or its interval)
    falls outside the index's possible range (shown clipped)."""
    from ..explore.answer import CLIPPED

    clip = CLIPPED.get(index)
    parts = [] if stable else ["* unstable: more samples needed"]
    outside = pd.notna(value) and not clip[0] <= value <= clip[1] if clip else False
    wide = clip and any(pd.notna(v) and not clip[0] - SLACK <= v <= clip[1] + SLACK for v in (low, high))
    if outside or wide:
        parts.append(f"estimate {value:.3g} [{low:.3g} to {high:.3g}]: outside {clip[0]:g} to {clip[1]:g}, "
                     "estimation noise")
    return "; ".join(parts)


def explore_answer(folder: ResultsFolder) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    """(sentences, [(caption, table)]): what was varied, then per question (the plan targets first,
    then energy, peak power, public cost, carbon) the inputs that decide it with their effect in the
    outcome's units, then where each target is missed (PRIM)."""
    from ..explore.answer import OUTPUT_TITLES, KIND_WORDS, deciding, effect_text, index_text, outcome, value_text, varied_text

    table = folder.table("sensitivity")
    settings = explore_settings(folder)
    method = method_of(folder)
    index = main_index(method)
    n, runs = settings.get("samples"), settings.get("evaluations")
    design = f"{method}, N = {n}" if n is not None else method
    if isinstance(runs, int):
        design += f", {runs:,} samples"
    if isinstance(folder.manifest.get("replications"), int):
        design += f" × {folder.manifest['replications']:,} replications"
    inputs = explore_inputs_meta(folder)
    units = {str(i["path"]): str(i.get("unit") or "") for i in inputs}
    varied, warning = varied_text(inputs, plain=True)
    sentences = [f"{varied[0].upper()}{varied[1:]} ({design})."]
    if warning:
        sentences.append(f"Warning: {warning}.")
    qs, constant, left_out = explore_questions(folder)
    if left_out:
        sentences.append("Left out of this answer and of the search for where targets are missed: the calibration "
                         "target" + ("s " if len(left_out) > 1 else " ") + ", ".join(f"'{t}'" for t in left_out)
                         + " (reported past figures the model should reproduce, checked in the run report; they "
                           "are not goals, and capsim compare never ranks by them: docs/explore.md).")
    tables = []
    for q in qs:
        rows = deciding(q, index)
        what = f"P(target '{q.target}' met)" if q.target else q.title
        if rows.empty:
            sentences.append(f"No input moves {what} much ({index} below 0.01 for every input).")
        else:
            parts = []
            for r in rows.head(3).itertuples():
                unit = units.get(r.parameter, "")
                effect = (f": {outcome(r.low_mean, q.unit)} where it is about {value_text(r.low_value, unit)}, "
                          f"{outcome(r.high_mean, q.unit)} where it is about {value_text(r.high_value, unit)}"
                          if pd.notna(r.low_mean) else "")
                parts.append(f"{r.label} ({index} {index_text(index, r.value, r.ci_low, r.ci_high)}){effect}")
            sentences.append(f"What decides {what}: " + "; ".join(parts) + ".")
        body = pd.DataFrame({
            "rank": q.rows["rank"].to_numpy(), "input": list(q.rows["label"]), "range": list(q.rows["range"]),
            "kind": [KIND_WORDS[r] for r in q.rows["role"]],
            f"{index} [95% interval]": [index_text(index, v, lo, hi) for v, lo, hi in
                                        zip(q.rows["value"], q.rows["ci_low"], q.rows["ci_high"])],
            "input low → high: outcome": [effect_text(r, q.unit, units.get(r.parameter, "")).replace(" -> ", " → ")
                                          for r in q.rows.itertuples()],
            "flag": [_flag(index, v, lo, hi, bool(st)) for v, lo, hi, st in
                     zip(q.rows["value"], q.rows["ci_low"], q.rows["ci_high"], q.rows["stable"])],
        }).head(max(len(rows), 3))
        tables.append((f"What decides {what}: the inputs ranked by {INDEX_LABELS.get(index, index)} for this outcome "
                       "alone (shown clipped to its possible range; the flag gives the estimate as computed where it "
                       "falls outside); input low → high: the input's mean value in its lowest and highest fifth of "
                       "the samples, and the outcome there", body))
    moving = set()
    for q in qs:
        moving |= set(deciding(q, index)["parameter"])
    idle = [i["label"] for i in inputs if i["path"] not in moving]
    if qs and idle:
        many = len(idle) > 1
        sentences.append(f"{len(idle)} input{'s' if many else ''} hardly move{'' if many else 's'} any of these "
                         f"outcomes ({index} below 0.01; can be fixed anywhere in {'their' if many else 'its'} "
                         "range): " + ", ".join(idle) + ".")
    if constant:
        sentences.append("The same in every sample, so no input moves it: "
                         + ", ".join(OUTPUT_TITLES.get(o, (output_label(o),))[0] for o in constant) + ".")
    unstable = int((~table["stable"].astype(bool)).sum()) if "stable" in table.columns else 0
    if unstable:
        sentences.append(f"{unstable} of {len(table)} indices (marked *) have a 95% interval wider than ±0.1"
                         + (" or a negative S1" if method == "sobol" else "")
                         + (f": N = {n} is too small to read them as fact; rerun with --samples {n * 4}."
                            if isinstance(n, int) else ": too few samples to read them as fact."))
    sentences += discovery_sentences(folder)
    return sentences, tables


def missed_shares(folder: ResultsFolder) -> dict[str, float]:
    """Per target: the share of samples whose P(met) is below the explore's probability."""
    samples = folder.table("samples")
    probability = explore_settings(folder).get("probability")
    if samples is None or not isinstance(probability, (int, float)):
        return {}
    return {c[6:-1]: float((samples[c] < probability).mean()) for c in samples.columns
            if c.startswith("p_met[") and c.endswith("]")}


def discovery_sentences(folder: ResultsFolder) -> list[str]:
    """Per target answered: met in every sample, missed in every sample (with what to try), or where
    it is missed (PRIM's box, inputs by their labels)."""
    from ..explore.answer import shortfall_hint, target_order
    from ..explore.design import percent

    probability = explore_settings(folder).get("probability")
    discovery = folder.table("discovery")
    samples = folder.table("samples")
    units = input_units(folder)
    labels = input_labels_of(folder)
    answered = set(target_order(targets_meta(folder), bool(explore_settings(folder).get("include_calibration")))[0])
    goal = f"P(met) ≥ {percent(probability)}" if isinstance(probability, (int, float)) else "the probability asked"
    sentences = []
    for target, share in missed_shares(folder).items():
        if answered and target not in answered:
            continue
        if share == 0:
            sentences.append(f"Target '{target}' reaches {goal} in every sample.")
            continue
        if share == 1:
            column = samples[f"p_met[{target}]"]
            hint = shortfall_hint(float(column.max()), float(probability), float(column.min()))
            sentences.append(f"Target '{target}' misses {goal} in every sample: no combination of the inputs "
                             f"within their ranges meets it; {hint}.")
            continue
        box = pd.DataFrame() if discovery is None else discovery[(discovery["target"] == target)
                                                                 & discovery["chosen"].astype(bool)]
        text = f"Target '{target}' misses {goal} in {percent(share, 0, False)} of the samples"
        if box.empty:
            sentences.append(text + ".")
            continue
        head = box.iloc[0]
        ranges = [box_range(labels.get(r.parameter, r.parameter), r.low, r.high, units.get(r.parameter, ""))
                  for r in box.itertuples() if isinstance(r.parameter, str) and r.parameter]
        stats = (f"that box holds {percent(head.coverage, 0, False)} of the misses (coverage), "
                 f"{percent(head.density, 0, False)} of the samples in it miss (density), and it spans "
                 f"{percent(head.mass, 0, False)} of the samples (PRIM)")
        if ranges:
            sentences.append(f"{text}; the misses gather where {' and '.join(ranges)}: {stats}.")
        else:
            sentences.append(f"{text}; the misses are spread over the whole space explored: no range of the inputs "
                             "holds them.")
    return sentences


def box_range(parameter: str, low: float, high: float, unit: str) -> str:
    """A PRIM box's limit on one input, as the page writes it ('grid headroom ≤ 900 MW')."""
    from ..explore.discovery import range_text

    return range_text(parameter, low, high, unit, at_most="≤", at_least="≥", between="is ")
