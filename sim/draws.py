"""Random draws for one replication, made up front from independent keyed streams.

Each draw comes from its own generator, ``numpy.random.default_rng([seed, replication, stream,
key])``, where ``stream`` names what is drawn (``go``, ``delay``, ``parameter``) and ``key`` the
project id or parameter path (both hashed to 64-bit words). So adding, removing or changing one
project leaves every other project's draws unchanged, a replication's draws do not depend on which
worker runs it, and two variants of a scenario see the same draws for the same project (common
random numbers).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from .distributions import sample
from .schema import Scenario


def _word(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def stream(seed: int, replication: int, name: str, key: str) -> np.random.Generator:
    """The generator for draw ``name`` of ``key`` in ``replication`` of a run with ``seed``."""
    return np.random.default_rng([seed, replication, _word(name), _word(key)])


@dataclass(frozen=True)
class Draws:
    """What chance decided in one replication."""

    parameters: dict[str, float]  # path -> value
    go: np.ndarray  # (J,) bool: the project goes ahead
    delay_months: np.ndarray  # (J,) months added to the planned online month


def draw_parameters(scenario: Scenario, seed: int, replication: int) -> dict[str, float]:
    if scenario.uncertainty is None:
        return {}
    return {
        path: sample(dist, stream(seed, replication, "parameter", path))
        for path, dist in scenario.uncertainty.parameters.items()
    }


def draw_projects(scenario: Scenario, seed: int, replication: int,
                  go_bonus: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(go, delay_months) for every project. Operating projects always go, with no delay.

    A project goes when its uniform draw u < p, p its status's go probability plus ``go_bonus``
    (per project, from a capex subsidy; p capped at 1). The uniform is the same with or without a
    bonus, so a bonus can only turn a no-go into a go.
    """
    n = len(scenario.projects)
    go = np.ones(n, dtype=bool)
    delay = np.zeros(n, dtype=float)
    unc = scenario.uncertainty
    if unc is None:
        return go, delay
    for j, project in enumerate(scenario.projects):
        if project.status == "operating":
            continue
        probability = getattr(unc.go_probability, project.status)
        if go_bonus is not None:
            probability = min(1.0, probability + go_bonus[j])
        if probability < 1.0:
            go[j] = stream(seed, replication, "go", project.id).random() < probability
        dist = getattr(unc.delay_months, project.status)
        if dist is not None and go[j]:
            delay[j] = sample(dist, stream(seed, replication, "delay", project.id))
    return go, delay
