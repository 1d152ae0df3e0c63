"""Validate a scenario's data: plain data -> frozen :class:`~sim.scenario.schema.Scenario`.

All problems are collected and raised together as one :class:`~sim.errors.ScenarioError`, each
with its file, line, column and field path, e.g.
``scenarios/x.yaml:14:7: projects[north-ai-1].compute.pflops: must be greater than 0 (got -5)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..errors import Problem, ScenarioError
from . import consistency, facts, partial, sanity, support
from .schema import UNION_TAGS, Scenario
from .yamlio import Positions, parse_yaml, read_file


@dataclass(frozen=True)
class Origin:
    """Where a scenario came from, shown in the manifest; and the raw data it was validated from.

    ``data`` and ``positions`` (the YAML as plain data and the line/column of every node) let
    :mod:`sim.scenario.variants` apply a variant to the file's own data and point at the right line when the
    result is invalid. ``variant`` and ``applied`` say which variant and overrides made it.
    """

    path: str | None
    sha256: str | None
    data: Any = field(default=None, compare=False, repr=False)
    positions: Positions = field(default_factory=dict, compare=False, repr=False)
    variant: str = "base"
    applied: dict = field(default_factory=dict, compare=False)


def attach_origin(scenario: Scenario, origin: Origin) -> Scenario:
    """Keep ``origin`` with ``scenario`` (a frozen model, so set past pydantic)."""
    object.__setattr__(scenario, "__capsim_origin__", origin)
    return scenario


def origin_of(scenario: Scenario) -> Origin | None:
    """The file a scenario was loaded from, if it was loaded from one."""
    return getattr(scenario, "__capsim_origin__", None)


def validate_data(data: Any, file: str = "<data>", positions: Positions | None = None) -> Scenario:
    """Validate plain data (as read from YAML) into a :class:`Scenario`: the schema, then the
    cross-field checks of :mod:`sim.scenario.consistency` and :mod:`sim.scenario.support` (on the
    parts that passed the schema when some did not, see :mod:`sim.scenario.partial`). Its variants are not checked here (see
    :func:`sim.scenario.load.scenario_from_data`)."""
    positions = positions or {}
    if data is None:
        raise ScenarioError(Problem("the file is empty; a scenario is a mapping of keys (name:, horizon:, ...)",
                                    file=file, line=1, column=1))
    if isinstance(data, (str, bytes)) and file == "<data>":
        raise ScenarioError(Problem("expected the scenario as a mapping (dict) of keys; got text: for a file use "
                                    "sim.load_scenario(path)", file=file))
    if not isinstance(data, dict):
        raise ScenarioError(Problem("a scenario must be a mapping of keys (name:, horizon:, ...)", file=file, line=1, column=1))
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        errors = _merge_misspelled(exc.errors())
        problems = [_problem_from_pydantic(err, data, file, positions) for err in errors]
        findings, checked = partial.cross_field_of_the_rest(data, exc.errors(), lambda err: _message(err, None),
                                                            lambda loc: _walk(data, loc)[1])
        problems = _sorted(problems + [locate(loc, message, data, file, positions) for loc, message in findings])
        if not checked:
            problems.append(Problem(partial.NOT_CHECKED, file=file))
        raise ScenarioError(problems) from None
    scenario = _own_sources(scenario, data, file, positions)
    findings = consistency.check(scenario)
    findings += support.check_delays(scenario)
    findings += support.check_parameters(scenario, lambda err: _message(err, None), lambda loc: _walk(data, loc)[1])
    if findings:
        problems = [locate(loc, message, data, file, positions) for loc, message in findings]
        raise ScenarioError(_sorted(problems))
    attach_origin(scenario, Origin(None, None, data, positions))
    return scenario


def warn_implausible(scenario: Scenario, data: Any, file: str, positions: Positions | None = None) -> None:
    """Warn (sim.scenario.sanity) about the implausible figures of a scenario as its file has them
    and about fact ids it cites that are listed nowhere (sim.scenario.facts). Called when a file or
    data is loaded, not for the scenarios derived from it (variants, levers, drawn values)."""
    own = [fact.id for fact in scenario.sources]
    sanity.warn([str(locate(loc, message, data, file, positions or {})) for loc, message in
                 sanity.findings(scenario) + facts.unlisted(data, own, facts.listed_ids())])


def _own_sources(scenario: Scenario, data: Any, file: str, positions: Positions) -> Scenario:
    """``scenario`` with its ``sources:`` file (named relative to the scenario's folder) read into
    its list of facts (sim.scenario.facts); every fact id listed once."""
    listing, where, at = scenario.sources, file, positions
    if isinstance(listing, str):
        where = str((Path(file).parent if file != "<data>" else Path()) / listing)
        try:
            text, _ = read_file(where)
            raw, at = (facts.markdown_facts(text), {}) if where.lower().endswith(".md") else parse_yaml(text, where)
        except ScenarioError as exc:
            raise ScenarioError([locate(("sources",), f"cannot use the sources file: {p}", data, file, positions)
                                 for p in exc.problems]) from None
        try:
            listing = TypeAdapter(tuple[facts.Fact, ...]).validate_python(raw if raw is not None else ())
        except ValidationError as exc:
            raise ScenarioError([_problem_from_pydantic(err, raw, where, at) for err in exc.errors()]) from None
        scenario = scenario.model_copy(update={"sources": listing})
    seen: set[str] = set()
    for i, fact in enumerate(listing):
        if fact.id in seen:
            loc = (i, "id") if where != file else ("sources", i, "id")
            raise ScenarioError(locate(loc, f"fact {fact.id!r} is listed twice", raw if where != file else data,
                                       where, at))
        seen.add(fact.id)
    return scenario


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


# --- locating a problem in the file ---------------------------------------------------------


def _walk(data: Any, loc: tuple) -> tuple[tuple, str]:
    """Map a pydantic/consistency location to (data path, display path)."""
    node = data
    data_path: list = []
    display = ""
    for step in loc:
        if step == "<key>":
            data_path.append(step)
            break
        if step in UNION_TAGS and not (isinstance(node, dict) and step in node):  # a union's tag: not in the data
            continue
        if isinstance(node, dict):
            if step in node:
                display += ("." if display else "") + str(step)
                data_path.append(step)
                node = node[step]
                continue
            if node.get("dist") == step:  # pydantic's discriminated-union tag: not in the data
                continue
            display += ("." if display else "") + str(step)
            data_path.append(step)
            node = None
            continue
        if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            item = node[step]
            label = str(step)
            if isinstance(item, dict):
                for key in ("id", "name"):
                    if isinstance(item.get(key), str):
                        label = item[key]
                        break
            display += f"[{label}]"
            data_path.append(step)
            node = item
            continue
        display += ("." if display else "") + str(step)
        data_path.append(step)
        node = None
    return tuple(data_path), display


def _position(data_path: tuple, positions: Positions) -> tuple[int, int] | None:
    path = data_path
    while True:
        if path in positions:
            return positions[path]
        if not path:
            return None
        path = path[:-1]


def locate(loc: tuple, message: str, data: Any, file: str, positions: Positions) -> Problem:
    data_path, display = _walk(data, loc)
    pos = _position(data_path, positions)
    return Problem(message, path=display, file=file, line=pos[0] if pos else None, column=pos[1] if pos else None)


# --- pydantic messages in the project's words -----------------------------------------------


def _got(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (dict, list)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(err: dict, allowed_keys: list[str] | None) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        key = err["loc"][-1]
        hint = consistency.nearest(key, allowed_keys or [])
        if not hint and allowed_keys:
            hint = f"; allowed: {', '.join(allowed_keys)}"
        return f"unknown key {key!r}{hint}"
    if kind == "greater_than":
        return f"must be greater than {_got(ctx.get('gt'))} (got {_got(value)})"
    if kind == "greater_than_equal":
        return f"must be at least {_got(ctx.get('ge'))} (got {_got(value)})"
    if kind == "less_than_equal":
        return f"must be at most {_got(ctx.get('le'))} (got {_got(value)})"
    if kind == "less_than":
        return f"must be less than {_got(ctx.get('lt'))} (got {_got(value)})"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')} (got {_got(value)})"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = ctx.get("expected_tags") or "fixed, uniform, triangular, normal, lognormal"
        if kind == "union_tag_not_found":
            return f"needs a 'dist' key, one of {tags}"
        return f"dist must be one of {tags} (got {_got(ctx.get('tag'))})"
    if kind == "finite_number":
        return f"must be a finite number (got {_got(value)})"
    if kind in ("float_type", "float_parsing") and isinstance(value, int) and not isinstance(value, bool):
        return f"must be a finite number (got an integer of {len(str(abs(value)))} digits, too large for a float)"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"):
        return f"must be a number (got {_got(value)})"
    if kind == "string_type":
        return f"must be text (got {_got(value)})"
    if kind == "string_pattern_mismatch":
        return f"must use letters, digits, '-' and '_' only (got {_got(value)})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of keys (got {_got(value)})"
    if kind == "too_short" and isinstance(value, dict):
        return f"must have at least {ctx.get('min_length', 1)} entry (got an empty mapping)"
    if kind in ("tuple_type", "list_type"):
        return f"must be a list (got {_got(value)})"
    if kind == "value_error":
        return str(ctx.get("error") or err["msg"]).removeprefix("Value error, ")
    msg = err["msg"].replace("Input should be", "must be")
    return f"{msg} (got {_got(value)})" if "got" not in msg else msg


def _allowed_keys(loc: tuple) -> list[str] | None:
    """Field names allowed at the mapping that holds ``loc[-1]``."""
    annotation: Any = Scenario
    for step in loc[:-1]:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = annotation.model_fields
            match = next((f for n, f in fields.items() if step in (n, f.alias)), None)
            if match is None:
                # a discriminated-union tag: choose the member with that tag
                annotation = _member_with_tag(annotation, step)
                continue
            annotation = match.annotation
        elif get_origin(annotation) in (dict,):
            annotation = get_args(annotation)[1]
        elif get_origin(annotation) in (tuple, list):
            annotation = get_args(annotation)[0]
        else:
            annotation = _member_with_tag(annotation, step)
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or n for n, f in annotation.model_fields.items()]
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional / Annotated down to the type that has the fields, where it is unique."""
    while True:
        origin = get_origin(annotation)
        args = get_args(annotation)
        if origin is not None and str(origin).endswith("Annotated"):
            annotation = args[0]
            continue
        if args and origin not in (dict, tuple, list):
            members = [a for a in args if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation


def _member_with_tag(annotation: Any, tag: Any) -> Any:
    for member in get_args(_unwrap(annotation)) or ():
        member = _unwrap(member)
        if isinstance(member, type) and issubclass(member, BaseModel) and "dist" in member.model_fields:
            if tag in get_args(member.model_fields["dist"].annotation):
                return member
    return annotation


def _merge_misspelled(errors: list[dict]) -> list[dict]:
    """Drop 'required key is missing' where a misspelt key beside it already says so."""
    extras = {(tuple(e["loc"][:-1]), e["loc"][-1]) for e in errors if e["type"] == "extra_forbidden"}
    kept = []
    for err in errors:
        if err["type"] == "missing":
            parent, key = tuple(err["loc"][:-1]), str(err["loc"][-1])
            typos = [extra for where, extra in extras if where == parent]
            if consistency.nearest(key, [str(t) for t in typos]):
                continue
        kept.append(err)
    return kept


def _problem_from_pydantic(err: dict, data: Any, file: str, positions: Positions) -> Problem:
    loc = tuple(err["loc"])
    allowed = _allowed_keys(loc) if err["type"] == "extra_forbidden" else None
    message = _message(err, allowed)
    if err["type"] == "extra_forbidden":
        loc = loc + ("<key>",)
    if loc[-1:] == ("[key]",) and len(loc) >= 2:  # pydantic's mark of a mapping's key (a variant's name)
        problem = locate(loc[:-1] + ("<key>",), message, data, file, positions)
        if err["type"] == "string_pattern_mismatch" and "." in str(err.get("input")):
            what = KEY_NOUNS.get(loc[:-2], "names")
            message = (f"{what} may not contain '.' (got {_got(err.get('input'))}); dots separate the parts of a "
                       "dotted path (--set); use letters, digits, '-' and '_'")
        return Problem(message, path=".".join(str(step) for step in loc[:-2] if step not in UNION_TAGS), file=problem.file,
                       line=problem.line, column=problem.column)
    return locate(loc, message, data, file, positions)


KEY_NOUNS = {("variants",): "variant names", ("sites",): "site names", ("cooling",): "cooling names"}
"""What the keys of a mapping keyed by names are called, in the message for a name with a dot."""
