"""Where results may be written: checked before any work, and again just before publishing.

capsim replaces a folder only when it is sure the folder is its own. Picture a removals firm
that empties a room only if every box in it carries the firm's own label: an empty folder, or a
results folder whose ``manifest.json`` says capsim wrote it and which holds nothing but capsim's
tables and plots, may be replaced with ``--force``; anything else is refused, whatever the flags.
Some places are never replaced: ``/``, the user's home, the current folder or one of its
ancestors, a folder that holds the scenario being run. The parent must be a folder this process
may write, on a file system that is neither read-only nor a kernel pseudo file system
(``/proc``, ``/sys``, ...). Every refusal is a :class:`~sim.errors.ScenarioError` naming the path.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import ScenarioError
from .staging import MARKER, clean_stale, staging_pattern

WRITTEN_BY = "capsim"
"""The manifest's ``written_by`` value that marks a folder as capsim's own."""
OUTPUT_FILES = frozenset({"monthly.csv", "annual.csv", "targets.csv", "projects.csv", "sites.csv", "compare.csv", "ranking.csv",
                          "samples.csv", "sensitivity.csv", "discovery.csv", "solve.csv", "packages.csv",
                          "frontier.csv", "manifest.json",
                          "report.html", "report.xlsx",
                          "robustness.csv"})  # capsim compare --across risks
PLOTS_FOLDER = "plots"
PLOT_FILE = re.compile(r"(growth|share|power|pue|goals|timeline|limits|sites(-[0-9]+)?|solve|frontier|compare(-(capacity|power|policy)(-[0-9]+)?)?"
                       r"|(sensitivity|years|pmet)-[a-z0-9-]*)\.(png|svg|pdf)")
"""Files capsim draws into ``plots/`` (:func:`sim.output.plotfiles.draw_all`, :mod:`sim.output.explore`;
a test keeps them in step)."""
TABLE_HEADERS = {
    "monthly.csv": "variant,month,metric,", "annual.csv": "variant,year,metric,", "targets.csv": "variant,target,by,",
    "projects.csv": "variant,project,class,site,status,", "sites.csv": "variant,month,site,metric,",
    "compare.csv": "variant,output,when,unit,", "ranking.csv": "rank,variant,", "samples.csv": "sample,",
    "sensitivity.csv": "output,year,parameter,", "discovery.csv": "target,step,coverage,",
    "solve.csv": "step,value,unit,", "robustness.csv": "policy,scenario,",
    "packages.csv": "step,phase,", "frontier.csv": "step,phase,",
}
"""How the header row of each CSV table capsim writes starts (the first columns, which every
version wrote): a file of that name is capsim's only if its first line starts so
(:func:`is_capsim_table`)."""
REPORT_MARK = re.compile(rb'<meta name="generator" content="capsim[ "]|^<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                         rb'<meta name="viewport" content="width=device-width, initial-scale=1"><title>[^<]*: capsim report</title>')
"""A capsim report's head (before the generator mark, the head alone told it)."""
HEAD_BYTES = 65536
WORKBOOK_CREATOR = "capsim"
"""The workbook's creator (document properties), which marks it as capsim's."""
PSEUDO_FILE_SYSTEMS = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs",
    "pstore", "bpf", "configfs", "fusectl", "mqueue", "hugetlbfs", "autofs", "binfmt_misc", "efivarfs",
    "rpc_pipefs", "nsfs",
})
PSEUDO_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))
"""Used when the mount table cannot be read."""


def _refuse(out: Path, why: str) -> ScenarioError:
    return ScenarioError(f"{out}: {why}")


def _mounts() -> list[tuple[Path, str, set[str]]]:
    """(mount point, file system type, options) of every mount, from /proc/self/mounts ([] if unreadable)."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return []
    mounts = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 4:
            point = fields[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
            mounts.append((Path(point), fields[2], set(fields[3].split(","))))
    return mounts


def _pseudo_file_system(path: Path) -> str | None:
    """The type of the kernel pseudo file system ``path`` (resolved) lies on, or None."""
    mounts = [m for m in _mounts() if path == m[0] or m[0] in path.parents]
    if not mounts:
        return next((root.name for root in PSEUDO_ROOTS if path == root or root in path.parents), None)
    point, fs_type, _ = max(mounts, key=lambda m: len(m[0].parts))
    return fs_type if fs_type in PSEUDO_FILE_SYSTEMS else None


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _existing_ancestor(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (``path`` absolute)."""
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def is_capsim_manifest(manifest_path: Path) -> bool:
    """True if ``manifest_path`` is a manifest capsim wrote (``written_by``, or, before that marker
    existed, ``versions.capsim`` with capsim's ``scenario`` and ``seed`` keys)."""
    try:
        with open(manifest_path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    if data.get("written_by") == WRITTEN_BY:
        return True
    versions = data.get("versions")
    return isinstance(versions, dict) and "capsim" in versions and "seed" in data and "scenario" in data


def is_capsim_report(path: Path) -> bool:
    """True if the file ``path`` is an HTML report capsim wrote (its head carries :data:`REPORT_MARK`)."""
    try:
        with open(path, "rb") as handle:
            return REPORT_MARK.search(handle.read(HEAD_BYTES)) is not None
    except OSError:
        return False


def is_capsim_workbook(path: Path) -> bool:
    """True if ``path`` is a workbook capsim wrote: creator ``capsim`` in its document properties,
    or (written before that mark) openpyxl's with capsim's ``manifest`` sheet naming capsim."""
    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml").decode("utf-8", "replace")
            if f"<dc:creator>{WORKBOOK_CREATOR}</dc:creator>" in core:
                return True
            if "<dc:creator>openpyxl</dc:creator>" not in core:
                return False
            names = archive.namelist()
            strings = archive.read("xl/sharedStrings.xml").decode("utf-8", "replace") if "xl/sharedStrings.xml" in names else ""
            sheets = "".join(archive.read(n).decode("utf-8", "replace") for n in names if n.startswith("xl/worksheets/"))
            return ('name="manifest"' in archive.read("xl/workbook.xml").decode("utf-8", "replace")
                    and ">written_by</t>" in strings + sheets and ">capsim</t>" in strings + sheets)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False


def is_capsim_table(path: Path) -> bool:
    """True if the first line of the file ``path`` starts as capsim's table of that name does
    (:data:`TABLE_HEADERS`); reads at most 4 KB."""
    start = TABLE_HEADERS.get(path.name)
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return start is not None and head.startswith(start.encode())


def is_capsim_plot(path: Path) -> bool:
    """True if the file ``path`` (a name :data:`PLOT_FILE` matches) was drawn by matplotlib, as
    capsim's plots are: its mark in the first 4 KB of a PNG or SVG file, the last 4 KB of a PDF."""
    try:
        with open(path, "rb") as handle:
            if path.suffix == ".pdf":
                handle.seek(max(0, os.fstat(handle.fileno()).st_size - 4096))
            return b"Matplotlib" in handle.read(4096)
    except OSError:
        return False


def is_capsim_output(path: Path) -> bool:
    """True if the file ``path`` (a name of :data:`OUTPUT_FILES`) is one capsim wrote, by its content."""
    if path.name == "manifest.json":
        return is_capsim_manifest(path)
    if path.name == "report.html":
        return is_capsim_report(path)
    if path.name == "report.xlsx":
        return is_capsim_workbook(path)
    return is_capsim_table(path)


def foreign_entries(folder: Path, allow: Iterable[str] = ()) -> list[str]:
    """Entries of ``folder`` that are not capsim's outputs (relative names), in sorted order: any
    name not in :data:`OUTPUT_FILES` (or ``allow``), a link, or a file of such a name whose content
    is not capsim's (:func:`is_capsim_output`); in ``plots/``, likewise (:func:`is_capsim_plot`)."""
    foreign = []
    for entry in sorted(os.listdir(folder)):
        path = folder / entry
        if entry in allow:
            continue
        if entry == PLOTS_FOLDER and path.is_dir() and not path.is_symlink():
            foreign += [f"{PLOTS_FOLDER}/{name}" for name in sorted(os.listdir(path))
                        if not (PLOT_FILE.fullmatch(name) and (path / name).is_file() and not (path / name).is_symlink()
                                and is_capsim_plot(path / name))]
        elif (entry not in OUTPUT_FILES or not path.is_file() or path.is_symlink()
              or not is_capsim_output(path)):
            foreign.append(entry)
    return foreign


def is_plot_staging(folder: Path) -> bool:
    """True if ``folder`` (a staging folder inside ``plots/``) holds only its marker, plot files and
    the tables pickled for the workers."""
    try:
        return all(name in (MARKER, ".tables.pickle")
                   or (PLOT_FILE.fullmatch(name) and (folder / name).is_file() and not (folder / name).is_symlink())
                   for name in os.listdir(folder))
    except OSError:
        return False


def is_results_staging(folder: Path) -> bool:
    """True if ``folder`` (a staging ``.tmp`` or aside ``.old`` folder beside a destination) holds
    only its marker and capsim's outputs (a previous results folder moved aside: with capsim's
    manifest), and in ``plots/`` perhaps a plot staging folder of the plots drawn into it."""
    try:
        plots = folder / PLOTS_FOLDER
        pattern = staging_pattern(PLOTS_FOLDER)
        foreign = [entry for entry in foreign_entries(folder, allow=(MARKER,))
                   if not (entry.startswith(f"{PLOTS_FOLDER}/") and pattern.fullmatch(entry[len(PLOTS_FOLDER) + 1:])
                           and (plots / entry[len(PLOTS_FOLDER) + 1:]).is_dir()
                           and not (plots / entry[len(PLOTS_FOLDER) + 1:]).is_symlink()
                           and is_plot_staging(plots / entry[len(PLOTS_FOLDER) + 1:]))]
        return not foreign and (not folder.name.endswith(".old") or is_capsim_manifest(folder / "manifest.json"))
    except OSError:
        return False


def is_capsim_folder(folder: Path, allow: Iterable[str] = ()) -> bool:
    """True if ``folder`` is a real folder holding a capsim manifest and nothing capsim did not
    write (but the names in ``allow``)."""
    try:
        return (folder.is_dir() and not folder.is_symlink() and is_capsim_manifest(folder / "manifest.json")
                and not foreign_entries(folder, allow))
    except OSError:
        return False


def check_destination(out: str | Path, force: bool, protect: Iterable[str | Path] = (), contents: bool = True) -> None:
    """Refuse ``out`` unless results can be written there without harm (see the module docstring).

    ``protect``: files (the scenario) that must not be inside a folder that would be replaced.
    ``contents=False`` checks only the place, not what a folder there holds (checked again when
    results are published, :func:`sim.output.tables.publish`). Runs in well under a second;
    changes nothing on disk.
    """
    if str(out) == "":
        raise ScenarioError("--out: must name a folder (got '')")
    out = Path(out)
    absolute = Path(os.path.abspath(out))
    if out.is_symlink() and not out.exists():
        raise _refuse(out, "is a link to nothing (a dangling symbolic link); remove it or choose another --out")
    if out.exists() and not out.is_dir():
        raise _refuse(out, "exists and is not a folder")
    real = out.resolve()
    cwd = Path.cwd().resolve()
    if real == Path(real.anchor):
        raise _refuse(out, "is the root folder; results are never written there")
    if real == Path.home().resolve():
        raise _refuse(out, "is your home folder; results are never written there")
    if real == cwd or real in cwd.parents:
        raise _refuse(out, "is the current folder or one of its ancestors; choose a new folder for --out")
    for kept in protect:
        kept_real = Path(kept).resolve()
        if real in kept_real.parents:
            raise _refuse(out, f"holds the scenario file {kept}; choose a folder of its own for --out")
    pseudo = _pseudo_file_system(real)
    if pseudo:
        raise _refuse(out, f"is on the {pseudo} pseudo file system; choose a folder on a disk")
    if contents and out.is_dir() and any(os.scandir(out)):
        if not force:
            raise _refuse(out, "folder is not empty; choose another --out or add --force to replace it")
        if not is_capsim_manifest(out / "manifest.json"):
            raise _refuse(out, "is not a capsim results folder (no manifest.json written by capsim); "
                               "--force replaces only capsim's own results")
        foreign = foreign_entries(out)
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise _refuse(out, f"holds files capsim did not write ({shown}); --force replaces only capsim's own results")
    parent = _existing_ancestor(absolute.parent if out.exists() else absolute)
    if not parent.is_dir():
        raise _refuse(out, f"cannot be created: {parent} is not a folder")
    if _read_only(parent):
        raise _refuse(out, f"cannot be written: {parent} is on a read-only file system")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _refuse(out, f"cannot be written: no permission to write in {parent}")


def output_folder(out: str | None, default: Path, force: bool, protect: Iterable[str | Path] = ()) -> Path:
    """The CLI's ``--out`` (``default`` when not given), checked by :func:`check_destination` once
    staging folders that killed runs left there are cleaned (:func:`sim.output.staging.clean_stale`)."""
    if out is not None and out.strip() == "":
        raise ScenarioError(f"--out: must name a folder (got {out!r})")
    folder = Path(out) if out is not None else default
    real = Path(os.path.realpath(folder))
    clean_stale(real.parent, real.name, is_results_staging)
    clean_stale(real / PLOTS_FOLDER, PLOTS_FOLDER, is_plot_staging, ("tmp",))  # those of `capsim plot`, which --force would not replace
    check_destination(folder, force, protect)
    return folder
