"""What a manifest records about how its results were made: who wrote them, where, with what.

Every manifest carries ``written_by: capsim`` (the mark that lets ``--force`` replace the folder,
:mod:`sim.output.destination`), the working directory, the scenario path as given and as
resolved, the versions of every package that shapes the numbers or the plots, and the git commit
of capsim's own source when it runs from a checkout. Absolute paths end up only in the results
folders users write, never in the repository.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("simpy", "numpy", "pandas", "pydantic", "matplotlib", "pillow", "ruamel.yaml")
"""Distributions whose versions can change the results or the plots."""
SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the ``sim`` package: a git checkout when capsim runs from one."""
_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


def versions() -> dict[str, str | None]:
    """capsim, Python and each of :data:`PACKAGES` (None for one not installed)."""
    from ..version import __version__

    found: dict[str, str | None] = {"capsim": __version__, "python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def git_commit(root: Path = SOURCE_ROOT) -> str | None:
    """The commit checked out at ``root`` (read from ``.git`` without running git), or None.

    Follows a worktree's ``.git`` file and ``commondir``, loose refs and ``packed-refs``; any
    surprise gives None, never an error.
    """
    dot_git = root / ".git"
    if dot_git.is_file():
        text = _read(dot_git) or ""
        if not text.startswith("gitdir:"):
            return None
        git_dir = (root / text.removeprefix("gitdir:").strip()).resolve()
    elif dot_git.is_dir():
        git_dir = dot_git
    else:
        return None
    head = _read(git_dir / "HEAD")
    if head is None:
        return None
    if _SHA.fullmatch(head):
        return head
    if not head.startswith("ref:"):
        return None
    ref = head.removeprefix("ref:").strip()
    common = _read(git_dir / "commondir")
    dirs = [git_dir] + ([(git_dir / common).resolve()] if common else [])
    for folder in dirs:
        sha = _read(folder / ref)
        if sha and _SHA.fullmatch(sha):
            return sha
    for folder in dirs:
        for line in (_read(folder / "packed-refs") or "").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref and _SHA.fullmatch(parts[0]):
                return parts[0]
    return None


def resolved_path(scenario_path: str | None) -> str | None:
    """The scenario file's absolute path, links resolved (None for a scenario built in Python)."""
    return str(Path(scenario_path).resolve()) if scenario_path else None


def provenance() -> dict:
    """The manifest's fields on where and with what it was written (see the module docstring)."""
    return {
        "working_directory": os.getcwd(),
        "python_executable": sys.executable,
        "git_commit": git_commit(),
        "versions": versions(),
    }
