"""An exploration from start to end: inputs -> design -> samples run -> indices and PRIM boxes.

:func:`explore` is what ``capsim explore`` calls: it collects the inputs
(:func:`sim.explore.design.explore_inputs`), samples them (SALib), runs every sample for the same
replications with common random numbers (:class:`sim.explore.evaluate.Evaluator`, one worker
pool for all), and computes the indices (:mod:`.sensitivity`) and the boxes in which targets are
missed (:mod:`.discovery`). Every bad argument is refused before the first run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..scenario.schema import Scenario
from ..run.memory import check_design_memory
from .design import DEFAULT_METHOD, DEFAULT_REPLICATIONS, Design, check_method, evaluations, explore_inputs, fmt, make_design, sample_scenarios, DEFAULT_SAMPLES
from .discovery import discovery_summary, discovery_table, missed
from .evaluate import Evaluator, Output, output_specs
from .sensitivity import MAIN_INDEX, ranking, sensitivity_table
from .solve import DEFAULT_PROBABILITY, check_probability

CHUNK = 64
"""Samples whose scenarios are built at a time (each is a full scenario)."""
RANKED_OUTPUTS = ("energy_mwh", "peak_facility_mw", "public_cost_cny", "carbon_t")
"""Whole-run outputs the printed ranking shows, after each target's P(met)."""
SHOWN_INPUTS = 12


@dataclass
class Exploration:
    """What :func:`explore` returns: the design, the per-sample outputs and the analyses."""

    scenario: Scenario
    design: Design
    outputs: list[Output]
    means: np.ndarray  # (samples, outputs)
    replications: int
    seed: int
    probability: float
    sensitivity: pd.DataFrame
    discovery: pd.DataFrame
    info: dict = field(default_factory=dict)

    @property
    def samples(self) -> pd.DataFrame:
        """samples.csv: one row per sample: its inputs (by path) and its key outputs (means over
        the replications; ``p_met[...]`` is the share that met the target)."""
        columns = {"sample": np.arange(len(self.design))}  # made at once: column by column, pandas warns
        for j, inp in enumerate(self.design.inputs):   # "highly fragmented" beyond 100 columns
            columns[inp.path] = self.design.values[:, j]
        for j, out in enumerate(self.outputs):
            columns[out.column] = self.means[:, j]
        return pd.DataFrame(columns)

    @property
    def ranked_outputs(self) -> list[str]:
        names = [o.output for o in self.outputs if o.output.startswith("p_met[")]
        return names + [o for o in RANKED_OUTPUTS if any(x.output == o for x in self.outputs)]

    def ranking(self) -> pd.DataFrame:
        return ranking(self.sensitivity, self.design.method, self.ranked_outputs)

    def most_influential(self, output: str, n: int = 2) -> list[str]:
        """The ``n`` inputs with the largest main index for ``output`` (whole run)."""
        index = MAIN_INDEX[self.design.method]
        rows = self.sensitivity[(self.sensitivity["output"] == output) & (self.sensitivity["index"] == index)
                                & self.sensitivity["year"].isna()]
        rows = rows.assign(size=rows["value"].abs()).sort_values("size", ascending=False, kind="stable")
        return list(rows["parameter"][:n])

    def missed_share(self) -> dict[str, float]:
        return {t: float(y.mean()) for t, y in missed(self.outputs, self.means, self.probability).items()}

    def summary_text(self) -> str:
        """What ``capsim explore`` prints: the design, the inputs ranked, stability, PRIM boxes."""
        d = self.design
        k = len(d.inputs)
        lines = [f"{self.scenario.name}: {d.method}, N = {d.samples}, {k} inputs -> {len(d):,} samples x "
                 f"{self.replications:,} replications (common random numbers), seed {self.seed}"]
        index = MAIN_INDEX[d.method]
        label = {"ST": "total-order Sobol index ST",
                 "mu_star": "Morris mu* as a share of the largest mu* per output (the columns show mu* itself: "
                            "the mean absolute change of the output over the input's range, in the column's unit)",
                 "spearman": "Spearman rank correlation"}[index]
        table = self.ranking()
        outputs = [c for c in table.columns if c not in ("rank", "parameter", "score", "unstable")]
        constant = [o for o in self.ranked_outputs if o not in outputs]
        lines.append(f"inputs ranked by {label}, averaged over: {', '.join(outputs) or 'no output that varies'}")
        if constant:
            lines.append(f"no indices (the same in every sample): {', '.join(constant)}")
        inputs = {i.path: i for i in d.inputs}
        header = ["rank", "input", "range"] + [_short(o) for o in outputs]
        if index == "mu_star":  # mu* is in each output's own unit: say which
            units = {o.output: o.unit for o in self.outputs}
            header[3:] = [f"{h} mu* ({_unit_label(units.get(o, ''))})" for h, o in zip(header[3:], outputs)]
        body = []
        for _, row in table.head(SHOWN_INPUTS).iterrows():
            cells = [str(row["rank"]), row["parameter"] + ("*" if row["unstable"] else ""),
                     inputs[row["parameter"]].describe()]
            cells += ["-" if _nan(row[o]) else fmt(row[o]) if index == "mu_star" else f"{row[o]:.2f}" for o in outputs]
            body.append(cells)
        if len(table) > SHOWN_INPUTS:
            body.append(["", f"... {len(table) - SHOWN_INPUTS} more in sensitivity.csv", ""] + [""] * len(outputs))
        widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
        for cells in [header] + body:
            lines.append("  ".join(format(c, ("<" if i in (1, 2) else ">") + str(w))
                                   for i, (c, w) in enumerate(zip(cells, widths))).rstrip())
        unstable = int((~self.sensitivity["stable"]).sum())
        if unstable:
            lines.append(f"* unstable: {unstable} of {len(self.sensitivity)} indices have a 95% interval wider than "
                         f"+-0.1{' or a negative S1' if d.method == 'sobol' else ''}: N = {d.samples} is too small "
                         f"to read them as fact; rerun with --samples {d.samples * 4}")
        units = {i.path: i.unit for i in d.inputs if i.unit and i.unit != "share"}
        lines.extend(discovery_summary(self.discovery, self.missed_share(), units))
        return "\n".join(lines)


def _unit_label(unit: str) -> str:
    """The unit of a Morris mu* column: a P(met)'s change is a share of replications (0-1)."""
    return "share 0-1" if unit in ("", "share") else unit


def _short(output: str) -> str:
    return output.replace("p_met[", "P(met) ").rstrip("]") if output.startswith("p_met[") else output


def _nan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def explore(scenario: Scenario, vary: Sequence[str] = (), method: str = DEFAULT_METHOD, samples: int | None = None,
            replications: int = DEFAULT_REPLICATIONS, seed: int = 0, probability: float = DEFAULT_PROBABILITY, *,
            jobs: int = 1, executor: Executor | None = None, progress: Callable[[int], None] | None = None,
            memory_limit_bytes: int | None = None) -> Exploration:
    """Explore ``scenario``: vary its drawn parameters, its ``explore.levers`` and ``vary``
    (``"PATH=LOW:HIGH"``) with ``method`` (sobol, morris, lhs) and ``samples`` (N), run every sample
    for ``replications`` with ``seed`` (common random numbers), and analyse (see the module)."""
    samples = DEFAULT_SAMPLES.get(method, 2) if samples is None else samples
    check_method(method, samples)
    check_probability(probability)
    inputs = explore_inputs(scenario, vary)
    outputs = output_specs(scenario)
    check_design_memory(evaluations(method, samples, len(inputs)), len(inputs), len(outputs), samples,
                        memory_limit_bytes)
    design = make_design(inputs, method, samples, seed)
    parts = []
    with Evaluator(replications, seed, jobs=jobs, executor=executor, progress=progress,
                   memory_limit_bytes=memory_limit_bytes) as evaluator:
        for chunk in sample_scenarios(scenario, design, CHUNK):
            parts.append(evaluator.means(chunk))
    means = np.concatenate(parts, axis=0)
    return Exploration(
        scenario=scenario, design=design, outputs=outputs, means=means, replications=int(replications),
        seed=int(seed), probability=float(probability),
        sensitivity=sensitivity_table(design, outputs, means, seed),
        discovery=discovery_table(design, outputs, means, probability),
        info={"evaluations": evaluations(method, samples, len(inputs))},
    )
