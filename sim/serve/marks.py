"""The end marks of a ``capsim serve`` slider: short numbers (``200 M``, not ``200,000,000`` cut
at the slider's edge), the low end's text starting at the left end and the high end's ending at the
right end (a centred label at an end is cut by the page), and "today" merged into an end label
when today's value is at or next to that end (two labels there would print over each other)."""

from __future__ import annotations

from .levers import Lever

NEAR = 0.2
"""Today's mark is drawn alone only when it is more than this share of the range from both ends."""
LEFT, RIGHT = {"transform": "translateX(0)"}, {"transform": "translateX(-100%)", "white-space": "nowrap"}


def short_number(value: float) -> str:
    """A slider end in a few characters: 0.0625, 1,500, 25,000, 200 M, 2 bn."""
    size = abs(value)
    if size >= 1e9:
        return f"{value / 1e9:,.3g} bn"
    if size >= 1e6:
        return f"{value / 1e6:,.3g} M"
    return f"{value:,.4g}" if size < 1e4 else f"{value:,.0f}"


def slider_marks(lever: Lever) -> dict[float, dict]:
    """{value: {"label", "style"}} for the low end, the high end and today (dcc.Slider's marks)."""
    span = lever.high - lever.low
    low_text, high_text = short_number(lever.low), short_number(lever.high)
    near_low = span <= 0 or lever.today - lever.low <= NEAR * span
    near_high = not near_low and lever.high - lever.today <= NEAR * span
    if near_low:
        low_text += " (today)" if lever.today == lever.low else f" (today {short_number(lever.today)})"
    elif near_high:
        high_text = (f"{high_text} (today)" if lever.today == lever.high
                     else f"(today {short_number(lever.today)}) {high_text}")
    marks = {lever.low: {"label": low_text, "style": {**LEFT, "white-space": "nowrap"}},
             lever.high: {"label": high_text, "style": RIGHT}}
    if not (near_low or near_high):
        marks[lever.today] = {"label": "today"}
    return marks
