"""Output stage: write a run's tables and manifest into a folder, atomically.

Files are written into a temporary folder beside the destination and renamed into place, so an
interrupted run leaves no half-written results and an existing folder is only replaced, whole,
when ``force`` is given.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import simpy

from ..analysis.results import Results
from ..errors import ScenarioError
from ..scenario.validate import origin_of

TABLES = ("monthly", "annual", "targets", "projects", "sites")
NOTHING_APPLIED = {"variant": "base", "description": None, "set": {}, "overrides": {}, "undrawn": []}
"""The manifest's ``applied`` entry for a scenario run as written (see :func:`sim.scenario.variants.apply_variant`)."""


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    from ..version import __version__

    return {
        "capsim": __version__,
        "simpy": simpy.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
    }


def manifest(results: Results, command: list[str] | None = None, started: str | None = None) -> dict:
    origin = origin_of(results.scenario)
    return {
        "scenario": {
            "path": origin.path if origin else None,
            "sha256": origin.sha256 if origin else None,
            "name": results.scenario.name,
        },
        "variant": results.variant,
        "applied": origin.applied if origin and origin.applied else NOTHING_APPLIED,
        "seed": results.seed,
        "replications": results.replications,
        "events": results.events,
        "versions": versions(),
        "command": command if command is not None else sys.argv,
        "started": started or utc_now(),
        "finished": utc_now(),
        **results.info,
        "resolved_scenario": results.scenario.model_dump(mode="json", by_alias=True),
    }


def check_destination(out: Path, force: bool) -> None:
    """Refuse a non-empty destination unless ``force`` (before any work is done)."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ScenarioError(f"{out}: folder is not empty; choose another --out or add --force to replace it")


def write_tables(folder: Path, tables: dict[str, pd.DataFrame], manifest_data: dict) -> None:
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    with open(folder / "manifest.json", "w", encoding="utf-8") as handle:
        json.dump(manifest_data, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def publish(out: Path, fill, force: bool = False) -> Path:
    """Create ``out`` atomically: ``fill(tmp_folder)`` writes the files, then the folder is renamed.

    A non-empty ``out`` is replaced only when ``force``; nothing is left behind on failure.
    """
    out = Path(out)
    check_destination(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        fill(tmp)
        os.chmod(tmp, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.rename(out, old / out.name)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def write_results(results: Results, out: str | Path, force: bool = False,
                  command: list[str] | None = None, started: str | None = None,
                  then: Callable[[Path], object] | None = None) -> Path:
    """Write monthly.csv, annual.csv, targets.csv, projects.csv and manifest.json into ``out``.

    ``then(folder)``, when given, runs on the temporary folder after the tables are written and
    before it is renamed into place (``capsim run`` draws its plots there); if it fails, nothing
    is published.
    """
    tables = {name: getattr(results, name) for name in TABLES}
    return publish_tables(out, tables, manifest(results, command, started), force=force, then=then)


def publish_tables(out: str | Path, tables: dict[str, pd.DataFrame], manifest_data: dict, force: bool = False,
                   then: Callable[[Path], object] | None = None) -> Path:
    """:func:`publish` a folder of CSV tables and manifest.json; ``then(folder)`` runs before the
    rename (plots are drawn there)."""

    def fill(folder: Path) -> None:
        write_tables(folder, tables, manifest_data)
        if then is not None:
            then(folder)

    return publish(Path(out), fill, force=force)
