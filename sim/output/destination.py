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
from collections.abc import Iterable
from pathlib import Path

from ..errors import ScenarioError
from .staging import clean_stale

WRITTEN_BY = "capsim"
"""The manifest's ``written_by`` value that marks a folder as capsim's own."""
OUTPUT_FILES = frozenset({"monthly.csv", "annual.csv", "targets.csv", "projects.csv", "sites.csv", "compare.csv", "ranking.csv",
                          "samples.csv", "sensitivity.csv", "discovery.csv", "solve.csv", "packages.csv",
                          "frontier.csv", "manifest.json",
                          "report.html", "report.xlsx",
                          "robustness.csv"})  # capsim compare --across risks
PLOTS_FOLDER = "plots"
PLOT_FILE = re.compile(r"(growth|share|power|pue|timeline|limits|sites(-[0-9]+)?|solve|frontier|compare(-(capacity|power|policy)(-[0-9]+)?)?"
                       r"|(sensitivity|years|pmet)-[a-z0-9-]*)\.(png|svg|pdf)")
"""Files capsim draws into ``plots/`` (:func:`sim.output.plotfiles.draw_all`, :mod:`sim.output.explore`;
a test keeps them in step)."""
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


def foreign_entries(folder: Path) -> list[str]:
    """Entries of ``folder`` that are not capsim's outputs (relative names), in sorted order."""
    foreign = []
    for entry in sorted(os.listdir(folder)):
        path = folder / entry
        if entry == PLOTS_FOLDER and path.is_dir() and not path.is_symlink():
            foreign += [f"{PLOTS_FOLDER}/{name}" for name in sorted(os.listdir(path))
                        if not (PLOT_FILE.fullmatch(name) and (path / name).is_file() and not (path / name).is_symlink())]
        elif entry not in OUTPUT_FILES or not path.is_file() or path.is_symlink():
            foreign.append(entry)
    return foreign


def is_capsim_folder(folder: Path) -> bool:
    """True if ``folder`` is a real folder holding a capsim manifest and nothing capsim did not write."""
    try:
        return (folder.is_dir() and not folder.is_symlink() and is_capsim_manifest(folder / "manifest.json")
                and not foreign_entries(folder))
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
    clean_stale(real.parent, real.name)
    clean_stale(real / PLOTS_FOLDER, PLOTS_FOLDER, ("tmp",))  # those of `capsim plot`, which --force would not replace
    check_destination(folder, force, protect)
    return folder
