"""The scenario format, version 1: frozen pydantic models. Every default lives here (the policy
levers' in :mod:`sim.scenario.policies`, the field types in :mod:`sim.scenario.fields`).

Stage 2 of the pipeline. :func:`sim.scenario.load_scenario` reads YAML with :mod:`sim.scenario.yamlio`,
validates it against :class:`Scenario` and then runs the cross-field checks of
:mod:`sim.scenario.consistency`. Field descriptions double as the JSON Schema that ``capsim schema``
prints for editors; ``docs/scenario-format.md`` explains each key at length.

Units are in the names: ``_mw`` megawatts, ``_cny`` yuan, ``_c`` degrees Celsius, ``_months``
months; ``pflops`` is PFLOPS at the project's declared precision.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag

from .facts import SOURCES_TAGS, Sources
from .fields import (  # noqa: F401 (re-exported: sim.scenario.schema.CLASSES and the others)
    CLASSES, PRECISIONS, STATUSES, ComputeClass, Fraction, Month, Number, Precision, Pue, Slug, Sourced, Status,
    Strict, Temperature)
from .limits import (  # noqa: F401 (re-exported: sim.scenario.schema.MAX_IT_MW and the others)
    MIN_YEAR, MAX_YEAR, MAX_IT_MW, MAX_GRID_MW, MAX_PFLOPS, MAX_EFLOPS, MAX_CNY,
    MIN_PRICE_CNY, MAX_PRICE_CNY, MAX_MONTHS, MIN_TEMP_C, MAX_TEMP_C, MAX_PUE, MAX_FACTOR,
    MIN_RACK_KW, MAX_RACK_KW, MAX_SHARE, MAX_T_PER_MWH, MAX_SIGMA, PLAUSIBLE_LIMITS)
from .criteria import NAMES as CRITERION_NAMES, ROLE_DOC, criterion_field
from .policies import CapexSubsidy, ComputeVouchers, Emissions, FastTrack, Policies, PueCap  # noqa: F401 (re-exported)

SCHEMA_VERSION = 1


# --- time -----------------------------------------------------------------------------------


class Horizon(Strict):
    start: Month = Field(description="First simulated month (t = 0 is its first instant), YYYY-MM")
    end: Month = Field(description="Last simulated month, inclusive, YYYY-MM")


# --- accounting -----------------------------------------------------------------------------


class PrecisionFactors(Strict):
    """Multiplier from PFLOPS at each precision to the reporting basis."""

    FP64: Number = Field(1.0, gt=0, le=MAX_FACTOR)
    FP32: Number = Field(1.0, gt=0, le=MAX_FACTOR)
    TF32: Number = Field(1.0, gt=0, le=MAX_FACTOR)
    FP16: Number = Field(1.0, gt=0, le=MAX_FACTOR)
    BF16: Number = Field(1.0, gt=0, le=MAX_FACTOR)
    FP8: Number = Field(1.0, gt=0, le=MAX_FACTOR)
    INT8: Number = Field(1.0, gt=0, le=MAX_FACTOR)


class Accounting(Sourced):
    label: str = Field("as reported", description="Name of the reporting basis, shown in tables and plots")
    factors: PrecisionFactors = Field(default_factory=PrecisionFactors)
    rack_kw: Number = Field(
        2.5, ge=MIN_RACK_KW, le=MAX_RACK_KW, description="IT kW of one standard rack, for the `racks` metric, "
        "0.1..10,000; 2.5 kW is the national "
        "convention of official conversions ('折合2.5kW机柜', FACTS B: national conventions, confidence M)",
    )


# --- places and cooling ---------------------------------------------------------------------


class Site(Sourced):
    name: str | None = Field(None, description="Display name")
    monthly_temp_c: tuple[Temperature, ...] = Field(
        description="Monthly mean air temperature, degC, January..December (12 values, each -90..60)")


class Cooling(Sourced):
    description: str | None = None
    pue_curve: tuple[tuple[Temperature, Pue], ...] = Field(
        description="Points (monthly mean temperature degC -90..60, PUE 1..5); linear between, flat beyond the ends"
    )


# --- projects -------------------------------------------------------------------------------


class Compute(Strict):
    pflops: Number = Field(gt=0, le=MAX_PFLOPS, description="Compute at full build-out, PFLOPS at `precision` (at most 1e9)")
    precision: Precision = Field(description="Precision the PFLOPS figure is quoted at")


class Ramp(Strict):
    """Utilisation rising linearly after each phase comes online."""

    months: Number = Field(gt=0, le=MAX_MONTHS,
                           description="Months from a phase's online time until it reaches `utilization` (at most 1200)")
    start: Fraction = Field(description="Utilisation when the phase comes online, 0..1")


class Project(Strict):
    id: Slug
    name: str | None = None
    class_: ComputeClass = Field(alias="class", description="general | intelligent | supercomputing")
    site: str = Field(description="Key of an entry in `sites`")
    cooling: str = Field(description="Key of an entry in `cooling`")
    compute: Compute
    it_mw: Number = Field(gt=0, le=MAX_IT_MW, description="IT design power at full build-out, MW (at most 100,000)")
    utilization: Fraction = Field(description="Mean IT load / IT design power, 0..1 (once ramped up)")
    ramp: Ramp | None = Field(None, description="Utilisation rises linearly from `start` to `utilization` over `months`")
    investment_cny: Number | None = Field(None, ge=0, le=MAX_CNY, description="Total investment, CNY (at most 1e15)")
    status: Status
    online: Month | None = Field(None, description="Planned month the first phase comes online; required unless operating")
    phases: tuple[Number, ...] = Field((1.0,), description="Fractions of compute and IT power per phase; sum to 1")
    phase_gap_months: Number = Field(0.0, ge=0, le=MAX_MONTHS, description="Months between consecutive phases (at most 1200)")
    retire: Month | None = Field(None, description="Month every phase leaves service")
    delay_months: Distribution | None = Field(
        None, description="This project's delay distribution, replacing uncertainty.delay_months of its status"
    )
    go_probability: Fraction | None = Field(
        None, description="This project's go probability, replacing uncertainty.go_probability of its status"
    )
    source: str | None = Field(None, description="Where each number comes from")


# --- shared limits --------------------------------------------------------------------------


class GridAddition(Sourced):
    month: Month
    mw: Number = Field(gt=0, le=MAX_GRID_MW, description="Facility MW of new grid headroom (at most 1e7)")


class Grid(Sourced):
    headroom_mw: Number = Field(ge=0, le=MAX_GRID_MW, description="Facility MW free for new projects at t = 0 (at most 1e7)")
    additions: tuple[GridAddition, ...] = ()


UNION_TAGS = ("one rate", "schedule", *SOURCES_TAGS)  # pydantic's tags in an error's location: not in the file
RateOrSchedule = Annotated[Union[Annotated[Number, Field(gt=0, le=MAX_PFLOPS), Tag("one rate")], Annotated[
    dict[Month, Annotated[Number, Field(ge=0, le=MAX_PFLOPS)]], Field(min_length=1), Tag("schedule")]],
    Discriminator(lambda value: "schedule" if isinstance(value, dict) else "one rate")]


class Supply(Sourced):
    ai_pflops_per_month: RateOrSchedule | None = Field(None, description=(
        "Accelerator deliveries for new intelligent capacity, PFLOPS (declared precision) per month (at most 1e9): "
        "one rate, or a schedule {YYYY-MM: rate}, each rate from its month on (none before the first); "
        "or, instead, national_pflops_per_month and share"))
    national_pflops_per_month: RateOrSchedule | None = Field(None, description=(
        "The national accelerator supply, PFLOPS per month, one rate or a schedule as ai_pflops_per_month: the "
        "region receives `share` of it"))
    share: Number | None = Field(None, gt=0, le=1, description="The region's share of national_pflops_per_month (0 to 1]")


# --- uncertainty ----------------------------------------------------------------------------

LABEL_DOC = ("A plain name for this input in explore's and solve's texts and charts (e.g. 'grid headroom'); "
             "omitted: one derived from its path (sim/scenario/labels.py)")


class Labelled(Sourced):
    """A block that may carry a plain ``label`` for the texts (an uncertainty, a lever)."""

    label: str | None = Field(None, min_length=1, max_length=80, description=LABEL_DOC)


class Fixed(Labelled):
    dist: Literal["fixed"]
    value: Number


class Uniform(Labelled):
    dist: Literal["uniform"]
    low: Number
    high: Number


class Triangular(Labelled):
    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number


class Normal(Labelled):
    dist: Literal["normal"]
    mean: Number
    sd: Number = Field(ge=0)
    low: Number | None = Field(None, description="Optional lower bound (truncation)")
    high: Number | None = Field(None, description="Optional upper bound (truncation)")


class Lognormal(Labelled):
    dist: Literal["lognormal"]
    median: Number = Field(gt=0, description="exp(mu)")
    sigma: Number = Field(ge=0, le=MAX_SIGMA, description="Standard deviation of the logarithm (at most 10)")
    low: Number | None = Field(None, description="Optional lower bound (truncation)")
    high: Number | None = Field(None, description="Optional upper bound (truncation)")


Distribution = Annotated[Union[Fixed, Uniform, Triangular, Normal, Lognormal], Field(discriminator="dist")]
Project.model_rebuild()  # its delay_months is a Distribution


class DelayByStatus(Sourced):
    construction: Distribution | None = None
    registered: Distribution | None = None
    planned: Distribution | None = None


class GoByStatus(Sourced):
    construction: Fraction = 1.0
    registered: Fraction = 1.0
    planned: Fraction = 1.0


class Uncertainty(Sourced):
    delay_months: DelayByStatus = Field(default_factory=DelayByStatus)
    go_probability: GoByStatus = Field(default_factory=GoByStatus)
    parameters: dict[str, Distribution] = Field(
        default_factory=dict, description="Dotted path of a numeric value -> distribution, drawn once per replication"
    )


# --- targets --------------------------------------------------------------------------------


class Target(Sourced):
    name: str
    by: Month = Field(description="Month at whose end the criteria are checked")
    total_eflops: Number | None = Field(None, ge=0, le=MAX_EFLOPS, description="At least this many EFLOPS in total (at most 1e9)")
    general_eflops: Number | None = Field(None, ge=0, le=MAX_EFLOPS)
    intelligent_eflops: Number | None = Field(None, ge=0, le=MAX_EFLOPS)
    supercomputing_eflops: Number | None = Field(None, ge=0, le=MAX_EFLOPS)
    intelligent_share: Fraction | None = Field(None, description="At least this share of intelligent compute")
    racks: Number | None = criterion_field("racks")
    it_mw: Number | None = criterion_field("it_mw")
    facility_mw: Number | None = criterion_field("facility_mw")
    pue: Number | None = criterion_field("pue")
    green_share: Number | None = criterion_field("green_share")
    utilization: Number | None = criterion_field("utilization")
    energy_mwh: Number | None = criterion_field("energy_mwh")
    carbon_t: Number | None = criterion_field("carbon_t")
    public_cost_cny: Number | None = criterion_field("public_cost_cny")
    role: Literal["plan", "calibration"] = Field("plan", description=ROLE_DOC)

    def criteria(self) -> dict[str, float]:
        """The criteria given, as {metric: figure} in :data:`~sim.scenario.criteria.CRITERIA` order
        (each with its direction there: at least or at most the figure)."""
        return {n: getattr(self, n) for n in CRITERION_NAMES if getattr(self, n) is not None}


# --- variants -------------------------------------------------------------------------------


class Variant(Sourced):
    description: str | None = None
    label: str | None = Field(
        None, min_length=1,
        description="Plain name shown for the variant in the report and plots (default: the name with - and _ "
                    "as spaces, e.g. fast-track -> 'fast track')",
    )
    kind: Literal["policy", "risk", "assumption", "view"] | None = Field(
        None,
        description="policy: a lever the region controls (ranked by `capsim compare`); risk: an external what-if; "
                    "assumption: a modelling belief tested for its effect; view: the same runs counted another way. "
                    "Unset: unclassified (compared as before, listed apart)",
    )
    set_: dict[str, Any] = Field(
        alias="set", description="Dotted path (list items named by id) -> new value, applied to the base file"
    )


# --- exploration --------------------------------------------------------------------------


class Lever(Labelled):
    """A range a numeric value of the scenario is explored over (``capsim explore``, ``capsim solve``)."""

    low: float = Field(allow_inf_nan=False, description="Lowest value explored, in the unit of the value it names")
    high: float = Field(allow_inf_nan=False, description="Highest value explored; must be above low")
    cost_cny_per_unit: float | None = Field(
        None, allow_inf_nan=False,
        description="`capsim solve`'s package cost of this lever, CNY per unit of the value: positive, the cost "
                    "rises with the value from 0 at low; negative, it rises as the value falls, from 0 at high. "
                    "Omitted: the lever costs only the public cost capsim computes (subsidy paid, voucher spend)",
    )


class Explore(Sourced):
    """What ``capsim explore`` varies besides ``uncertainty.parameters``, and ``capsim solve``'s default ranges."""

    levers: dict[str, Lever] = Field(
        default_factory=dict,
        description="Dotted path of a numeric value (list items by id) -> its range; the base run ignores it",
    )


# --- decision ------------------------------------------------------------------------------


class Decision(Sourced):
    """The verdict's thresholds on the probability that the ranked plan target is met (docs/decisions.md)."""

    source: str | None = Field("capsim's default thresholds (docs/decisions.md): a reading rule, not a fact of "
                               "the region", description="Where each number comes from")
    on_track: Fraction = Field(0.8, description="`on track` when P(target met) is at least this")
    off_track: Fraction = Field(0.2, description="`off track` when P(target met) is below this; `at risk` between")


# --- the scenario ---------------------------------------------------------------------------


class Scenario(Strict):
    version: Literal[1] = Field(1, description="Scenario format version")
    name: str
    description: str | None = None
    horizon: Horizon
    accounting: Accounting = Field(default_factory=Accounting)
    sites: dict[Slug, Site]
    cooling: dict[Slug, Cooling]
    projects: tuple[Project, ...]
    grid: Grid | None = None
    supply: Supply | None = None
    uncertainty: Uncertainty | None = None
    targets: tuple[Target, ...] = ()
    policies: Policies = Field(default_factory=Policies)
    explore: Explore | None = Field(None, description="Levers explored by `capsim explore` and `capsim solve`")
    decision: Decision = Field(default_factory=Decision, description="The verdict's thresholds (on track / off track)")
    variants: dict[Slug, Variant] = Field(default_factory=dict, description="Named variants of this scenario")
    sources: Sources = Field((), description="Its own facts [{id, figure, date, address, reliability}], or a file beside it")

    def project(self, project_id: str) -> Project:
        for project in self.projects:
            if project.id == project_id:
                return project
        raise KeyError(project_id)


def json_schema() -> dict:
    """JSON Schema of the scenario format (for editors' YAML validation)."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "capsim scenario, format version 1"
    return schema
