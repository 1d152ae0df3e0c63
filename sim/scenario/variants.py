"""Variants: named changes to a scenario, applied to the file's own data and validated again.

A scenario file may carry ``variants``, each a ``set`` of ``dotted.path: value`` changes
(list items named by ``id``)::

    variants:
      no-subsidy:
        description: Remove the capex subsidy
        set: {policies.capex_subsidy.rate: 0}

:func:`apply_variant` applies a variant, then any command-line overrides (``--set path=value``), to the
*raw YAML data* of the base scenario, drops the ``variants`` block and validates the result like a
file of its own. So a variant can set anything the file could say, defaults it left out included,
and a variant that makes the scenario invalid is reported like the file is: the problem names the
variant and points at the line of the variant's own ``set`` entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import Problem, ScenarioError
from .paths import PathError, set_in_data
from .schema import Scenario
from .validate import Origin, attach_origin, origin_of, validate_data
from .yamlio import parse_yaml

BASE = "base"
"""Name of the scenario as written, without any variant."""


@dataclass(frozen=True)
class Change:
    """One ``path: value`` change and where it was written (for error messages)."""

    path: str
    value: Any
    file: str
    line: int | None = None
    column: int | None = None
    variant: str | None = None  # the variant that makes it; None for a command-line override


def parse_override(text: str) -> Change:
    """``'path=value'`` from the command line; the value is read as YAML (``0.3``, ``2027-06``, ``[1]``)."""
    where = f"--set {text}"
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ScenarioError(Problem("must be written path=value, e.g. policies.capex_subsidy.rate=0.2", file=where))
    value, _ = parse_yaml(raw if raw.strip() else "null", where)
    return Change(path, value, where)


def variant_names(scenario: Scenario) -> list[str]:
    """The scenario's variants, in file order."""
    return list(scenario.variants)


def apply_variant(scenario: Scenario, variant: str | None = None, overrides: Sequence[Change] = ()) -> Scenario:
    """``scenario`` with variant ``variant`` (None or ``"base"``: none) and then ``overrides`` applied.

    ``overrides`` are :class:`Change` s, ``"path=value"`` texts as ``--set`` takes them, or a mapping
    ``{path: value}``. Raises :class:`ScenarioError` for an unknown variant, a path that does not
    exist, or a result that is not a valid scenario. The returned scenario's origin records what
    was applied.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"apply_variant expects a Scenario (from sim.load_scenario or sim.scenario_from_data), "
                        f"got {type(scenario).__name__}")
    if variant is not None and not isinstance(variant, str):
        raise TypeError(f"variant must be a variant's name, got {type(variant).__name__}")
    overrides = _as_changes(overrides)
    origin = origin_of(scenario)
    if origin is None or origin.data is None:  # built in Python: work from its dump
        origin = Origin(None, None, scenario.model_dump(mode="json", by_alias=True, exclude_none=True), {})
    file = origin.path or "<data>"
    name = variant if variant not in (None, BASE) else None
    changes: list[Change] = []
    label = None
    if name is not None:
        if name not in scenario.variants:
            known = ", ".join(scenario.variants) or "none"
            raise ScenarioError(Problem(f"unknown variant {name!r}; this scenario's variants: {known}", file=file))
        label = f"variant {name!r}: "
        for path, value in scenario.variants[name].set_.items():
            line, column = origin.positions.get(("variants", name, "set", path), (None, None))
            changes.append(Change(path, value, file, line, column, name))
    changes.extend(overrides)
    if not changes:
        return scenario

    data = {key: value for key, value in origin.data.items() if key != "variants"}
    positions = {key: pos for key, pos in origin.positions.items() if not key or key[0] != "variants"}
    problems: list[Problem] = []
    undrawn: dict[str, None] = {}  # drawn parameters an override fixed, in order
    snapshots: list[tuple[dict, dict]] = []  # data and positions after each change
    for index, change in enumerate(changes):
        try:
            if change.path.split(".")[0] == "variants":
                raise PathError("a variant cannot change `variants`")
            data, data_path = set_in_data(data, change.path, change.value)
        except PathError as exc:
            problems.append(_at(change, Problem(str(exc), path=change.path)))
            continue
        undrawn.update(dict.fromkeys(_stop_drawing(data, data_path)))
        # every problem under the changed value is reported where the change was written
        marker = (-(index + 1), 0)
        positions = {key: pos for key, pos in positions.items() if key[: len(data_path)] != data_path}
        for depth in range(1, len(data_path) + 1):
            positions.setdefault(data_path[:depth], marker)
        positions[data_path] = marker
        snapshots.append((data, positions))
    if problems:
        raise ScenarioError(problems)
    try:
        derived = validate_data(data, file=file, positions=positions)
    except ScenarioError as exc:
        culprit = _Culprit(snapshots, file)
        raise ScenarioError([_relocate(p, changes, label, culprit) for p in exc.problems]) from None
    applied = {
        "variant": name or BASE,
        "description": scenario.variants[name].description if name else None,
        "set": dict(scenario.variants[name].set_) if name else {},
        "overrides": {c.path: c.value for c in overrides},
        "undrawn": [key for key in undrawn if key not in _parameters(data)],  # a later change may draw it again
    }
    return attach_origin(derived, Origin(origin.path, origin.sha256, data, positions, name or BASE, applied))


PARAMETERS = ("uncertainty", "parameters")


def _parameters(data: dict) -> dict:
    unc = data.get("uncertainty")
    parameters = unc.get("parameters") if isinstance(unc, dict) else None
    return parameters if isinstance(parameters, dict) else {}


def _stop_drawing(data: dict, changed: tuple) -> list[str]:
    """Remove from ``data`` (in place) the drawn parameters at or below the data path ``changed``.

    A value that a variant or an override sets replaces its draw: the run uses the value set, in
    every replication. Returns the parameters removed.
    """
    parameters = _parameters(data)
    if changed[:1] == ("uncertainty",) or not parameters:
        return []
    removed = []
    for key in list(parameters):
        try:
            _, drawn = set_in_data(data, str(key), None)
        except PathError:
            continue
        if drawn[: len(changed)] == changed:
            removed.append(str(key))
    if removed:
        data["uncertainty"] = {**data["uncertainty"], "parameters": {k: v for k, v in parameters.items() if k not in removed}}
    return removed


def _as_changes(overrides) -> list[Change]:
    if isinstance(overrides, Mapping):
        return [Change(str(path), value, f"override {path}") for path, value in overrides.items()]
    if isinstance(overrides, (str, bytes)):
        raise TypeError("overrides must be a list of 'path=value' texts or Changes, or a {path: value} mapping")
    changes = []
    for item in overrides:
        if isinstance(item, str):
            item = parse_override(item)
        if not isinstance(item, Change):
            raise TypeError(f"an override must be a 'path=value' text or a Change, got {type(item).__name__}")
        changes.append(item)
    return changes


def _at(change: Change, problem: Problem) -> Problem:
    prefix = f"variant {change.variant!r}: " if change.variant else ""
    return Problem(f"{prefix}{problem.message}", path=problem.path, file=change.file,
                   line=change.line, column=change.column)


class _Culprit:
    """Which change first makes a problem appear: the data after 1, 2, ... changes, validated in turn.

    A problem found outside every changed value (a target month left outside a horizon that an
    override moved) is still caused by a change, since the base scenario is valid; it is reported
    at the first change after which it appears.
    """

    def __init__(self, snapshots: list[tuple[dict, dict]], file: str):
        self.snapshots = snapshots
        self.file = file
        self.found: list[set[str]] = []

    def __call__(self, problem: Problem) -> int:
        for index, (data, positions) in enumerate(self.snapshots):
            if index == len(self.found):
                try:
                    validate_data(data, file=self.file, positions=positions)
                    paths: set[str] = set()
                except ScenarioError as exc:
                    paths = {p.path for p in exc.problems}
                self.found.append(paths)
            if problem.path in self.found[index]:
                return index
        return len(self.snapshots) - 1


def _relocate(problem: Problem, changes: list[Change], label: str | None, culprit: _Culprit) -> Problem:
    """Point a problem found in derived data at the change that caused it: the change under whose
    value it lies (marker lines < 0), else the first change after which it appears."""
    if problem.line is not None and problem.line < 0:
        return _at(changes[-problem.line - 1], problem)
    if changes:
        return _at(changes[culprit(problem)], problem)
    return Problem(f"{label or ''}{problem.message}", path=problem.path, file=problem.file,
                   line=problem.line, column=problem.column)


def fixed_changes(values: Mapping[str, float], where: str) -> list[Change]:
    """The changes that fix each ``path: value`` of ``values`` for a whole run.

    Like every change, one on a path that ``uncertainty.parameters`` draws replaces the draw (see
    :func:`_stop_drawing`): the value is the same in every replication. Every other draw stays as
    it was: draws are keyed by what they draw (:mod:`sim.engine.draws`), so replication r of the
    fixed scenario sees the same delays, go decisions and other parameters as replication r of the
    scenario (common random numbers). ``where`` names the source of the values in error messages
    (e.g. ``--lever grid.headroom_mw``).
    """
    return [Change(path, float(value), where) for path, value in values.items()]


def with_fixed_values(scenario: Scenario, values: Mapping[str, float], where: str) -> Scenario:
    """``scenario`` with each ``path: value`` fixed for the whole run (see :func:`fixed_changes`)."""
    if not values:
        return scenario
    return apply_variant(scenario, None, fixed_changes(values, where))


def variant_changes(scenario: Scenario, name: str) -> list[Change]:
    """The changes variant ``name`` makes, each with the line of its own ``set`` entry."""
    if name not in scenario.variants:
        known = ", ".join(scenario.variants) or "none"
        origin = origin_of(scenario)
        raise ScenarioError(Problem(f"unknown variant {name!r}; this scenario's variants: {known}",
                                    file=origin.path if origin and origin.path else None))
    origin = origin_of(scenario)
    positions = origin.positions if origin is not None else {}
    file = origin.path if origin is not None and origin.path else "<data>"
    return [Change(path, value, file, *positions.get(("variants", name, "set", path), (None, None)), name)
            for path, value in scenario.variants[name].set_.items()]


def _data_path(data: Any, path: str) -> tuple:
    """``path`` resolved against the scenario's data as ``--set`` resolves it (a list item named by
    its id, its name or its index all give the item's index); as written when it does not resolve."""
    try:
        return tuple(str(k) for k in set_in_data(data, path, None)[1])
    except PathError:
        return tuple(path.split("."))


def clashing_paths(scenario: Scenario, first: Iterable[str], second: Iterable[str]) -> list[tuple[str, str]]:
    """(path of ``first``, path of ``second``) for each pair that sets the same value once resolved
    against the scenario (:func:`_data_path`): the same value, or one inside the other, however
    each names it (``projects.0.it_mw`` and ``projects.north-general-base.it_mw``)."""
    origin = origin_of(scenario)
    if origin is None or origin.data is None:
        data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    else:
        data = origin.data
    data = {key: value for key, value in data.items() if key != "variants"}
    theirs = [(b, _data_path(data, b)) for b in second]
    out = []
    for a in first:
        mine = _data_path(data, a)
        out += [(a, b) for b, path in theirs if path[: len(mine)] == mine or mine[: len(path)] == path]
    return out


def clash_text(pair: tuple[str, str]) -> str:
    """'projects.a.it_mw', or 'projects.a.it_mw (the other writes it projects.0.it_mw)'."""
    a, b = pair
    return a if a == b else f"{a} (the other writes it {b})"


def combine_variants(scenario: Scenario, first: str, then: str) -> Scenario:
    """``scenario`` with variant ``first`` applied, then variant ``then`` (a policy under a risk:
    the policy's changes, then the risk's). Two variants that set the same value (the same path, or
    one inside the other) are refused with one ScenarioError naming both and the path: which of
    them should win is a question only the scenario's author can answer."""
    changes = variant_changes(scenario, then)
    mine = scenario.variants[first].set_ if first in scenario.variants else {}
    clash = clashing_paths(scenario, mine, [c.path for c in changes])
    if clash:
        origin = origin_of(scenario)
        raise ScenarioError(Problem(
            f"variants {first!r} and {then!r} both set {clash_text(clash[0])}: the one cannot be applied under the other "
            f"(write a variant that sets both as you mean them)", file=origin.path if origin and origin.path else None))
    try:
        return apply_variant(scenario, first, changes)
    except ScenarioError as exc:  # each is valid alone: say which pair fails together
        raise ScenarioError([Problem(f"{p.message} (with variant {first!r} applied first)", path=p.path, file=p.file,
                                     line=p.line, column=p.column) for p in exc.problems]) from None


def check_variants(scenario: Scenario) -> None:
    """Validate every variant of ``scenario``; raise one :class:`ScenarioError` listing all problems."""
    problems: list[Problem] = []
    for name in scenario.variants:
        try:
            apply_variant(scenario, name)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)


def select(scenario: Scenario, names: Iterable[str] | str | None) -> list[str]:
    """Variant names to compare: None or ``"all"`` = every variant, in file order."""
    if names is None or names == "all":
        return variant_names(scenario)
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    names = [n for n in names if n != BASE]
    unknown = [n for n in names if n not in scenario.variants]
    if unknown:
        origin = origin_of(scenario)
        known = ", ".join(scenario.variants) or "none"
        raise ScenarioError(Problem(f"unknown variant {', '.join(map(repr, unknown))}; this scenario's variants: {known}",
                                    file=origin.path if origin and origin.path else None))
    return list(dict.fromkeys(names))


def variant_label(name: str, spec: Any = None) -> str:
    """The plain name shown for variant ``name``: its ``label:`` when it has one, else the name
    with ``-`` and ``_`` as spaces ('fast-track' -> 'fast track'; the base: 'base (do nothing new)').
    ``spec`` is the Variant or its dict in ``manifest.json``'s resolved scenario."""
    label = spec.get("label") if isinstance(spec, dict) else getattr(spec, "label", None)
    if label:
        return str(label)
    if name == BASE:
        return "base (do nothing new)"
    return name.replace("-", " ").replace("_", " ")
