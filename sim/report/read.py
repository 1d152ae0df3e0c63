"""A results folder read back for the report: what kind of run wrote it, its tables, its manifest.

The report draws only on what a folder holds, so it can be written for any folder that capsim
wrote, now or later: ``run`` (monthly, annual, targets, projects), ``compare`` (the same for
every variant, stacked, plus compare.csv), and the folders of ``explore`` and ``solve``
(samples, sensitivity, discovery, solve). Every table capsim knows (:data:`TABLE_ORDER`) that is
present is read, and no other file: a section of the report appears when the tables (or manifest
keys) it draws on are there.

Only regular files inside the folder are read: a table or manifest that is a symbolic link (to
anywhere), a folder, a FIFO or a device is refused, and files are opened with ``O_NOFOLLOW`` and
``O_NONBLOCK`` and checked again once open, so that nothing outside the folder ends up in the
report and nothing hangs. A folder that is not a capsim results folder, or a table or manifest
that cannot be read or holds what capsim never writes (:mod:`sim.report.checks`), is a
:class:`~sim.errors.ScenarioError` naming the file: one line, and the CLI exits with 2.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import ScenarioError
from .checks import check_folder, check_manifest, check_table, depth_and_numbers

KINDS = ("run", "compare", "explore", "solve")
TABLE_ORDER = ("solve", "frontier", "packages", "sensitivity", "discovery", "samples", "compare", "ranking", "robustness", "targets",
               "monthly", "annual", "projects", "sites")
"""Tables the report knows, in the order the page lists them; it reads no other file but manifest.json."""
REQUIRED_COLUMNS = {
    "monthly": ("variant", "month", "metric", "p10", "p50", "p90"),
    "annual": ("variant", "year", "metric", "p10", "p50", "p90"),
    "targets": ("variant", "target", "by", "probability"),
    "projects": ("variant", "project"),
    "sites": ("variant", "month", "site", "metric", "p10", "p50", "p90"),
    "compare": ("variant", "output", "when", "unit", "base", "value", "diff_mean", "diff_ci_low", "diff_ci_high"),
    "ranking": ("variant", "value", "diff_mean", "diff_ci_low", "diff_ci_high"),
    "robustness": ("policy", "scenario", "measure", "value", "regret", "worst_case", "max_regret", "rule",
                   "recommended"),
    "solve": ("step", "value", "probability", "ci_low", "ci_high", "met"),
    "frontier": ("step", "cost_cny", "probability", "ci_low", "ci_high", "met"),
    "packages": ("step", "cost_cny", "probability", "ci_low", "ci_high", "met"),
    "sensitivity": ("output", "year", "parameter", "index", "value", "ci_low", "ci_high", "stable"),
    "discovery": ("target", "coverage", "density", "mass", "chosen", "parameter", "low", "high"),
    "samples": ("sample",),
}
"""Columns a table must have for the report to draw on it; a table without one is damaged."""
TEXT_COLUMNS = frozenset({
    "variant", "month", "metric", "target", "by", "reached_p10", "reached_p50", "reached_p90", "project",
    "class", "site", "status", "planned_online", "online_p10", "online_p50", "online_p90", "output", "when",
    "unit", "stat", "bound", "role", "rank_by", "parameter", "input", "path", "question", "answer",
    "subsidy_eligible", "pue_cap", "planned_online_effective",
    "kind", "assumed_behaviour", "policy", "scenario", "measure", "rule",
})
"""Columns read as text: months stay 'YYYY-MM', 'never' and empty cells stay as written."""
OTHER_TEXT = frozenset({"method", "index", "phase"})
"""Columns of text read as pandas reads them; every column neither here nor in TEXT_COLUMNS nor
FLAG_COLUMNS holds numbers."""
FLAG_COLUMNS = frozenset({"met", "stable", "chosen"})
"""Columns of True / False."""
REPORT_FILES = ("report.html", "report.xlsx")
"""What the report writes into a results folder."""
MAX_TABLE_BYTES = 256_000_000
"""Largest table read (capsim's largest, an explore's samples.csv, is a few tens of MB)."""
MAX_MANIFEST_BYTES = 64_000_000


@dataclass(frozen=True)
class ResultsFolder:
    """A results folder as the report sees it."""

    path: Path
    kind: str  # one of KINDS
    manifest: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # by file stem, in TABLE_ORDER
    raw: dict[str, bytes] = field(default_factory=dict, repr=False)  # each table's file as read

    def table(self, name: str) -> pd.DataFrame | None:
        """The table ``name`` (file stem), or None when the folder has none or it is empty."""
        table = self.tables.get(name)
        return table if table is not None and not table.empty else None

    @property
    def scenario(self) -> dict:
        """The resolved scenario of the manifest (the base's, for a comparison); {} when absent."""
        data = self.manifest.get("resolved_scenario")
        return data if isinstance(data, dict) else {}

    @property
    def name(self) -> str:
        scenario = self.manifest.get("scenario")
        named = scenario.get("name") if isinstance(scenario, dict) else None
        return str(named or self.scenario.get("name") or self.path.name)

    @property
    def target_specs(self) -> list[dict]:
        """The scenario's targets (name, by, criteria, role, source), ``role`` 'plan' when unset."""
        specs = []
        for spec in self.scenario.get("targets") or ():
            if isinstance(spec, dict) and "name" in spec:
                specs.append({**spec, "role": spec.get("role") or "plan"})
        return specs

    def accounting_label(self, variant: str | None = None) -> str:
        """The accounting basis of ``variant`` (the base's unless the variant set another)."""
        base = (self.scenario.get("accounting") or {}).get("label") or "as reported"
        if variant is None:
            return base
        runs = self.manifest.get("runs") or {}
        applied = ((runs.get(variant) or {}).get("applied") or {}) if isinstance(runs, dict) else {}
        changed = {**(applied.get("set") or {}), **(applied.get("overrides") or {})}
        accounting = changed.get("accounting")
        if isinstance(accounting, dict) and accounting.get("label"):
            return str(accounting["label"])
        return str(changed.get("accounting.label") or base)


def is_capsim_manifest(data: object) -> bool:
    """A manifest capsim wrote: ``written_by: capsim``, or (before that mark) capsim's version,
    seed and scenario keys."""
    if not isinstance(data, dict):
        return False
    if data.get("written_by") == "capsim":
        return True
    versions = data.get("versions")
    return isinstance(versions, dict) and "capsim" in versions and "seed" in data and "scenario" in data


FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
              (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (None when there is nothing at ``path``):
    a symbolic link, folder, FIFO, socket or device, or a file over ``limit`` bytes, is a
    ScenarioError. Opened without following a link and without blocking, and checked again once open."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read: {_reason(exc)}") from None
    if stat.S_ISLNK(info.st_mode):
        raise ScenarioError(f"{path}: is a symbolic link; the report reads only regular files inside the folder")
    _regular(path, info)  # refused before it is opened: opening a device or FIFO may block or act
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:  # replaced by a link since (ELOOP), or unreadable
        raise ScenarioError(f"{path}: cannot be read: {_reason(exc)}") from None
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(handle)
        _regular(path, info)
        if info.st_size > limit:
            raise ScenarioError(f"{path}: too large for a capsim table ({info.st_size:,} bytes; at most {limit:,})")
        try:
            data = stream.read(limit + 1)
        except OSError as exc:
            raise ScenarioError(f"{path}: cannot be read: {_reason(exc)}") from None
    if len(data) > limit:
        raise ScenarioError(f"{path}: too large for a capsim table (over {limit:,} bytes)")
    return data


def _regular(path: Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        what = next((w for test, w in FILE_KINDS if test(info.st_mode)), "not a regular file")
        raise ScenarioError(f"{path}: is {what}, not a file; the report reads only regular files inside the folder")


def read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    raw = read_regular(path, MAX_MANIFEST_BYTES)
    if raw is None:
        raise ScenarioError(f"{folder}: not a capsim results folder (no manifest.json)")
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ScenarioError(f"{path}: damaged manifest: nested too deep") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ScenarioError(f"{path}: damaged manifest: {_reason(exc)}") from None
    if not is_capsim_manifest(data):
        raise ScenarioError(f"{path}: not a capsim manifest (no written_by: capsim)")
    depth_and_numbers(data, path)
    check_manifest(path, data)
    return data


def read_table(path: Path, raw: bytes | None = None) -> pd.DataFrame:
    """One CSV table (``raw``: its bytes, else read from ``path``); a file that cannot be read as
    the table it should be, or that holds what capsim never writes, is a ScenarioError."""
    if raw is None:
        raw = read_regular(path, MAX_TABLE_BYTES)
        if raw is None:
            raise ScenarioError(f"{path}: no such table")
    try:
        header = pd.read_csv(io.BytesIO(raw), nrows=0).columns
        text = {c: str for c in header if c in TEXT_COLUMNS or str(c).startswith("reached_")}
        table = pd.read_csv(io.BytesIO(raw), dtype=text, keep_default_na=False,
                            na_values={c: [""] for c in header if c not in text})
    except pd.errors.EmptyDataError:
        raise ScenarioError(f"{path}: damaged table: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, csv.Error, OSError) as exc:
        raise ScenarioError(f"{path}: damaged table: {_reason(exc)}") from None
    missing = [c for c in REQUIRED_COLUMNS.get(path.stem, ()) if c not in table.columns]
    if missing:
        raise ScenarioError(f"{path}: damaged table: no column {', '.join(missing)}")
    numeric = [c for c in table.columns if c not in TEXT_COLUMNS and c not in OTHER_TEXT
               and not str(c).startswith("reached_")]  # every other column holds numbers (or flags)
    for column in numeric:
        if not pd.api.types.is_numeric_dtype(table[column]) and table[column].notna().any() \
                and not (column in FLAG_COLUMNS and table[column].dtype == bool):
            text = pd.to_numeric(table[column], errors="coerce").isna() & table[column].notna()
            line = int(text.to_numpy().argmax())
            raise ScenarioError(f"{path}: damaged table: column {column} holds text where numbers belong "
                                f"(line {line + 2}: {str(table[column].iloc[line])[:40]!r})")
    check_table(path, table)
    return table


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def kind_of(manifest: dict, stems: set[str]) -> str | None:
    """What wrote the folder: the manifest's ``kind`` when it says, else what its tables show."""
    if manifest.get("kind") in KINDS:
        return manifest["kind"]
    if stems & {"solve", "frontier"}:
        return "solve"
    if stems & {"samples", "sensitivity", "discovery"}:
        return "explore"
    if "compare" in stems:
        return "compare"
    if "monthly" in stems:
        return "run"
    return None


def read_folder(folder: str | Path) -> ResultsFolder:
    """Read manifest.json and every table capsim knows (:data:`TABLE_ORDER`) of a results folder;
    any other file is left alone."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: no such results folder" if not folder.exists()
                            else f"{folder}: not a folder")
    manifest = read_manifest(folder)
    raw = {}
    for name in TABLE_ORDER:
        data = read_regular(folder / f"{name}.csv", MAX_TABLE_BYTES)
        if data is not None:
            raw[name] = data
    kind = kind_of(manifest, set(raw))
    if kind is None:
        raise ScenarioError(f"{folder}: not a capsim results folder (no tables: monthly.csv, compare.csv, "
                            "solve.csv, sensitivity.csv ...)")
    tables = {name: read_table(folder / f"{name}.csv", data) for name, data in raw.items()}
    check_folder(folder, tables)
    return ResultsFolder(folder, kind, manifest, tables, raw)
