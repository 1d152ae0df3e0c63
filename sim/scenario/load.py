"""Load a scenario: YAML file -> validated, frozen :class:`~sim.scenario.schema.Scenario`.

All problems are collected and raised together as one :class:`~sim.errors.ScenarioError`, each
with its file, line, column and field path, e.g.
``scenarios/x.yaml:14:7: projects[north-ai-1].compute.pflops: must be greater than 0 (got -5)``.
The file is read (:mod:`~sim.scenario.yamlio`), validated (:mod:`~sim.scenario.validate`), and
each of its variants is applied and validated too (:mod:`~sim.scenario.variants`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError
from . import variants
from .schema import Scenario
from .validate import Origin, attach_origin, validate_data, warn_implausible
from .yamlio import Positions, parse_yaml, read_file


def load_scenario(path: str | Path, check_variants: bool = True) -> Scenario:
    """Read, validate and check the scenario file at ``path``.

    Each of its ``variants`` is applied and validated too, unless ``check_variants`` is false (the
    caller then calls :func:`sim.scenario.variants.check_variants` itself before it writes
    anything: ``capsim run`` does it while its first replications run). Raises
    :class:`ScenarioError` listing every problem found.
    """
    path = _scenario_path(path)
    text, digest = read_file(path)
    data, positions = parse_yaml(text, str(path))
    scenario = validate_data(data, file=str(path), positions=positions)
    warn_implausible(scenario, data, str(path), positions)
    attach_origin(scenario, Origin(str(path), digest, data, positions))
    if check_variants:
        variants.check_variants(scenario)
    return scenario


def _exists(path: str) -> bool:
    try:
        return Path(path).exists()
    except (OSError, ValueError):
        return False


def _scenario_path(path: Any) -> Path:
    """``path`` as a Path, or a :class:`ScenarioError`/:class:`TypeError` saying what was expected."""
    if isinstance(path, str) and ("\n" in path or (": " in path and not _exists(path))):
        raise ScenarioError(Problem("expected a path to a scenario file; got YAML text: use "
                                    "sim.scenario_from_data(data) or write it to a file"))
    if isinstance(path, Scenario):
        raise TypeError("load_scenario expects a path to a scenario file; got a Scenario, which is already loaded")
    if not isinstance(path, (str, Path)) and not hasattr(path, "__fspath__"):
        hint = " (for data, use sim.scenario_from_data)" if isinstance(path, dict) else ""
        raise TypeError(f"load_scenario expects a path to a scenario file; got {type(path).__name__}{hint}")
    return Path(path)


def scenario_from_data(data: Any, file: str = "<data>", positions: Positions | None = None,
                       check_variants: bool = True) -> Scenario:
    """Validate plain data (as read from YAML) into a :class:`Scenario`.

    Each of its ``variants`` is validated too (unless ``check_variants`` is false).
    """
    scenario = validate_data(data, file=file, positions=positions)
    warn_implausible(scenario, data, file, positions)
    if check_variants:
        variants.check_variants(scenario)
    return scenario


DEFAULT_SCENARIO = "shanxi.yaml"
"""The scenario ``capsim run`` simulates when given no file (in the top-level ``scenarios/``)."""


def shipped_scenario(name: str = DEFAULT_SCENARIO) -> Path:
    """Path of a scenario file shipped with capsim (the top-level ``scenarios/`` folder).

    Installed (editable or wheel) the folder is the data package ``sim.scenarios``; run from a
    source checkout without installing, it is found next to the ``sim`` package.
    """
    try:
        path = Path(str(resources.files("sim.scenarios") / name))
    except ModuleNotFoundError:
        path = Path(__file__).resolve().parents[2] / "scenarios" / name
    if not path.is_file():
        raise ScenarioError(Problem(f"the shipped scenario {name!r} is missing from this installation ({path})"))
    return path
