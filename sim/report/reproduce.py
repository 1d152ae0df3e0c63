"""The report's Reproduce section: the command again in plain words, then, collapsed (``<details>``,
left out of print unless opened), every key of the manifest and the result tables to download.

No machine path is shown: an absolute path in the command or the manifest (the output folder,
the scenario's resolved path, the working directory, the Python executable) is shown by its last
part (``…/shanxi.yaml``); the tables are named as in the results folder and linked relative to
the report."""

from __future__ import annotations

import base64
import json
import ntpath
import os
import shlex
from pathlib import Path
from urllib.parse import quote

import pandas as pd

EMBED_MAX_BYTES = 1_000_000
"""A table is embedded in the page for download when it is at most this large (linked always)."""


def is_machine_path(text: str) -> bool:
    """An absolute path of this or another machine: ``/srv/x``, ``~/x``, ``D:/x``, ``\\\\host\\x``."""
    return text.startswith(("/", "~")) or ntpath.isabs(text) and len(text) > 2


def last_part(text: str) -> str:
    """An absolute path by its last part (``/srv/r/shanxi`` -> ``shanxi``)."""
    return ntpath.basename(text.rstrip("/\\").replace("/", "\\")) or text


def no_machine_paths(value: object) -> object:
    """``value`` (a manifest entry) with every absolute path shown as ``…/`` and its last part."""
    if isinstance(value, str):
        return f"…/{last_part(value)}" if is_machine_path(value) else value
    if isinstance(value, list):
        return [no_machine_paths(v) for v in value]
    if isinstance(value, dict):
        return {k: no_machine_paths(v) for k, v in value.items()}
    return value


def command_words(manifest: dict) -> str | None:
    """The command that wrote the folder, with absolute paths by their last part; None without one."""
    command = manifest.get("command")
    if not (isinstance(command, list) and command and all(isinstance(c, str) for c in command)):
        return None
    return shlex.join(last_part(c) if is_machine_path(c) else c for c in command)


def _value(value: object, esc) -> str:
    value = no_machine_paths(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return f"<code>{esc(shlex.join(value))}</code>"
    if isinstance(value, (dict, list)):
        return f'<code>{esc(json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))}</code>'
    return esc(value)


def reproduce_section(folder, report_dir: Path, esc, html_table) -> str:
    m = folder.manifest
    scenario = m.get("scenario") if isinstance(m.get("scenario"), dict) else {}
    versions = m.get("versions") if isinstance(m.get("versions"), dict) else {}
    command = command_words(m)
    file = scenario.get("path")
    said = [f"run <code>{esc(command)}</code>" if command else "run the same command"]
    if isinstance(file, str):
        name = f" ({esc(scenario['name'])})" if isinstance(scenario.get("name"), str) else ""
        sha = f", sha256 <code>{esc(str(scenario['sha256'])[:12])}…</code>" if scenario.get("sha256") else ""
        said.append(f"with the scenario file <code>{esc(no_machine_paths(file))}</code>{name}{sha}")
    if versions.get("capsim"):
        said.append(f"and capsim {esc(versions['capsim'])}")
    intro = (f'<p id="reproduce-command">To get the same tables again, {" ".join(said)}. The same scenario file '
             "(same sha256) and seed give identical CSV tables, whatever the number of worker processes; paths "
             "of this machine are shown by their last part.</p>")
    items = [(k, v) for k, v in m.items() if k not in ("resolved_scenario", "runs")]
    facts = "".join(f"<dt>{esc(k)}</dt><dd>{_value(v, esc)}</dd>" for k, v in items)
    rows = []
    for name, table in folder.tables.items():
        href = quote(Path(os.path.relpath(folder.path / f"{name}.csv", report_dir)).as_posix())
        raw = folder.raw.get(name, b"")  # the bytes read and checked, not the file read again
        download = ""
        if len(raw) <= EMBED_MAX_BYTES:
            data = base64.b64encode(raw).decode("ascii")
            download = f'<a download="{esc(name)}.csv" href="data:text/csv;base64,{data}">download</a>'
        rows.append({"table": f"<code>{esc(name)}.csv</code>", "rows": f"{len(table):,}",
                     "columns": esc(", ".join(map(str, table.columns))),
                     "embedded": download or f"no (over {EMBED_MAX_BYTES / 1e6:g} MB)",
                     "in the results folder": f'<a href="{esc(href)}">{esc(name)}.csv</a>'})
    tables = html_table(pd.DataFrame(rows), "The result tables", raw=("table", "columns", "embedded",
                                                                     "in the results folder"), tight=("table",))
    return (intro + f'<details id="reproduce-details"><summary>The manifest ({len(items)} keys) and the '
            f"{len(rows)} result tables, to download</summary>"
            f'<dl class="kv">{facts}</dl>{tables}</details>')
