"""Every problem in one pass: the cross-field checks run on the parts of a file that passed the schema.

When the schema finds problems, :func:`cross_field_of_the_rest` sets aside the parts that hold
them — a project, target or grid addition (a list item), a site, cooling, variant, drawn
parameter, delay or policy lever (a mapping entry), an optional block (any top-level key with a
default: ``grid``, ``supply``, ``accounting``, ``uncertainty``, ...) — validates the rest and runs the cross-field checks of
:mod:`sim.scenario.consistency` and :mod:`sim.scenario.support` on it. Findings are reported in
the file's own places (list positions mapped back), except those that name a part set aside (a
project naming a site that failed the schema is not reported as naming an unknown site). A
problem in a part that cannot be left out (``horizon``, the ``projects`` list itself) stops the
cross-field checks; the caller says so in a last line, :data:`NOT_CHECKED`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from . import consistency, support
from .schema import Scenario

LIST_ITEMS = (("projects",), ("targets",), ("grid", "additions"))
MAPPING_ENTRIES = (("sites",), ("cooling",), ("variants",), ("uncertainty", "parameters"),
                   ("uncertainty", "delay_months"), ("uncertainty", "go_probability"), ("policies",))
OPTIONAL_BLOCKS = tuple(field.alias or name for name, field in Scenario.model_fields.items()
                        if not field.is_required())
"""Top-level keys with a default (``grid``, ``supply``, ``uncertainty``, ``accounting``, ...)."""
PLACEHOLDERS = {"name": "?", "version": 1}
"""Required scalars a check never reads: a stand-in lets the checks run."""
NOT_CHECKED = "(cross-field checks run once these are fixed)"

Finding = tuple[tuple, str]


def _copy(data: Any) -> Any:
    """A copy whose mappings can be changed without touching ``data`` (lists are replaced, not changed)."""
    return {k: _copy(v) for k, v in data.items()} if isinstance(data, dict) else data


def _set_aside(data: dict, errors: list[dict]) -> tuple[dict, dict[tuple, list[int]], set[str]] | None:
    """(the rest of ``data``, {list: original index of each item kept}, names of what was set
    aside), or None when a problem lies where nothing can be set aside."""
    items: dict[tuple, set[int]] = {}
    keys: set[tuple] = set()
    rest = _copy(data)
    for err in errors:
        loc = tuple(err["loc"])
        if loc[:1] and loc[0] in PLACEHOLDERS and len(loc) == 1:
            rest[loc[0]] = PLACEHOLDERS[loc[0]]
            continue
        listed = next((p for p in LIST_ITEMS if loc[:len(p)] == p and len(loc) > len(p)
                       and isinstance(loc[len(p)], int)), None)
        if listed is not None:
            items.setdefault(listed, set()).add(loc[len(listed)])
            continue
        mapped = next((p for p in MAPPING_ENTRIES if loc[:len(p)] == p and len(loc) > len(p)), None)
        if mapped is not None:
            keys.add(loc[:len(mapped) + 1])
        elif loc[:1] and loc[0] in OPTIONAL_BLOCKS:
            keys.add(loc[:1])
        else:
            return None

    def holder(path: tuple) -> Any:
        node = rest
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        return node

    names: set[str] = set()
    for path in sorted(keys, key=len, reverse=True):
        parent = holder(path[:-1])
        if isinstance(parent, dict) and path[-1] in parent:
            names.add(str(path[-1]))
            del parent[path[-1]]
    kept: dict[tuple, list[int]] = {}
    for path, dropped in items.items():
        parent = holder(path[:-1])
        listed = parent.get(path[-1]) if isinstance(parent, dict) else None
        if not isinstance(listed, list):
            return None
        for i in dropped:
            if 0 <= i < len(listed) and isinstance(listed[i], dict):
                names.update(str(listed[i][k]) for k in ("id", "name") if isinstance(listed[i].get(k), str))
        kept[path] = [i for i in range(len(listed)) if i not in dropped]
        parent[path[-1]] = [listed[i] for i in kept[path]]
    return rest, kept, names


def _back(loc: tuple, kept: dict[tuple, list[int]]) -> tuple:
    """A location in the rest of the data, as a location in the whole file."""
    for path, original in kept.items():
        n = len(path)
        if tuple(loc[:n]) == path and len(loc) > n and isinstance(loc[n], int) and loc[n] < len(original):
            return (*path, original[loc[n]], *loc[n + 1:])
    return tuple(loc)


def cross_field_of_the_rest(data: dict, errors: list[dict], messages: Callable[[dict], str],
                            display: Callable[[tuple], str]) -> tuple[list[Finding], bool]:
    """(cross-field findings on what passed the schema, located in ``data``; whether they could run)."""
    pruned = _set_aside(data, errors)
    if pruned is None:
        return [], False
    rest, kept, names = pruned
    try:
        scenario = Scenario.model_validate(rest)
    except ValidationError:
        return [], False
    findings = consistency.check(scenario) + support.check_delays(scenario)
    findings += support.check_parameters(scenario, messages, lambda loc: display(_back(loc, kept)))
    out = []
    for loc, message in findings:
        if any(f"'{name}'" in message or f".{name}." in message for name in names):
            continue  # it names a part set aside: reported once that part is fixed
        if tuple(loc) in kept and message.startswith("must list at least one"):
            continue  # every item was set aside
        out.append((_back(loc, kept), message))
    return out, True
