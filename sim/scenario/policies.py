"""The ``policies:`` block of the scenario format (:mod:`sim.scenario.schema`): one model per lever
(capital subsidy, compute vouchers, PUE cap, emissions, fast track), with its defaults and field
descriptions; what each lever does is :mod:`sim.engine.policies`'s."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from .fields import ComputeClass, Fraction, Month, Number, Precision, Sourced, Whole, Year
from .limits import MAX_CNY, MAX_MONTHS, MAX_PFLOPS, MAX_PRICE_CNY, MAX_PUE, MAX_SHARE, MAX_T_PER_MWH, MIN_PRICE_CNY

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

