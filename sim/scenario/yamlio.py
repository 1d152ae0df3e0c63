"""Read a scenario file: YAML 1.2 text -> plain Python data plus the position of every node.

Stage 1 of the pipeline (YAML -> validated Scenario -> model -> results). It only reads; checking
what the data means is :mod:`sim.scenario.schema` and :mod:`sim.scenario.consistency`.

Strict on purpose: duplicate keys, anchors/aliases and tags are errors (they make a planning file
harder to review), and files over :data:`MAX_FILE_BYTES` or nested deeper than :data:`MAX_DEPTH`
are refused (before the parser spends time on them).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent
from ruamel.yaml.parser import RoundTripParser
from ruamel.yaml.reader import ReaderError

from ..errors import Problem, ScenarioError

MAX_FILE_BYTES = 5_000_000
"""Largest scenario file accepted (bytes): a national study with 10,000 projects is about 3 MB."""

Position = tuple[int, int]
Positions = dict[tuple, Position]


MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted (a scenario needs about 6)."""


def read_file(path: str | Path) -> tuple[str, str]:
    """(text, sha256 of its bytes) of the scenario file at ``path``; :class:`ScenarioError` if it
    cannot be one.

    At most :data:`MAX_FILE_BYTES` + 1 bytes are read, whatever the file system says its size is
    (a device such as ``/dev/zero`` or a pipe has no size), and a FIFO without a writer is not
    waited on: a file that is not a regular one and gives nothing to read is refused as such.
    """
    name = str(path)

    def fail(message: str, **where) -> ScenarioError:
        return ScenarioError(Problem(message, file=name, **where))

    if isinstance(path, str) and not path:
        raise fail("expected a path to a scenario file; got an empty string")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise fail("is a folder, not a scenario file") from None
    except OSError as exc:
        raise fail(f"cannot read file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise fail("is a folder, not a scenario file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise fail(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise fail(f"file is larger than the limit of {MAX_FILE_BYTES:,} bytes", line=1, column=1)
    raw = b"".join(chunks)
    if not raw and not stat.S_ISREG(info.st_mode):  # a FIFO without a writer, /dev/null: not "the file is empty"
        kind = ("a named pipe, FIFO" if stat.S_ISFIFO(info.st_mode) else
                "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "a special file")
        raise fail(f"is not a regular file ({kind}) and gave nothing to read; give a scenario YAML file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise fail(f"not UTF-8 text ({exc.reason})", line=line, column=column) from None
    return text, hashlib.sha256(raw).hexdigest()


def read_yaml(path: str | Path) -> tuple[Any, Positions]:
    """Parse ``path``; return (data as dicts/lists/scalars, {node path: (line, column)}).

    A node path is a tuple of mapping keys and list indices; ``(..., key, "<key>")`` holds the
    position of the key itself rather than its value. Lines and columns are 1-based.
    """
    text, _ = read_file(path)
    return parse_yaml(text, str(path))


def parse_yaml(text: str, name: str = "<string>") -> tuple[Any, Positions]:
    """Parse YAML text (see :func:`read_yaml`) with ruamel's YAML 1.2 parser; its errors name the
    file, line and column."""
    _check_flow_depth(text, name)
    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)
    yaml.allow_duplicate_keys = False
    yaml.Parser = _CheckedParser
    yaml.check_event = _EventCheck(name)
    try:
        data = yaml.load(text)
    except ReaderError as exc:  # a control character: position is an offset into the text
        at = min(max(int(exc.position), 0), len(text))
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise ScenarioError(Problem(f"character U+{code:04X} is not allowed in YAML (a control character); "
                                    "remove it", file=name, line=line, column=column)) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "duplicate key" in problem or "found duplicate key" in str(exc):
            key = _duplicate_key(str(exc))
            problem = f"duplicate key {key!r}" if key else "duplicate key"
        raise ScenarioError(
            Problem(
                problem,
                file=name,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ) from None
    positions: Positions = {}
    plain = _to_plain(data, (), positions)
    return plain, positions


def _duplicate_key(message: str) -> str | None:
    marker = 'found duplicate key "'
    start = message.find(marker)
    if start < 0:
        return None
    rest = message[start + len(marker):]
    return rest.split('"', 1)[0]


_FLOW_MARKS = re.compile(r"""[\[\]{}\n#'"]""")
_OPENS_QUOTE = frozenset(" \t\n[{,:")


def _too_deep(name: str, text: str, offset: int) -> ScenarioError:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return ScenarioError(Problem(f"nested deeper than {MAX_DEPTH} levels of mappings and lists",
                                 file=name, line=line, column=column))


def _check_flow_depth(text: str, name: str) -> None:
    """Refuse ``[[[[...`` / ``{a: {a: ...`` nested past :data:`MAX_DEPTH` before parsing.

    The YAML scanner looks at every opening bracket of a flow collection before it yields the first
    one, in time growing with the square of their number; this lexical pass (quotes and comments
    skipped) is linear. Block nesting is counted exactly while parsing.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    quote = None
    comment = False
    for match in _FLOW_MARKS.finditer(text):
        char, at = match.group(), match.start()
        if char == "\n":
            comment = False
            continue
        if comment:
            continue
        if quote is not None:
            if char == quote:
                quote = None
            continue
        if char == "#" and (at == 0 or text[at - 1] in " \t\n"):
            comment = True
        elif char in "'\"" and (at == 0 or text[at - 1] in _OPENS_QUOTE):
            quote = char
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(name, text, at)
        elif char in "]}":
            depth = max(depth - 1, 0)


class _EventCheck:
    """Refuses anchors, aliases, explicit tags and nesting deeper than :data:`MAX_DEPTH`, one
    parser event at a time, in the order of the file."""

    def __init__(self, name: str):
        self.name = name
        self.depth = 0

    def __call__(self, event) -> None:
        mark = event.start_mark
        where = dict(file=self.name, line=mark.line + 1, column=mark.column + 1)
        if isinstance(event, CollectionStartEvent):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ScenarioError(Problem(f"nested deeper than {MAX_DEPTH} levels of mappings and lists", **where))
        elif isinstance(event, CollectionEndEvent):
            self.depth -= 1
        if isinstance(event, ScalarEvent) and event.value == "<<" and event.style is None:
            raise ScenarioError(Problem("merge keys (<<) are not allowed; write the values out", **where))
        if isinstance(event, AliasEvent):
            raise ScenarioError(Problem(f"aliases (*{event.anchor}) are not allowed; write the value out", **where))
        if isinstance(event, (ScalarEvent, CollectionStartEvent)):
            if event.anchor is not None:
                raise ScenarioError(Problem(f"anchors (&{event.anchor}) are not allowed; write the value out", **where))
            if isinstance(event, ScalarEvent):
                explicit_tag = event.tag is not None and not any(event.implicit or ())
            else:
                explicit_tag = event.tag is not None and not event.implicit
            if explicit_tag:
                raise ScenarioError(Problem(f"tags ({event.tag}) are not allowed", **where))


class _CheckedParser(RoundTripParser):
    """ruamel's round-trip parser with :class:`_EventCheck` (the loader's ``check_event``) run on
    every event as the composer takes it: the file is parsed once, and nothing is built from an
    anchor, alias or tag, or past the depth limit."""

    def get_event(self):
        event = super().get_event()
        self.loader.check_event(event)
        return event


def _to_plain(node: Any, path: tuple, positions: Positions) -> Any:
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            line, col = node.lc.key(key)
            positions[path + (key, "<key>")] = (line + 1, col + 1)
            vline, vcol = node.lc.value(key)
            positions[path + (key,)] = (vline + 1, vcol + 1)
            out[str(key) if not isinstance(key, (int, float)) else key] = _to_plain(value, path + (key,), positions)
        if path not in positions:
            positions[path] = (node.lc.line + 1, node.lc.col + 1)
        positions[path + ("<start>",)] = (node.lc.line + 1, node.lc.col + 1)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for index, value in enumerate(node):
            line, col = node.lc.item(index)
            positions[path + (index,)] = (line + 1, col + 1)
            out_list.append(_to_plain(value, path + (index,), positions))
        if path not in positions:
            positions[path] = (node.lc.line + 1, node.lc.col + 1)
        positions[path + ("<start>",)] = (node.lc.line + 1, node.lc.col + 1)
        return out_list
    if node is None or isinstance(node, (bool, int, float)):
        return node if not hasattr(node, "real") or isinstance(node, bool) else _plain_number(node)
    return str(node)


def _plain_number(value: Any) -> int | float:
    # ruamel returns ScalarFloat / ScalarInt subclasses; hand back builtins.
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return float(value)
