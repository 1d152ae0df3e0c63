"""Sanity warnings for the scenario a command runs after ``--set`` and ``--variant``.

:func:`sim.scenario.validate.warn_implausible` warns about the figures of the file as it is loaded;
a value changed by ``--set`` or a variant is checked here, on the scenario after the changes
(:func:`warn_applied`): each implausible figure the file did not already have is warned about once,
naming what changed it, e.g. ``scenarios/guizhou.yaml: projects[cec-optics-valley-p1].compute.pflops:
150000 PFLOPS on 75 MW of IT ... (after --set)``. A warning the file already gave is not repeated.
"""

from __future__ import annotations

from . import sanity
from .schema import Scenario
from .validate import locate, origin_of


def _what(applied: dict) -> str:
    parts = []
    if applied.get("variant") not in (None, "base"):
        parts.append(f"variant {applied['variant']!r}")
    if applied.get("overrides"):
        parts.append("--set")
    return " and ".join(parts) or "the changes"


def warn_applied(before: Scenario, after: Scenario) -> None:
    """Warn about each implausible figure of ``after`` (``before`` with a variant and ``--set``
    applied, :func:`sim.scenario.variants.apply_variant`) that ``before`` did not have."""
    origin = origin_of(after)
    if after is before or origin is None or origin.data is None or not origin.applied:
        return
    known = set(sanity.findings(before))
    fresh = [(loc, message) for loc, message in sanity.findings(after) if (loc, message) not in known]
    file = origin.path or "<data>"
    sanity.warn([f"{locate(loc, message, origin.data, file, {})} (after {_what(origin.applied)})"
                 for loc, message in fresh])
