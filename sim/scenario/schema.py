"""The scenario format, version 1: frozen pydantic models. Every default lives here.

Stage 2 of the pipeline. :func:`sim.scenario.load_scenario` reads YAML with :mod:`sim.scenario.yamlio`,
validates it against :class:`Scenario` and then runs the cross-field checks of
:mod:`sim.scenario.consistency`. Field descriptions double as the JSON Schema that ``capsim schema``
prints for editors; ``docs/scenario-format.md`` explains each key at length.

Units are in the names: ``_mw`` megawatts, ``_cny`` yuan, ``_c`` degrees Celsius, ``_months``
months; ``pflops`` is PFLOPS at the project's declared precision.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag

from ..months import parse_month
from .facts import SOURCES_TAGS, Sources
from .limits import (  # noqa: F401 (re-exported: sim.scenario.schema.MAX_IT_MW and the others)
    MIN_YEAR, MAX_YEAR, MAX_IT_MW, MAX_GRID_MW, MAX_PFLOPS, MAX_EFLOPS, MAX_CNY,
    MIN_PRICE_CNY, MAX_PRICE_CNY, MAX_MONTHS, MIN_TEMP_C, MAX_TEMP_C, MAX_PUE, MAX_FACTOR,
    MIN_RACK_KW, MAX_RACK_KW, MAX_SHARE, MAX_T_PER_MWH, MAX_SIGMA, PLAUSIBLE_LIMITS)
from .criteria import NAMES as CRITERION_NAMES, ROLE_DOC, criterion_field

SCHEMA_VERSION = 1

STATUSES = ("operating", "construction", "registered", "planned")
CLASSES = ("general", "intelligent", "supercomputing")
PRECISIONS = ("FP64", "FP32", "TF32", "FP16", "BF16", "FP8", "INT8")


def _month(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a month written YYYY-MM in quotes or plain, e.g. 2026-06 (got {value!r})")
    year, _ = parse_month(value)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"must be a month in the years {MIN_YEAR}..{MAX_YEAR} (got {value!r})")
    return value


Month = Annotated[str, BeforeValidator(_month), Field(description="Month, YYYY-MM", examples=["2026-06"])]
Slug = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", description="Identifier: letters, digits, '-' and '_' (no dots)"),
]
def _number(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(f"must be a number (got {str(value).lower()})")
    return value


Number = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]
"""A finite number (NaN, .inf and values too large for a float, such as 1e400, are refused; so are true/false)."""
Whole = Annotated[int, BeforeValidator(_number)]
Fraction = Annotated[Number, Field(ge=0, le=1)]
Temperature = Annotated[Number, Field(ge=MIN_TEMP_C, le=MAX_TEMP_C)]
Pue = Annotated[Number, Field(le=MAX_PUE)]
"""A PUE; at least 1 is a cross-field rule (sim.scenario.consistency) with its own message."""
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
Status = Literal["operating", "construction", "registered", "planned"]
ComputeClass = Literal["general", "intelligent", "supercomputing"]
Precision = Literal["FP64", "FP32", "TF32", "FP16", "BF16", "FP8", "INT8"]


class Strict(BaseModel):
    """Base: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Sourced(Strict):
    """A block whose numbers can say where they come from."""

    source: str | None = Field(None, description="Where the numbers come from (a reference id or 'assumption: ...')")


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


# --- policies -------------------------------------------------------------------------------


def _one_or_many(value: object) -> object:
    return (value,) if isinstance(value, str) else value


FROM_DOC = (
    "First month the lever is in force: it reaches only projects whose decision is still open then "
    "(docs/policies.md); omitted = in force before the horizon, reaching every project not operating"
)
UNTIL_DOC = "Last month the lever is in force: projects planned online after it are not reached; omitted = no end"

ClassList = Annotated[tuple[ComputeClass, ...], BeforeValidator(_one_or_many)]


class CapexSubsidy(Sourced):
    """A capital subsidy: a share of each eligible project's investment, paid as its phases come online."""

    rate: Fraction = Field(description="Share of the project's investment_cny paid as subsidy, 0..1")
    classes: ClassList | None = Field(
        None, alias="class", description="Eligible class or list of classes; omitted = every class"
    )
    min_pflops: Number = Field(0.0, ge=0, le=MAX_PFLOPS, description="Eligible only with at least this much compute, PFLOPS at `precision`")
    precision: Precision | None = Field(
        None, description="Precision min_pflops is quoted at (converted with accounting.factors); omitted = reporting basis"
    )
    annual_budget_cny: Number | None = Field(
        None, ge=0, le=MAX_CNY, description="Subsidy paid per calendar year at most, CNY (at most 1e15); unpaid claims carry over; omitted = unlimited"
    )
    go_probability_bonus: Fraction = Field(
        0.0, description="Assumption: added to an eligible project's go probability (capped at 1)"
    )
    delay_reduction_months: Number = Field(
        0.0, ge=0, le=MAX_MONTHS,
        description="Assumption: months taken off an eligible project's drawn delay (not below 0; at most 1200)"
    )
    from_: Month | None = Field(None, alias="from", description=FROM_DOC + "; paid for phases online from this month")
    until: Month | None = Field(None, description=UNTIL_DOC + "; paid for phases online up to this month")


class ComputeVouchers(Sourced):
    """Vouchers that buy PFLOPS-hours on the spare part of online intelligent capacity."""

    annual_budget_cny: Number = Field(ge=0, le=MAX_CNY,
                                      description="Voucher budget per calendar year, CNY (at most 1e15); unspent budget lapses")
    price_cny_per_pflops_hour: Number = Field(ge=MIN_PRICE_CNY, le=MAX_PRICE_CNY,
                                              description="Price of one PFLOPS-hour at `precision`, CNY (1e-6..1e9)")
    precision: Precision | None = Field(
        None, description="Precision the price is quoted at (converted with accounting.factors); omitted = reporting basis"
    )
    from_: Month | None = Field(None, alias="from", description="First month vouchers are spent; omitted = horizon start")
    until: Month | None = Field(None, description="Last month vouchers are spent; omitted = horizon end")


class PueCap(Sourced):
    """A ceiling on the design annual PUE of new projects."""

    max_annual_pue: Number = Field(ge=1, le=MAX_PUE, description="Highest design annual PUE allowed (1..5)")
    from_: Month | None = Field(None, alias="from", description=FROM_DOC)
    until: Month | None = Field(None, description=UNTIL_DOC)
    action: Literal["reject", "upgrade"] = Field(description="reject: never built; upgrade: switch to `cooling`")
    cooling: str | None = Field(None, description="Key of the cooling an upgraded project switches to (action: upgrade)")
    extra_capex_share: Number = Field(0.0, ge=0, le=MAX_SHARE,
                                      description="Upgrade adds this share to investment_cny (at most 100)")
    delay_months: Whole = Field(0, ge=0, le=int(MAX_MONTHS),
                                description="Upgrade moves the planned online month this many months later (at most 1200)")


class Emissions(Sourced):
    """Carbon of the facility energy that is not green."""

    grid_t_per_mwh: Number = Field(ge=0, le=MAX_T_PER_MWH, description="Emission factor of grid power, tCO2 per MWh (at most 10)")
    green_share: Fraction | dict[Year, Fraction] = Field(
        0.0, description="Share of facility energy that is green, 0..1, or {year: share} (linear between years, flat beyond)"
    )


class FastTrack(Sourced):
    """Faster approvals: the drawn delay of registered and planned projects is scaled."""

    delay_scale: Number = Field(ge=0, le=MAX_SHARE, description="Multiplier on the drawn delay (0.5 halves it; at most 100)")
    from_: Month | None = Field(None, alias="from", description=FROM_DOC)
    until: Month | None = Field(None, description=UNTIL_DOC)


class Policies(Sourced):
    capex_subsidy: CapexSubsidy | None = None
    compute_vouchers: ComputeVouchers | None = None
    pue_cap: PueCap | None = None
    emissions: Emissions | None = None
    fast_track: FastTrack | None = None


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
