"""What the plots are about: the :class:`PlotContext` (a scenario's name, horizon, targets,
variants and sites, as titles and markers need them), and the colours and labels of the classes of
compute, the variants and the outputs compared.

Colours: :data:`CLASS_COLOURS` for the classes of compute, :func:`variant_colours` for variants (the
base variant is always dark grey); the colours themselves are :mod:`sim.colours`'s, shared with the
report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..colours import CLASS_COLOURS, MEDIAN_COLOUR, SERIES_COLOURS, TARGET_COLOUR, VARIANT_PALETTE  # noqa: F401
from ..scenario.variants import variant_label
from ..scenario.criteria import CRITERIA

CLASS_ORDER = ("general", "intelligent", "supercomputing")
CLASS_LABELS = {"general": "general", "intelligent": "intelligent (AI)", "supercomputing": "supercomputing"}
OTHER_CLASS_COLOUR = "#937860"
BASE_VARIANT = "base"
COMPARE_OUTPUTS = ("target_probability", "total_eflops", "intelligent_share", "reached_month",
                   "energy_mwh", "peak_facility_mw", "subsidy_cny", "voucher_cny", "carbon_t", "grid_binds",
                   "supply_binds")
"""Outputs of compare.csv drawn as difference bars, in this order; others follow."""
OUTPUT_LABELS = {
    "target_probability": "probability target met",
    "total_eflops": "total EFLOPS",
    "intelligent_share": "AI-compute share",
    "reached_month": "month target first met",
    "energy_mwh": "energy",
    "peak_facility_mw": "peak facility power",
    "subsidy_cny": "subsidy",
    "voucher_cny": "compute vouchers",
    "carbon_t": "carbon emissions",
    "grid_binds": "share of runs in which the grid limit binds",
    "supply_binds": "share of runs in which the accelerator supply binds",
}


# --- what the plots are about ----------------------------------------------------------------


@dataclass(frozen=True)
class TargetMark:
    """A target as drawn: its name, month ``by`` (YYYY-MM) and criteria {criterion: figure}
    (every criterion of :data:`sim.scenario.criteria.CRITERIA` the target sets)."""

    name: str
    by: str
    criteria: Mapping[str, float] = field(default_factory=dict)
    role: str = "plan"


@dataclass(frozen=True)
class PlotContext:
    """What a plot's titles and markers need beyond the tables.

    Build it from a :class:`~sim.scenario.schema.Scenario` or from ``manifest.json``'s
    ``resolved_scenario`` with :meth:`from_scenario`.
    """

    name: str = "capsim"
    accounting: str = "as reported"
    start: str | None = None
    end: str | None = None
    targets: tuple[TargetMark, ...] = ()
    replications: int | None = None
    variants: tuple[tuple[str, str, str], ...] = ()  # (name, kind or "", plain label) per variant of the scenario
    site_names: Mapping[str, str] = field(default_factory=dict)  # site id -> its name: in the scenario
    project_names: Mapping[str, str] = field(default_factory=dict)  # project id -> its name: (the timeline's rows)

    @classmethod
    def from_scenario(cls, scenario: Any, replications: int | None = None) -> "PlotContext":
        """From a Scenario or its JSON dump (``manifest["resolved_scenario"]``)."""
        data = scenario.model_dump(mode="json", by_alias=True) if hasattr(scenario, "model_dump") else scenario
        targets = tuple(
            TargetMark(t["name"], t["by"], {k: float(t[k]) for k in CRITERIA if t.get(k) is not None},
                       t.get("role") or "plan")
            for t in data.get("targets") or ()
        )
        horizon = data.get("horizon") or {}
        return cls(
            name=data.get("name", cls.name),
            accounting=(data.get("accounting") or {}).get("label", cls.accounting),
            start=horizon.get("start"),
            end=horizon.get("end"),
            targets=targets,
            replications=replications,
            site_names={str(k): str((v or {}).get("name") or k) for k, v in (data.get("sites") or {}).items()},
            project_names={str(p.get("id")): str(p.get("name") or p.get("id"))
                           for p in data.get("projects") or () if isinstance(p, dict)},
            variants=tuple((n, v.get("kind") or "", variant_label(n, v))
                           for n, v in (data.get("variants") or {}).items() if isinstance(v, dict)),
        )

    def band_note(self, band: bool = True) -> str:
        """The legend's title: what the line is, and the band, or that it is too narrow to see."""
        runs = f" of {self.replications:,} replications" if self.replications and self.replications > 1 else ""
        return f"line: median{runs}\n" + ("band: P10 to P90" if band else "P10 to P90: too close to it to show")


def variant_colours(variants: Sequence[str]) -> dict[str, str]:
    """Colour per variant: the base dark grey, the others from :data:`VARIANT_PALETTE` in order."""
    colours, others = {}, 0
    for name in dict.fromkeys(variants):
        if name == BASE_VARIANT:
            colours[name] = MEDIAN_COLOUR
        else:
            colours[name] = VARIANT_PALETTE[others % len(VARIANT_PALETTE)]
            others += 1
    return colours


def class_colour(name: str) -> str:
    return CLASS_COLOURS.get(name, OTHER_CLASS_COLOUR)


def pick_variant(table: pd.DataFrame, variant: str | None = None) -> pd.DataFrame:
    """The rows of one variant: ``variant``, else ``base`` when present, else the first one."""
    if "variant" not in table.columns or table.empty:
        return table
    names = list(dict.fromkeys(table["variant"]))
    chosen = variant if variant is not None else (BASE_VARIANT if BASE_VARIANT in names else names[0])
    if chosen not in names:
        raise ValueError(f"no variant {chosen!r} in the table (have {', '.join(names)})")
    return table[table["variant"] == chosen]


def context_or_default(context: PlotContext | None) -> PlotContext:
    return context if context is not None else PlotContext()
