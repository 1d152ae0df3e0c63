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
from .answer import questions, summary_lines, target_order, varied_text
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
    include_calibration: bool = False  # calibration targets in the answer and PRIM

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

    @property
    def labels(self) -> dict[str, str]:
        """{input path: its plain label} (the declared ``label:``, else derived from the path)."""
        from ..scenario.labels import input_labels

        return input_labels([i.path for i in self.design.inputs], self.scenario)

    @property
    def inputs_meta(self) -> list[dict]:
        """The inputs as the manifest lists them: path, label, kind, low, high, unit, where."""
        labels = self.labels
        return [{"path": i.path, "label": labels[i.path], "kind": i.kind, "low": i.low, "high": i.high,
                 "unit": i.unit, "where": i.where} for i in self.design.inputs]

    @property
    def targets_meta(self) -> list[dict]:
        return [{"name": t.name, "by": t.by, "role": t.role} for t in self.scenario.targets]

    def answered_targets(self) -> list[str]:
        """The targets the answer and PRIM are about (calibration ones only with ``include_calibration``)."""
        return target_order(self.targets_meta, self.include_calibration)[0]

    def summary_text(self) -> str:
        """What ``capsim explore`` prints: the design, what was varied (a warning when no policy was),
        the inputs ranked per question (plan targets first), stability, PRIM boxes."""
        d = self.design
        k = len(d.inputs)
        lines = [f"{self.scenario.name}: {d.method}, N = {d.samples}, {k} inputs -> {len(d):,} samples x "
                 f"{self.replications:,} replications (common random numbers), seed {self.seed}"]
        inputs = self.inputs_meta
        varied, warning = varied_text(inputs)
        lines.append(varied)
        if warning:
            lines.append(f"warning: {warning}")
        qs, constant, left_out = questions(self.sensitivity, self.samples, inputs, self.targets_meta, d.method,
                                           self.include_calibration)
        units = {i.path: i.unit for i in d.inputs}
        lines += summary_lines(qs, constant, left_out, d.method, units)
        unstable = int((~self.sensitivity["stable"]).sum())
        if unstable:
            lines.append(f"* unstable: {unstable} of {len(self.sensitivity)} indices have a 95% interval wider than "
                         f"+-0.1{' or a negative S1' if d.method == 'sobol' else ''}: N = {d.samples} is too small "
                         f"to read them as fact; rerun with --samples {d.samples * 4}")
        shares = {t: v for t, v in self.missed_share().items() if t in self.answered_targets()}
        samples = self.samples
        best = {t: float(samples[f"p_met[{t}]"].max()) for t in shares}
        worst = {t: float(samples[f"p_met[{t}]"].min()) for t in shares}
        lines.extend(discovery_summary(self.discovery, shares, units, self.labels, best, self.probability, worst))
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
            memory_limit_bytes: int | None = None, include_calibration: bool = False) -> Exploration:
    """Explore ``scenario``: vary its drawn parameters, its ``explore.levers`` and ``vary``
    (``"PATH=LOW:HIGH"``) with ``method`` (sobol, morris, lhs) and ``samples`` (N), run every sample
    for ``replications`` with ``seed`` (common random numbers), and analyse (see the module).
    Calibration targets (``role: calibration``) are left out of PRIM and of the printed answer
    unless ``include_calibration``."""
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
        discovery=discovery_table(design, outputs, means, probability, targets=target_order(
            [{"name": t.name, "by": t.by, "role": t.role} for t in scenario.targets], include_calibration)[0]),
        info={"evaluations": evaluations(method, samples, len(inputs))}, include_calibration=bool(include_calibration),
    )
