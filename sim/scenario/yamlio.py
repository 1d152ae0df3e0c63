"""Read a scenario file: YAML 1.2 text -> plain Python data plus the position of every node.

Stage 1 of the pipeline (YAML -> validated Scenario -> model -> results). It only reads; checking
what the data means is :mod:`sim.scenario.schema` and :mod:`sim.scenario.consistency`.

Strict on purpose: duplicate keys, anchors/aliases and tags are errors (they make a planning file
harder to review), and files over :data:`MAX_FILE_BYTES` are refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent

from ..errors import Problem, ScenarioError

MAX_FILE_BYTES = 5_000_000
"""Largest scenario file accepted (bytes): a national study with 10,000 projects is about 3 MB."""

Position = tuple[int, int]
Positions = dict[tuple, Position]


def read_yaml(path: str | Path) -> tuple[Any, Positions]:
    """Parse ``path``; return (data as dicts/lists/scalars, {node path: (line, column)}).

    A node path is a tuple of mapping keys and list indices; ``(..., key, "<key>")`` holds the
    position of the key itself rather than its value. Lines and columns are 1-based.
    """
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ScenarioError(Problem(f"cannot read file: {exc.strerror or exc}", file=name)) from None
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            Problem(f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}", file=name, line=1, column=1)
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(Problem(f"not UTF-8 text ({exc.reason})", file=name)) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str = "<string>") -> tuple[Any, Positions]:
    """Parse YAML text (see :func:`read_yaml`)."""
    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)
    yaml.allow_duplicate_keys = False
    try:
        _reject_anchors_and_tags(yaml, text, name)
        data = yaml.load(text)
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


def _reject_anchors_and_tags(yaml: YAML, text: str, name: str) -> None:
    for event in yaml.parse(text):
        mark = event.start_mark
        where = dict(file=name, line=mark.line + 1, column=mark.column + 1)
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
