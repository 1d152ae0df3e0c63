"""Output stage for a comparison: compare.csv, ranking.csv, the stacked run tables and the manifest,
written atomically."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from ..run.compare import BASE, TABLES, Comparison
from ..run.ranking import check_rank_by
from ..scenario.validate import origin_of
from .destination import WRITTEN_BY
from .provenance import provenance
from .tables import NOTHING_APPLIED, publish_tables, scenario_entry, scenario_files, utc_now


def comparison_manifest(comparison: Comparison, command: list[str] | None = None, started: str | None = None) -> dict:
    base = comparison.results[BASE]
    runs = {}
    for name, results in comparison.results.items():
        applied = origin_of(results.scenario).applied if origin_of(results.scenario) else {}
        runs[name] = {"applied": applied or NOTHING_APPLIED, "events": results.events}
    return {
        "written_by": WRITTEN_BY,
        "scenario": scenario_entry(base.scenario),
        "variants": list(comparison.results),
        "seed": comparison.seed,
        "replications": comparison.replications,
        "rank_by": check_rank_by(base.scenario, comparison.rank_by),
        **({"robustness": {"policies": comparison.robustness.policies, "scenarios": comparison.robustness.scenarios,
                           "rule": comparison.robustness.rule, "cell": "the policy's changes, then the risk's"}}
           if comparison.robustness is not None else {}),
        "runs": runs,
        **provenance(),
        "command": command if command is not None else sys.argv,
        "started": started or utc_now(),
        "finished": utc_now(),
        "resolved_scenario": base.scenario.model_dump(mode="json", by_alias=True),
    }


def write_comparison(comparison: Comparison, out: str | Path, force: bool = False,
                     command: list[str] | None = None, started: str | None = None,
                     then: Callable[[Path], object] | None = None) -> Path:
    """Write compare.csv, ranking.csv (every run best first by the comparison's ``rank_by``, as
    ``capsim compare`` prints it; :mod:`sim.run.ranking`), the stacked monthly/annual/targets/projects
    tables and manifest.json (which records ``rank_by``), and robustness.csv when the comparison
    was run across risks (:mod:`sim.run.robustness`).

    ``then(folder)`` runs on the temporary folder before it is renamed into place, as in
    :func:`sim.output.tables.write_results` (``capsim compare`` draws its plots there).
    """
    tables = {"compare": comparison.table, "ranking": comparison.ranking()}
    tables.update({name: comparison.stacked(name) for name in TABLES})
    if comparison.robustness is not None:  # capsim compare --across risks
        tables["robustness"] = comparison.robustness.table()
    return publish_tables(out, tables, comparison_manifest(comparison, command, started), force=force, then=then,
                          protect=scenario_files(comparison.results[BASE].scenario))
