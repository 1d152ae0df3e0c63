"""The ``fast_track`` lever: scales the drawn delay of registered and planned projects whose
decision it reaches (:func:`delay_scale`; applied in :func:`sim.engine.policies.adjust_draws`)."""

from __future__ import annotations

import numpy as np

from ...scenario.schema import Scenario
from .acts import decision_open

FAST_TRACK_STATUSES = ("registered", "planned")


def delay_scale(scenario: Scenario) -> np.ndarray:
    """(J,) what multiplies each project's drawn delay (1 where the lever does not reach it)."""
    scale = np.ones(len(scenario.projects))
    track = scenario.policies.fast_track
    if track is not None:
        for j, p in enumerate(scenario.projects):
            if p.status in FAST_TRACK_STATUSES and decision_open(scenario, track, p):
                scale[j] = track.delay_scale
    return scale
