"""Load a scenario: YAML file -> validated, frozen :class:`~sim.scenario.schema.Scenario`.

All problems are collected and raised together as one :class:`~sim.errors.ScenarioError`, each
with its file, line, column and field path, e.g.
``scenarios/x.yaml:14:7: projects[north-ai-1].compute.pflops: must be greater than 0 (got -5)``.
The file is read (:mod:`~sim.scenario.yamlio`), validated (:mod:`~sim.scenario.validate`), and
each of its variants is applied and validated too (:mod:`~sim.scenario.variants`).
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError
from . import variants
from .schema import Scenario
from .validate import Origin, attach_origin, validate_data
from .yamlio import Positions, read_yaml


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and check the scenario file at ``path``.

    Raises :class:`ScenarioError` listing every problem found.
    """
    path = Path(path)
    data, positions = read_yaml(path)
    scenario = validate_data(data, file=str(path), positions=positions)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    attach_origin(scenario, Origin(str(path), digest, data, positions))
    variants.check_variants(scenario)
    return scenario


def scenario_from_data(data: Any, file: str = "<data>", positions: Positions | None = None,
                       check_variants: bool = True) -> Scenario:
    """Validate plain data (as read from YAML) into a :class:`Scenario`.

    Each of its ``variants`` is validated too (unless ``check_variants`` is false).
    """
    scenario = validate_data(data, file=file, positions=positions)
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
