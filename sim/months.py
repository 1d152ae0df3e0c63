"""Calendar months: the model's clock.

The clock counts months from the start of ``horizon.start`` (t = 0). Month index m covers the
half-open interval [m, m + 1); a fractional time such as 3.5 is half-way through month 3. Each
month lasts its real number of hours (calendar days x 24), so a flow integrated over a month
uses that length.
"""

from __future__ import annotations

import calendar
import re

import numpy as np

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> tuple[int, int]:
    """'2026-06' -> (2026, 6). Raises ValueError with a readable message."""
    match = MONTH_PATTERN.match(str(text))
    if not match:
        raise ValueError(f"must be a month written YYYY-MM, e.g. 2026-06 (got {text!r})")
    return int(match.group(1)), int(match.group(2))


def month_number(text: str) -> int:
    """Months since year 0: a total order on months (2025-01 -> 2025*12)."""
    year, month = parse_month(text)
    return year * 12 + (month - 1)


def month_index(text: str, start: str) -> int:
    """Index of month ``text`` on a clock that starts at month ``start`` (may be negative)."""
    return month_number(text) - month_number(start)


def month_label(start: str, index: int) -> str:
    """'YYYY-MM' of month ``index`` counted from ``start``."""
    number = month_number(start) + int(index)
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def horizon_months(start: str, end: str) -> int:
    """Number of months from ``start`` to ``end`` inclusive."""
    return month_number(end) - month_number(start) + 1


def month_labels(start: str, n_months: int) -> list[str]:
    return [month_label(start, m) for m in range(n_months)]


def calendar_months(start: str, n_months: int) -> np.ndarray:
    """Calendar month 0..11 (January = 0) of each horizon month, int array."""
    first = month_number(start)
    return (first + np.arange(n_months)) % 12


def calendar_years(start: str, n_months: int) -> np.ndarray:
    first = month_number(start)
    return (first + np.arange(n_months)) // 12


def hours_in_months(start: str, n_months: int) -> np.ndarray:
    """Hours of each horizon month: calendar days x 24 (leap Februaries have 696 h)."""
    first = month_number(start)
    return np.array(
        [calendar.monthrange(n // 12, n % 12 + 1)[1] * 24.0 for n in range(first, first + n_months)]
    )
