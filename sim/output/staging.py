"""Staging folders and files, and putting them in place without replacing what is not capsim's.

capsim writes results into a hidden staging folder beside the destination, named so that its
owner can be told: ``.NAME.capsim-HOST-PID-XXXXXXXX.tmp`` (and ``.NAME.capsim-HOST-PID-XXXXXXXX.old``
for a previous results folder moved aside for the moment of a ``--force`` swap). A process killed
with SIGKILL leaves its staging folder behind; the next run on that destination removes those
whose process no longer runs on this host (:func:`clean_stale`), and only those: a folder of
another name, another user, another host, or a process still running is left alone. A previous
results folder left aside (``.old``) is put back when nothing took its place, else removed.

:func:`rename_noreplace` renames a file only if nothing is at the new name (Linux
``renameat2(RENAME_NOREPLACE)``, else a hard link), so that a report is written only where nothing
appeared since it was checked. A folder renamed with :func:`os.rename` can only ever replace an
*empty* folder (a non-empty one, a file or a link at the new name is an error), which the rules of
:mod:`sim.output.destination` allow anyway.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import json
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

NAME_KEPT = 100
"""The most characters of the destination's name a staging name repeats (file names are limited)."""
MARKER = ".capsim-staging"
"""The file capsim writes into every staging folder it makes (and into a previous results folder
it moves aside): JSON with the full destination path, host and pid. A folder without it is never
removed or moved by :func:`clean_stale`; it is taken out just before the folder is put in place."""
RANDOM_PART = "[a-z0-9_]{8}"
"""What :func:`tempfile.mkdtemp` puts between prefix and suffix."""
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32]


def _prefix(name: str) -> str:
    return f".{name[:NAME_KEPT]}.capsim-{_host()}-{os.getpid()}-"


def staging_pattern(name: str) -> re.Pattern:
    """Names of capsim's staging folders for the destination ``name``: host, pid, kind (tmp or old)."""
    return re.compile(rf"\.{re.escape(name[:NAME_KEPT])}\.capsim-(?P<host>[A-Za-z0-9-]*)-(?P<pid>[0-9]+)-"
                      rf"{RANDOM_PART}\.(?P<kind>tmp|old)")


def _destination(parent: Path, name: str) -> str:
    return os.path.join(os.path.realpath(parent), name)


def mark(folder: Path, parent: Path, name: str) -> None:
    """Write :data:`MARKER` into ``folder``: it is this process's staging (or aside) folder for
    ``parent/name``."""
    with open(folder / MARKER, "x", encoding="utf-8") as handle:
        json.dump({"written_by": "capsim", "destination": _destination(parent, name), "host": _host(),
                   "pid": os.getpid()}, handle)


def unmark(folder: Path) -> None:
    """Take :data:`MARKER` out of ``folder`` (before it is put in place or kept visibly)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(folder / MARKER)


def marked_for(folder: Path) -> dict | None:
    """The :data:`MARKER` of ``folder`` (None if it has none or it is not capsim's)."""
    try:
        with open(folder / MARKER, encoding="utf-8") as handle:
            data = json.loads(handle.read(4096))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("written_by") == "capsim" else None


def make_staging(parent: Path, name: str) -> Path:
    """A new staging folder in ``parent`` for the destination ``name`` (owner in its name), holding
    only :data:`MARKER`."""
    folder = Path(tempfile.mkdtemp(prefix=_prefix(name), suffix=".tmp", dir=parent))
    try:
        mark(folder, parent, name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def aside_name(staging: Path) -> Path:
    """Where the previous folder waits, beside ``staging``, during a swap."""
    return staging.with_name(staging.name[: -len(".tmp")] + ".old")


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: running
        return True
    return True


def clean_stale(parent: Path, name: str, own: Callable[[Path], bool], kinds: tuple[str, ...] = ("tmp", "old")) -> None:
    """Remove the staging folders for ``name`` in ``parent`` that processes of this user on this
    host left behind when they were killed; put back a previous folder left aside if nothing took
    its place. ``kinds``: which of the two (``plots/`` has only ``tmp`` ones). Errors are ignored
    (another run may be cleaning the same ones).

    A folder is touched only if all of these hold: its name is :func:`staging_pattern`'s (with
    mkdtemp's random part), its owner (host, pid) is this host's and no longer runs, it is a real
    folder of this user, it holds :data:`MARKER` naming the same full destination, host and pid,
    and ``own(folder)`` (its other contents are capsim's outputs). ``parent`` itself must not be a
    symbolic link."""
    pattern = staging_pattern(name)
    host = _host()
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        if os.path.islink(parent):
            return
        entries = sorted(os.listdir(parent))
    except OSError:
        return
    destination = _destination(parent, name)
    for entry in entries:
        found = pattern.fullmatch(entry)
        if not found or found["kind"] not in kinds or found["host"] != host or _running(int(found["pid"])):
            continue
        path = parent / entry
        with contextlib.suppress(OSError):
            info = path.lstat()
            if not path.is_dir() or path.is_symlink() or (uid is not None and info.st_uid != uid):
                continue
            marker = marked_for(path)
            if (marker is None or marker.get("destination") != destination or marker.get("host") != host
                    or marker.get("pid") != int(found["pid"]) or not own(path)):
                continue
            if found["kind"] == "old":
                if not os.path.lexists(parent / name):
                    os.rename(path, parent / name)  # killed mid-swap: the previous results go back
                    unmark(parent / name)
                    continue
            shutil.rmtree(path)


def kept_name(target: Path) -> Path:
    """A visible, unused name beside ``target`` for results that could not be put at ``target``."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = f"{target.name[:NAME_KEPT]}.capsim-{stamp}"
    for n in range(1, 1000):
        candidate = target.with_name(base if n == 1 else f"{base}-{n}")
        if not os.path.lexists(candidate):
            return candidate
    raise FileExistsError(errno.EEXIST, "no free name", str(target))


def keep(staging: Path, target: Path) -> Path:
    """Rename the finished ``staging`` folder to a visible name beside ``target``; the name (the
    staging folder itself if even that fails)."""
    unmark(staging)
    for _ in range(3):
        try:
            kept = kept_name(target)
            os.rename(staging, kept)  # a folder: never replaces anything but an empty folder
            return kept
        except OSError:
            continue
    return staging


def _renameat2(src: Path, dst: Path) -> bool:
    """renameat2(RENAME_NOREPLACE); False when the system or file system does not offer it."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    if function(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(src), None, str(dst))


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename the file ``src`` to ``dst`` only if nothing is at ``dst`` (FileExistsError if something is)."""
    if _renameat2(src, dst):
        return
    os.link(src, dst)  # EEXIST if anything is there, atomically
    os.unlink(src)
