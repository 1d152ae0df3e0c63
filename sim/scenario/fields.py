"""The field types and base models of the scenario format (:mod:`sim.scenario.schema`): a month
``YYYY-MM``, an identifier, a finite number (never true/false), a share, a temperature, a PUE, a
year, the statuses, classes and precisions; ``Strict`` (frozen, unknown keys refused) and
``Sourced`` (a block that may say where its numbers come from)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..months import parse_month
from .limits import MAX_PUE, MAX_TEMP_C, MAX_YEAR, MIN_TEMP_C, MIN_YEAR

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
