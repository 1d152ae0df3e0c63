"""The criteria a target may set: each one's measure, direction, unit and when it is checked.

One table, read by the schema (the fields of ``Target``), the target outcomes
(:func:`sim.analysis.criteria.criterion_values`), the summary, the verdict, compare's legend, the
report and explore. docs/scenario-format.md ("targets") explains each row.

``when`` says over what a replication's value is taken at the target's month ``by``:

* ``month``: the value at the end of month ``by`` (a stock) or over that month (a rate);
* ``year``: over the calendar year of ``by`` (the year's months inside the horizon);
* ``cumulative``: summed from the horizon's start to the end of month ``by``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Criterion:
    name: str  # the target's key, e.g. "pue"
    at_least: bool  # True: met when the value >= the figure; False: when <= it
    unit: str  # unit of the figure as written in the scenario ("share" = 0..1)
    label: str  # in words, e.g. "PUE"
    scale: float  # shown = value x scale (shares in %)
    shown_unit: str  # unit of the shown value ("" for a ratio)
    when: str  # "month", "year" or "cumulative" (module docstring)
    low: float  # smallest figure accepted
    high: float  # largest figure accepted
    meaning: str  # the field's description (capsim schema)

    @property
    def sign(self) -> str:
        return ">=" if self.at_least else "<="


CRITERIA: dict[str, Criterion] = {c.name: c for c in (
    Criterion("total_eflops", True, "EFLOPS", "total", 1.0, "EFLOPS", "month", 0.0, 1e9,
              "At least this many EFLOPS in total (at most 1e9)"),
    Criterion("general_eflops", True, "EFLOPS", "general", 1.0, "EFLOPS", "month", 0.0, 1e9, ""),
    Criterion("intelligent_eflops", True, "EFLOPS", "intelligent", 1.0, "EFLOPS", "month", 0.0, 1e9, ""),
    Criterion("supercomputing_eflops", True, "EFLOPS", "supercomputing", 1.0, "EFLOPS", "month", 0.0, 1e9, ""),
    Criterion("intelligent_share", True, "share", "AI share", 100.0, "%", "month", 0.0, 1.0,
              "At least this share of intelligent compute"),
    Criterion("racks", True, "racks", "racks", 1.0, "racks", "month", 0.0, 1e12,
              "At least this many standard racks at the end of month `by` (IT MW x 1000 / rack_kw)"),
    Criterion("it_mw", True, "MW", "IT", 1.0, "MW", "month", 0.0, 1e7,
              "At least this much design IT power online at the end of month `by`, MW"),
    Criterion("facility_mw", False, "MW", "peak facility", 1.0, "MW", "year", 0.0, 1e7,
              "At most this peak facility power, MW: the highest monthly mean facility power of the calendar year of `by`"),
    Criterion("pue", False, "ratio", "PUE", 1.0, "", "year", 1.0, 5.0,
              "At most this annual PUE: facility energy over IT energy in the calendar year of `by`"),
    Criterion("green_share", True, "share", "green share", 100.0, "%", "month", 0.0, 1.0,
              "At least this share of facility energy green in month `by` (needs policies.emissions)"),
    Criterion("utilization", True, "share", "utilisation", 100.0, "%", "month", 0.0, 1.0,
              "At least this utilisation in month `by`: mean IT load over the design IT MW online at its end"),
    Criterion("energy_mwh", False, "MWh", "energy", 1.0, "MWh", "year", 0.0, 1e12,
              "At most this facility energy in the calendar year of `by`, MWh (an energy-consumption quota)"),
    Criterion("carbon_t", False, "t", "carbon", 1.0, "t", "year", 0.0, 1e12,
              "At most this grid carbon in the calendar year of `by`, tonnes CO2 (needs policies.emissions)"),
    Criterion("public_cost_cny", False, "CNY", "public cost", 1.0, "CNY", "cumulative", 0.0, 1e15,
              "At most this public money (subsidy paid + voucher spend) from the horizon's start to the end of `by`, CNY"),
)}
"""Every criterion, in the order the tables and texts list them."""

NAMES = tuple(CRITERIA)
FORMER = NAMES[:5]
"""The criteria of targets before the others were added (their texts keep their former wording)."""
NEEDS_EMISSIONS = ("green_share", "carbon_t")

ROLE_DOC = ("plan: a goal, ranked by `capsim compare`; calibration: a reported past figure the model "
            "should reproduce, shown and checked but never used for ranking")


def criterion_field(name: str):
    """The pydantic field of criterion ``name`` (optional, inside its range)."""
    from pydantic import Field  # the report reads the table above without pydantic

    c = CRITERIA[name]
    return Field(None, ge=c.low, le=c.high, description=c.meaning)


def figure_text(name: str, value: float) -> str:
    """A criterion's value with its unit, as shown: '1.20' (PUE), '65.0%', '1,200 MW', '9.00 EFLOPS'."""
    c = CRITERIA[name]
    shown = value * c.scale
    if c.shown_unit == "%":
        return f"{shown:.1f}%"
    if c.shown_unit == "EFLOPS":
        return f"{shown:,.2f} EFLOPS"
    if c.shown_unit == "":
        return f"{shown:.3f}"
    return f"{shown:,.0f} {c.shown_unit}"


def criteria_words(criteria: dict[str, float]) -> str:
    """'total_eflops >= 9, pue <= 1.2, racks >= 100,000': the criteria as a scenario writes them
    (the former five with ``:g``, as before the others existed)."""
    return ", ".join(f"{k} {CRITERIA[k].sign} {format(v, 'g' if k in FORMER else ',.10g')}"
                     for k, v in criteria.items())
