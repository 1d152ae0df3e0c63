"""Output stage: write a run's tables and manifest into a folder, atomically.

Files are written into a temporary folder beside the destination and renamed into place, so an
interrupted run leaves no half-written results and an existing folder is only replaced, whole,
when ``force`` is given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..analysis.results import Results
from ..errors import ScenarioError
from ..scenario.validate import origin_of
from .destination import WRITTEN_BY, check_destination, is_capsim_folder, is_results_staging
from ..run.signals import SIGNALLED, signals_held
from .staging import MARKER, aside_name, clean_stale, keep, make_staging, mark, unmark
from .provenance import provenance, resolved_path, versions  # noqa: F401 - versions re-exported

if TYPE_CHECKING:
    import pandas as pd

TABLES = ("monthly", "annual", "targets", "projects", "sites")
NOTHING_APPLIED = {"variant": "base", "description": None, "set": {}, "overrides": {}, "undrawn": []}
"""The manifest's ``applied`` entry for a scenario run as written (see :func:`sim.scenario.variants.apply_variant`)."""


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def manifest(results: Results, command: list[str] | None = None, started: str | None = None) -> dict:
    origin = origin_of(results.scenario)
    return {
        "written_by": WRITTEN_BY,
        "scenario": scenario_entry(results.scenario),
        "variant": results.variant,
        "applied": origin.applied if origin and origin.applied else NOTHING_APPLIED,
        "seed": results.seed,
        "replications": results.replications,
        "events": results.events,
        **provenance(),
        "command": command if command is not None else sys.argv,
        "started": started or utc_now(),
        "finished": utc_now(),
        **results.info,
        "resolved_scenario": results.scenario.model_dump(mode="json", by_alias=True),
    }


def scenario_entry(scenario) -> dict:
    """The manifest's ``scenario``: path as given and resolved, sha256 and name."""
    origin = origin_of(scenario)
    path = origin.path if origin else None
    return {"path": path, "resolved_path": resolved_path(path), "sha256": origin.sha256 if origin else None,
            "name": scenario.name}


def scenario_files(scenario) -> list[str]:
    """The scenario file, if any: a folder holding it is never replaced."""
    origin = origin_of(scenario)
    return [origin.path] if origin and origin.path else []


def write_tables(folder: Path, tables: dict[str, pd.DataFrame], manifest_data: dict) -> None:
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    with open(folder / "manifest.json", "w", encoding="utf-8") as handle:
        json.dump(manifest_data, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


def publish(out: str | Path, fill, force: bool = False, protect: Iterable[str | Path] = ()) -> Path:
    """Create ``out`` atomically: ``fill(tmp_folder)`` writes the files, then the folder is renamed.

    ``out`` must pass :func:`~sim.output.destination.check_destination` twice: before ``fill``
    (where it may be written at all) and again at the moment of the swap, when a non-empty folder is
    replaced only with ``force`` and only if it is capsim's own *then*. Refused at the swap (e.g. a
    folder appeared at ``out``, or changed, while the results were made; the CLI checked it before
    simulating), the finished results are kept beside it under a visible name that the
    :class:`ScenarioError` gives, and ``out`` is left as it is. Nothing is left behind on failure
    or interruption: the temporary folder and any parent folders made for it are removed; the swap
    runs with SIGINT and SIGTERM held back, and not at all once the CLI has seen one
    (:data:`sim.run.signals.SIGNALLED`). Staging folders that killed runs left beside ``out`` are
    removed first (:func:`sim.output.staging.clean_stale`).
    """
    check_destination(out, force, protect, contents=False)
    target = Path(os.path.realpath(out))
    made = _make_parents(target.parent)
    clean_stale(target.parent, target.name, is_results_staging)
    tmp = None
    published = False
    try:
        tmp = make_staging(target.parent, target.name)
        fill(tmp)
        os.chmod(tmp, 0o755)
        with signals_held():
            SIGNALLED.check()  # a signal whose exception was swallowed: publish nothing
            _swap(tmp, target, out, force, protect)
            published = True
            SIGNALLED.published(Path(out))
    except BaseException as exc:
        if published:  # a signal held back during the swap: the results are complete and in place
            exc.published = Path(out)
            raise
        if isinstance(exc, Kept):
            raise ScenarioError(str(exc)) from None
        with signals_held():
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        if isinstance(exc, OSError):  # disk full, permissions changed during the run, ...
            raise ScenarioError(f"{out}: cannot write the results: {exc.strerror or exc}; nothing was written") from None
        raise
    return Path(out)


class Kept(Exception):
    """The swap was refused; the new results are kept under another name (the message says where)."""


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, outermost first."""
    missing = []
    while not os.path.lexists(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    made: list[Path] = []
    for path in reversed(missing):
        try:
            path.mkdir()
        except OSError as exc:
            for done in reversed(made):
                with contextlib.suppress(OSError):
                    done.rmdir()
            raise ScenarioError(f"{path}: cannot create folder: {exc.strerror or exc}") from None
        made.append(path)
    return made


def _kept(tmp: Path, target: Path, why: str) -> Kept:
    kept = keep(tmp, target)
    return Kept(f"{why}; the new results were kept in {kept}/")


def _swap(tmp: Path, target: Path, out: str | Path, force: bool, protect: Iterable[str | Path]) -> None:
    """Rename ``tmp`` to ``target`` if ``target`` is, now, nothing, an empty folder, or (``force``)
    capsim's own results folder, which is moved aside, checked again, and deleted once ``tmp`` is
    in its place. Otherwise raise :class:`Kept`, with ``tmp`` renamed to a visible name.

    A folder renamed onto ``target`` can replace only an empty folder (the system refuses a
    non-empty one, a file or a link), so what appears at ``target`` between the check and the
    rename is never lost."""
    try:
        check_destination(out, force, protect)
    except ScenarioError as exc:
        raise _kept(tmp, target, str(exc)) from None
    except OSError as exc:  # a folder that cannot be read appeared there
        raise _kept(tmp, target, f"{out}: cannot be checked: {exc.strerror or exc}") from None
    if not os.path.lexists(target) or (target.is_dir() and not target.is_symlink() and not any(os.scandir(target))):
        try:
            unmark(tmp)  # the staging marker never reaches the results
            os.rename(tmp, target)
        except OSError:  # something appeared at target after the check
            raise _kept(tmp, target, f"{out}: is not empty any more") from None
        return
    old = aside_name(tmp)
    try:
        os.rename(target, old)  # capsim's own results (checked): moved aside, out of anyone's way
    except FileNotFoundError:  # gone since the check: publish onto nothing
        return _swap(tmp, target, out, force, protect)
    with contextlib.suppress(OSError):
        mark(old, target.parent, target.name)  # so that a run killed now leaves it to be put back
    if not is_capsim_folder(old, allow=(MARKER,)):  # changed between the check and the move: put it back
        _put_back(old, tmp, target, out)
        raise _kept(tmp, target, f"{out}: holds files capsim did not write; --force replaces only capsim's own results")
    try:
        unmark(tmp)
        os.rename(tmp, target)
    except OSError:  # something appeared at target in the moment it was free
        _put_back(old, tmp, target, out)
        raise _kept(tmp, target, f"{out}: is not empty any more") from None
    shutil.rmtree(old, ignore_errors=True)


def _put_back(old: Path, tmp: Path, target: Path, out: str | Path) -> None:
    """Return the folder moved aside to ``target``; if something took its place, keep it (and the
    new results in ``tmp``) visibly."""
    try:
        os.rename(old, target)
        unmark(target)
    except OSError:
        kept = keep(old, target)
        raise Kept(f"{out}: changed while being replaced; the previous folder was kept in {kept}/ and the "
                   f"new results in {keep(tmp, target)}/") from None


def write_results(results: Results, out: str | Path, force: bool = False,
                  command: list[str] | None = None, started: str | None = None,
                  then: Callable[[Path], object] | None = None, remote=None) -> Path:
    """Write monthly.csv, annual.csv, targets.csv, projects.csv, sites.csv and manifest.json into ``out``.

    ``then(folder)``, when given, runs on the temporary folder after the tables are written and
    before it is renamed into place (``capsim run`` draws its plots there); if it fails, nothing
    is published. ``remote``, when given, makes the per-site and monthly tables elsewhere while this
    process makes the others (see :meth:`Results.tables`). A :class:`~sim.run.compare.Comparison`
    is written by :func:`sim.output.comparison.write_comparison`.
    """
    if not isinstance(results, Results):
        hint = (" (a Comparison: sim.output.comparison.write_comparison writes its folder)"
                if type(results).__name__ == "Comparison" else "")
        raise TypeError(f"write_results expects the Results of sim.simulate, got {type(results).__name__}{hint}")
    tables = results.tables(TABLES, remote)
    return publish_tables(out, tables, manifest(results, command, started), force=force, then=then,
                          protect=scenario_files(results.scenario))


def publish_tables(out: str | Path, tables: dict[str, pd.DataFrame], manifest_data: dict, force: bool = False,
                   then: Callable[[Path], object] | None = None, protect: Iterable[str | Path] = ()) -> Path:
    """:func:`publish` a folder of CSV tables and manifest.json; ``then(folder)`` runs before the
    rename (plots are drawn there)."""

    def fill(folder: Path) -> None:
        write_tables(folder, tables, manifest_data)
        if then is not None:
            then(folder)

    return publish(out, fill, force=force, protect=protect)
