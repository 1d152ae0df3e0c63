"""Which values solve may pull: a lever a region decides, never an uncertainty.

``capsim solve`` answers "what it takes": the value of a decision at which a target is met. A value
of the ``uncertainty`` block (any path under ``uncertainty.``, e.g. a go probability or a delay) is
not a decision: solving for it would report a risk as a free choice ("go probability = 1 ... cost
0 CNY"). It is refused unless the scenario's ``explore.levers`` declares it a lever, the rule
explore uses to tell its inputs' kinds apart (:func:`sim.explore.design.explore_inputs`: an
``explore.levers`` entry is a lever whatever its path). A value of the region's own blocks that the
scenario also draws (``uncertainty.parameters``, e.g. ``grid.headroom_mw``) stays a lever solve may
pull: the answer is the value it would take, as the README's examples ask.
"""

from __future__ import annotations

from ..errors import Problem, ScenarioError
from ..scenario.validate import origin_of
from ..scenario.schema import Scenario
from .design import _same_value


def is_uncertainty(scenario: Scenario, path: str) -> bool:
    """True if ``path`` is under ``uncertainty.`` and the scenario's ``explore.levers`` does not
    declare it a lever."""
    origin = origin_of(scenario)
    key = _same_value(origin, path)
    declared = scenario.explore.levers if scenario.explore is not None else {}
    if key in {_same_value(origin, p) for p in declared}:
        return False
    return path.startswith("uncertainty.")


def check_pullable(scenario: Scenario, path: str, where: str) -> None:
    """Raise a one-line :class:`ScenarioError` (naming ``where``, e.g. ``--lever PATH:0:1``) if
    ``path`` is an uncertainty rather than a lever (:func:`is_uncertainty`)."""
    if is_uncertainty(scenario, path):
        raise ScenarioError(Problem(f"{path} is an uncertainty, not a lever a region can pull; use capsim explore "
                                    "to see how much it matters", path=where))
