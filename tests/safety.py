"""Helpers for the tests that check capsim changes nothing it should not: snapshots of folders and
the capsim command in a subprocess with a chosen working directory and environment."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

EXAMPLE = REPO / "scenarios" / "example.yaml"
LONG_RUN = ("-r", "2000000")
"""Replications that take many minutes: a refusal that comes back at all came before simulating."""
BIG_MEMORY = {"CAPSIM_MEMORY_LIMIT": "1T"}
"""So that LONG_RUN is not refused for memory first."""


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (hidden ones too): relative path -> sha256, 'dir' or 'link -> target'."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                found[rel] = f"link -> {os.readlink(path)}"
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def capsim(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120,
           **kwargs) -> subprocess.CompletedProcess:
    """``python -m sim ARGS`` with this checkout on the path."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg", **(env or {})}
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd or REPO, env=environment,
                          capture_output=True, text=True, timeout=timeout, **kwargs)


def start(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    return subprocess.Popen([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd or REPO, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def one_line(done: subprocess.CompletedProcess) -> str:
    """The single line capsim printed on stderr (fails if there are more, or a traceback)."""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def capsim_after(prelude: str, *args: str, cwd: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """``capsim ARGS`` in a subprocess that first runs the Python ``prelude`` (which may patch
    capsim's modules to make something happen at a chosen moment, deterministically), then
    :func:`sim.cli.command` as the ``capsim`` executable does."""
    code = f"{prelude}\nfrom sim.cli import command\ncommand()\n"
    environment = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=cwd or REPO, env=environment,
                          capture_output=True, text=True, timeout=timeout)
