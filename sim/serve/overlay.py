"""The report's charts (:mod:`sim.report.charts`) with the base drawn in grey under the user's
setting in colour, on the same axes: one chart code for the report and the app.

:func:`overlay` takes the chart a builder draws for the base and the one it draws for the setting
and returns the setting's chart with the base's traces (grey, named ``base: ...``, in one legend
group with one entry, ``base (grey)``; the targets only once) drawn first, under it.
"""

from __future__ import annotations

import copy

from ..report.charts import Chart, growth_chart, power_chart, share_chart
from ..report.goal_charts import goal_measures, goals_chart, power_aims
from ..report.timeaxis import share_x_range

GREY = "#9a9aa3"
GREY_BAND = "rgba(154,154,163,0.18)"


def grey(item: dict) -> dict:
    """A copy of trace ``item`` in grey, named and grouped as the base's."""
    out = copy.deepcopy(item)
    for part in ("line", "marker"):
        if isinstance(out.get(part), dict) and "color" in out[part]:
            out[part]["color"] = GREY
    if "fillcolor" in out:
        out["fillcolor"] = GREY_BAND
    if out.get("type") == "bar":
        out.setdefault("marker", {})["color"] = GREY
    out["name"] = f"base: {out.get('name', '')}"
    out["legendgroup"] = "base"
    out["showlegend"] = False
    return out


def overlay(base: Chart | None, setting: Chart | None) -> Chart | None:
    """``setting``'s chart over ``base``'s in grey (``setting`` alone when there is no base)."""
    if setting is None or base is None:
        return setting
    figure = copy.deepcopy(setting.figure)
    under = [grey(t) for t in base.figure.data if not str(t.get("name", "")).startswith("target")]
    if under:  # one legend entry for the whole base: clicking it hides or shows every grey trace
        under[0] = {**under[0], "showlegend": True, "name": "base (grey)"}
    figure.data = under + figure.data
    return Chart(setting.id, setting.title, "The base in grey, this setting in colour. " + setting.description,
                 figure, setting.section)


def charts(base, setting, specs: list[dict], basis: str) -> list[Chart]:
    """Capacity against the targets, AI share, power and energy, and (when a target sets racks,
    utilisation, green share, ...: :func:`has_goals`) the report's goals chart: the base (Results)
    in grey under the setting (Results) in colour, every month axis on one range (as in the report)."""
    out = []
    draws = [lambda r: growth_chart(r.monthly, specs, basis), lambda r: share_chart(r.monthly, specs),
             lambda r: power_aims(power_chart(r.monthly, r.annual), r.monthly, r.annual, specs)]
    if has_goals(specs):
        draws.append(lambda r: goals_chart(r.monthly, r.annual, specs, r.targets))
    for draw in draws:
        chart = overlay(draw(base) if base is not setting else None, draw(setting))
        if chart is not None:
            out.append(chart)
    share_x_range(out)
    return out


def has_goals(specs: list[dict]) -> bool:
    """Whether a target sets a measure only the goals chart draws (racks, utilisation, green share, ...)."""
    return bool(goal_measures([s for s in specs if s.get("role", "plan") == "plan"]))  # calibration is no goal
