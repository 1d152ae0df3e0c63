"""Output stage for ``capsim explore`` and ``capsim solve``: their tables, manifest and plots,
written atomically (a temporary folder renamed into place, as :mod:`sim.output.tables` does)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from .. import plots
from ..explore.package import PackageSolution
from ..explore.solve import Solution
from ..explore.study import Exploration
from ..scenario.schema import Scenario
from ..scenario.validate import origin_of
from .plotfiles import save_figure
from .destination import WRITTEN_BY
from .provenance import provenance
from .tables import NOTHING_APPLIED, publish_tables, scenario_entry, scenario_files, utc_now


def _manifest(scenario: Scenario, command: list[str] | None, started: str | None, **entries) -> dict:
    origin = origin_of(scenario)
    return {
        "written_by": WRITTEN_BY,
        "scenario": scenario_entry(scenario),
        "applied": origin.applied if origin and origin.applied else NOTHING_APPLIED,
        **entries,
        **provenance(),
        "command": command if command is not None else sys.argv,
        "started": started or utc_now(),
        "finished": utc_now(),
        "resolved_scenario": scenario.model_dump(mode="json", by_alias=True),
    }


def solution_manifest(solution: Solution, scenario: Scenario, command: list[str] | None = None,
                      started: str | None = None) -> dict:
    return _manifest(
        scenario, command, started,
        solve={"lever": solution.lever, "unit": solution.unit, "target": solution.target,
               "probability": solution.probability, "direction": solution.direction, "low": solution.low,
               "high": solution.high, "tolerance": solution.tolerance, "status": solution.status,
               "answer": solution.answer, "bracket": list(solution.bracket),
               "straddle": list(solution.straddle) if solution.straddle else None,
               "monotone": solution.monotone, "monotone_note": solution.monotone_note,
               "label": solution.label, "today": solution.today, "director": solution.director_text()},
        seed=solution.seed, replications=solution.replications,
    )


def draw_solution(solution: Solution, folder: Path, fmt: str = "png") -> list[Path]:
    """plots/solve.png: P(met) against the lever (with a font for names DejaVu Sans cannot draw,
    or one warning: :func:`sim.plots.font_context`)."""
    with plots.font_context([solution.target, solution.lever, solution.label, solution.unit]):
        return _draw_solution(solution, folder, fmt)


def _draw_solution(solution: Solution, folder: Path, fmt: str = "png") -> list[Path]:
    fig = plots.solve_curve(solution.points, solution.label or solution.lever, solution.unit, solution.target,
                            solution.probability, solution.answer if solution.status == "solved" else None,
                            today=solution.today, answer_text=solution.answer_about() if solution.answer is not None
                            else None)
    out = folder / "plots"
    out.mkdir(parents=True, exist_ok=True)
    save_figure(fig, out / f"solve.{fmt}", fmt)
    return [out / f"solve.{fmt}"]


def exploration_manifest(exploration: Exploration, command: list[str] | None = None,
                         started: str | None = None) -> dict:
    d = exploration.design
    labels = exploration.labels
    inputs = [{"path": i.path, "label": labels[i.path], "kind": i.kind, "low": i.low, "high": i.high, "unit": i.unit,
               "where": i.where, "distribution": getattr(i.dist, "dist", None) if i.dist is not None else "uniform"}
              for i in d.inputs]
    return _manifest(
        exploration.scenario, command, started,
        explore={"method": d.method, "samples": d.samples, "evaluations": len(d), "inputs": inputs,
                 "probability": exploration.probability, "include_calibration": exploration.include_calibration},
        seed=exploration.seed, replications=exploration.replications,
    )


def draw_exploration(exploration: Exploration, folder: Path, fmt: str = "png") -> list[Path]:
    """plots/: one bar chart per whole-run output with indices (``sensitivity-<output>``), one
    heatmap per time-dependent output (``years-<output>``), and P(met) against the two most
    influential inputs per target (``pmet-<target>``); each name's part is
    :func:`sim.explore.sensitivity.slugs` (distinct for distinct names); with a font for names
    DejaVu Sans cannot draw, or one warning (:func:`sim.plots.font_context`)."""
    names = [exploration.scenario.name, *(o.output for o in exploration.outputs),
             *(i.path for i in exploration.design.inputs), *exploration.labels.values()]
    with plots.font_context(names):
        return _draw_exploration(exploration, folder, fmt)


def _draw_exploration(exploration: Exploration, folder: Path, fmt: str = "png") -> list[Path]:
    from ..explore.sensitivity import MAIN_INDEX, slugs

    table, samples = exploration.sensitivity, exploration.samples
    _slug = slugs(table["output"]).__getitem__
    targets = slugs(o[6:-1] for o in table["output"] if o.startswith("p_met["))
    units = {o.output: o.unit for o in exploration.outputs if o.unit not in ("", "share")}
    inputs_units = {i.path: i.unit for i in exploration.design.inputs if i.unit not in ("", "share")}
    labels = exploration.labels
    figures = {}
    whole = table[table["year"].isna()]
    for output in dict.fromkeys(whole["output"]):
        figures[f"sensitivity-{_slug(output)}"] = plots.sensitivity_bars(table, output, units.get(output, ""),
                                                                         labels=labels)
    index = MAIN_INDEX[exploration.design.method]
    for output in dict.fromkeys(table[table["year"].notna()]["output"]):
        figures[f"years-{_slug(output)}"] = plots.sensitivity_heatmap(table, output, index, units.get(output, ""),
                                                                      labels=labels)
    discovery = exploration.discovery
    answered = exploration.answered_targets()
    for output in [o for o in dict.fromkeys(whole["output"]) if o.startswith("p_met[") and o[6:-1] in answered]:
        chosen = discovery[(discovery["target"] == output[6:-1]) & discovery["chosen"].astype(bool)]
        box = {r.parameter: (r.low, r.high) for r in chosen.itertuples() if isinstance(r.parameter, str) and r.parameter}
        ranked = exploration.most_influential(output, len(exploration.design.inputs))
        pair = ([p for p in ranked if p in box] + [p for p in ranked if p not in box])[:2]
        if len(pair) == 2:
            figures[f"pmet-{targets[output[6:-1]]}"] = plots.pmet_map(samples, pair[0], pair[1], output[6:-1],
                                                                   exploration.probability, inputs_units,
                                                                   labels=labels, box=box)
    out = folder / "plots"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in figures.items():
        save_figure(fig, out / f"{name}.{fmt}", fmt)
        written.append(out / f"{name}.{fmt}")
    return written


def _hooks(draw: Callable[[Path], object] | None, then: Callable[[Path], object] | None):
    """One hook running ``draw`` then ``then`` on the folder before it is published (None: neither)."""
    hooks = [h for h in (draw, then) if h is not None]
    if not hooks:
        return None

    def run(folder: Path) -> None:
        for hook in hooks:
            hook(folder)

    return run


def write_exploration(exploration: Exploration, out: str | Path, force: bool = False,
                      command: list[str] | None = None, started: str | None = None, plots_too: bool = True,
                      then: Callable[[Path], object] | None = None) -> Path:
    """Write samples.csv, sensitivity.csv, discovery.csv, manifest.json and, with ``plots_too``,
    plots/ into ``out`` (docs/explore.md describes each); ``then(folder)`` (the CLI's report) runs
    after the plots, before the folder is published."""
    then = _hooks((lambda folder: draw_exploration(exploration, folder)) if plots_too else None, then)
    tables = {"samples": exploration.samples, "sensitivity": exploration.sensitivity,
              "discovery": exploration.discovery}
    return publish_tables(out, tables, exploration_manifest(exploration, command, started), force=force, then=then,
                          protect=scenario_files(exploration.scenario))


def write_solution(solution: Solution, scenario: Scenario, out: str | Path, force: bool = False,
                   command: list[str] | None = None, started: str | None = None, plots_too: bool = True,
                   then: Callable[[Path], object] | None = None) -> Path:
    """Write solve.csv (every evaluated value: step, value, unit, probability, ci_low, ci_high,
    met, replications), manifest.json and, with ``plots_too``, plots/solve.png into ``out``;
    ``then(folder)`` as for :func:`write_exploration`."""
    then = _hooks((lambda folder: draw_solution(solution, folder)) if plots_too else None, then)
    tables = {"solve": solution.points}
    return publish_tables(out, tables, solution_manifest(solution, scenario, command, started), force=force, then=then,
                          protect=scenario_files(scenario))


def package_manifest(solution: PackageSolution, scenario: Scenario, command: list[str] | None = None,
                     started: str | None = None) -> dict:
    from ..explore.package import REFINE_FROM, TOLERANCE_SHARE

    best = solution.best
    return _manifest(
        scenario, command, started, kind="solve",
        package={"target": solution.target, "probability": solution.probability,
               "status": solution.status,
               "levers": [{"path": lever.path, "low": lever.low, "high": lever.high, "unit": lever.unit,
                           "cost_cny_per_unit": lever.cost_per_unit, "where": lever.where}
                          for lever in solution.levers],
               "answer": {lever.path: float(best[lever.path]) for lever in solution.levers},
               "answer_step": int(best["step"]), "answer_probability": float(best["probability"]),
               "answer_ci": [float(best["ci_low"]), float(best["ci_high"])], "answer_cost_cny": float(best["cost_cny"]),
               "method": {"grid_points": solution.grid_points, "refine_from": REFINE_FROM,
                          "tolerance_share": TOLERANCE_SHARE, "packages": len(solution.packages)}},
        seed=solution.seed, replications=solution.replications,
    )


def draw_package(solution: PackageSolution, folder: Path, fmt: str = "png") -> list[Path]:
    """plots/frontier.png: P(met) against cost, every package evaluated, the Pareto front."""
    with plots.font_context([solution.target, *(lever.path for lever in solution.levers)]):
        step = int(solution.best["step"]) if solution.status == "solved" else None
        fig = plots.frontier_chart(solution.packages, solution.target, solution.probability, step)
        out = folder / "plots"
        out.mkdir(parents=True, exist_ok=True)
        save_figure(fig, out / f"frontier.{fmt}", fmt)
        return [out / f"frontier.{fmt}"]


def write_package(solution: PackageSolution, scenario: Scenario, out: str | Path, force: bool = False,
                  command: list[str] | None = None, started: str | None = None, plots_too: bool = True,
                  then: Callable[[Path], object] | None = None) -> Path:
    """Write packages.csv (every package evaluated: step, phase, one column per lever, declared_cost_cny,
    public_cost_cny, cost_cny, probability, ci_low, ci_high, met, replications, on_front), frontier.csv
    (the Pareto front: the same columns but on_front), manifest.json and, with ``plots_too``,
    plots/frontier.png into ``out``; ``then(folder)`` as for :func:`write_exploration`."""
    then = _hooks((lambda folder: draw_package(solution, folder)) if plots_too else None, then)
    tables = {"packages": solution.packages, "frontier": solution.frontier}
    return publish_tables(out, tables, package_manifest(solution, scenario, command, started), force=force, then=then,
                          protect=scenario_files(scenario))
