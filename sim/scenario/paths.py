"""Dotted paths into a scenario: ``projects.north-ai-1.it_mw``, ``supply.ai_pflops_per_month``.

A segment names a mapping key or a field; in a list, it names the item whose ``id`` (or, for
targets, ``name``) equals it, or else a 0-based index. Used by ``uncertainty.parameters`` (drawn
values) and by overrides.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

ITEM_KEYS = ("id", "name")


class PathError(ValueError):
    """A dotted path that does not name a value of the scenario."""


def _field_name(model: BaseModel, segment: str) -> str:
    fields = type(model).model_fields
    if segment in fields:
        return segment
    for name, info in fields.items():
        if info.alias == segment:
            return name
    raise PathError(f"no field {segment!r} here; fields: {', '.join(info.alias or n for n, info in fields.items())}")


def _list_index(items, segment: str) -> int:
    for key in ITEM_KEYS:
        for index, item in enumerate(items):
            value = getattr(item, key, None) if not isinstance(item, dict) else item.get(key)
            if value is not None and str(value) == segment:
                return index
    if segment.isdigit() and int(segment) < len(items):
        return int(segment)
    raise PathError(f"no item {segment!r} in this list")


def _child(node: Any, segment: str) -> tuple[Any, Any]:
    """(key used, child value)."""
    if node is None:
        raise PathError("that block is not set in the scenario")
    if isinstance(node, BaseModel):
        name = _field_name(node, segment)
        return name, getattr(node, name)
    if isinstance(node, dict):
        if segment not in node:
            raise PathError(f"no key {segment!r} here")
        return segment, node[segment]
    if isinstance(node, (list, tuple)):
        index = _list_index(node, segment)
        return index, node[index]
    raise PathError(f"{segment!r} goes below a value that has no parts")


def resolve_path(root: Any, path: str, numeric: bool = True) -> Any:
    """The value at ``path``; raises :class:`PathError` if absent or (``numeric``) not a number."""
    node = root
    done: list[str] = []
    for segment in path.split("."):
        try:
            _, node = _child(node, segment)
        except PathError as exc:
            where = ".".join(done) or "the scenario"
            raise PathError(f"path {path!r} does not exist: at {where}: {exc}") from None
        done.append(segment)
    if numeric and (isinstance(node, bool) or not isinstance(node, (int, float))):
        raise PathError(f"path {path!r} names {_kind(node)}, not a number")
    return node


def _kind(node: Any) -> str:
    """What a value is, in a few words: ``a list``, ``a block``, ``str '2025-03'``."""
    if node is None:
        return "nothing (not set)"
    if isinstance(node, BaseModel):
        return "a block of fields"
    if isinstance(node, (list, tuple)):
        return "a list"
    if isinstance(node, dict):
        return "a mapping"
    text = repr(node)
    return f"{type(node).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def field_of(root: Any, path: str) -> tuple[str, Any] | None:
    """(field name, pydantic ``FieldInfo``) of the value at ``path``, or None when that value is not
    a field of a model (a mapping entry, a list item). The path must exist (:func:`resolve_path`)."""
    parent_path, _, last = path.rpartition(".")
    parent = resolve_path(root, parent_path, numeric=False) if parent_path else root
    if not isinstance(parent, BaseModel):
        return None
    name = _field_name(parent, last)
    return name, type(parent).model_fields[name]


UNIT_WORDS = {"mw": "MW", "mwh": "MWh", "cny": "CNY", "c": "°C", "t": "t", "months": "months", "month": "month",
              "pflops": "PFLOPS", "hour": "hour", "hours": "hours", "mb": "MB"}
"""Unit suffixes of field names (schema.py: units are in the names) -> the unit as printed."""


def unit_of(name: str) -> str:
    """The unit a field name carries: ``headroom_mw`` -> ``MW``, ``ai_pflops_per_month`` ->
    ``PFLOPS/month``, ``price_cny_per_pflops_hour`` -> ``CNY/PFLOPS-hour``; '' when none."""

    def words(text: str) -> str:
        parts = text.split("_")
        for start in range(len(parts)):
            tail = parts[start:]
            if all(part in UNIT_WORDS for part in tail):
                return "-".join(UNIT_WORDS[part] for part in tail)
        return ""

    if "_per_" in name:
        head, _, tail = name.partition("_per_")
        top, bottom = words(head), words(tail)
        return f"{top}/{bottom}" if top and bottom else ""
    return words(name)


def _replace(node: Any, segments: list[str], value: Any) -> Any:
    if not segments:
        return value
    key, child = _child(node, segments[0])
    new_child = _replace(child, segments[1:], value)
    if isinstance(node, BaseModel):
        return node.model_copy(update={key: new_child})
    if isinstance(node, dict):
        out = dict(node)
        out[key] = new_child
        return out
    items = list(node)
    items[key] = new_child
    return tuple(items) if isinstance(node, tuple) else items


def with_values(root: Any, values: dict[str, Any]) -> Any:
    """A copy of ``root`` with each ``path: value`` replaced (no validation; paths must exist)."""
    for path, value in values.items():
        root = _replace(root, path.split("."), value)
    return root


def set_in_data(data: Any, path: str, value: Any) -> tuple[Any, tuple]:
    """Plain data (as read from YAML) with ``path`` set to ``value``, and the data path it set.

    ``data`` is not changed; the parts along the path are copied. A missing mapping key is added
    (with empty mappings above it as needed), so a default the file left out can be set; whether
    the key is allowed is the schema's business. A list item must exist. The data path is a tuple
    of keys and list indices, as in :mod:`sim.scenario.yamlio`'s positions.

    A mapping key may itself contain dots (``uncertainty.parameters`` is keyed by dotted paths):
    the longest run of segments that names an existing key is taken whole, so
    ``uncertainty.parameters.supply.ai_pflops_per_month`` names that parameter's distribution
    and ``uncertainty.parameters.supply.ai_pflops_per_month.high`` its upper bound. Below
    ``uncertainty.parameters`` a new key is the whole rest of the path.
    """
    segments = path.split(".")
    if not all(segments):
        raise PathError(f"path {path!r} has an empty part")
    done: list[str] = []

    def put(node: Any, rest: list[str]) -> tuple[Any, tuple]:
        if not rest:
            return value, ()
        segment = rest[0]
        used = 1
        if node is None:
            node = {}
        if isinstance(node, dict):
            key: Any = segment
            used = _dotted_key_length(node, rest, tuple(done))
            if used > 1:
                key = ".".join(rest[:used])
            elif key not in node and segment.lstrip("-").isdigit() and int(segment) in node:
                key = int(segment)  # mapping keyed by numbers, e.g. green_share: {2027: 0.4}
            child = node.get(key)
            out: Any = dict(node)
        elif isinstance(node, list):
            try:
                key = _list_index(node, segment)
            except PathError as exc:
                where = ".".join(done) or "the scenario"
                raise PathError(f"path {path!r} does not exist: at {where}: {exc}") from None
            child = node[key]
            out = list(node)
        else:
            where = ".".join(done) or "the scenario"
            raise PathError(f"path {path!r} does not exist: at {where}: {segment!r} goes below a value that has no parts")
        done.append(str(key))
        new_child, below = put(child, rest[used:])
        out[key] = new_child
        return out, (key,) + below

    return put(data, segments)


PATH_KEYED = ("uncertainty", "parameters")
"""The mapping whose keys are dotted paths themselves."""


def _dotted_key_length(node: dict, rest: list[str], at: tuple[str, ...]) -> int:
    """How many segments of ``rest`` form the key of ``node``: the longest run that names an
    existing key (keys with dots); below :data:`PATH_KEYED` a new key takes the whole rest."""
    for used in range(len(rest), 1, -1):
        if ".".join(rest[:used]) in node:
            return used
    if at == PATH_KEYED and rest[0] not in node:
        return len(rest)
    return 1
