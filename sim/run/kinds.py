"""What each variant is, and a comparison told apart by it (docs/decisions.md).

A variant's ``kind`` (:class:`~sim.scenario.schema.Variant`) says what it is:

* ``policy``: a lever the region controls. Only policies are ranked, together with the base
  scenario, which stands for "do nothing new".
* ``risk`` (an external what-if) and ``assumption`` (a modelling belief tested for its effect):
  never ranked; shown apart as "what moves the outcome".
* ``view``: the same runs counted another way (an accounting basis, carbon accounting); shown
  apart as "the same runs, counted another way".
* no ``kind``: unclassified. A scenario none of whose variants has a kind is ranked exactly as
  before (every run in one ranking, ranking.csv unchanged), with a one-line hint; in a scenario
  that classifies some, the unclassified ones are listed apart.

When the ranked measure ties at the top (all 100%, or all 0%), a sentence says so and names the
next measure, public cost (lower first), which orders the tied runs; when every run ties, no run
is called best: "no policy changes P(...): all N tie at 100%; ordered by the next measure, ...". Policies that spend public
money are also shown by cost-effectiveness against the base: P(met) points (or the ranked
output) gained per bn CNY of public money added. A result that rests on an assumed behaviour
(the capex subsidy's ``go_probability_bonus`` or ``delay_reduction_months``: the investors'
response) is marked with ``*`` and a note wherever it is shown.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..analysis.results import Results
from ..scenario.schema import Scenario
from ..scenario.variants import BASE
from .ranking import OUTPUTS_BY_NAME, ranking_table, summary_lines

if TYPE_CHECKING:
    import pandas as pd

GROUPS = (
    ("policy", ("policy",), "policies, ranked (base = do nothing new)"),
    ("effect", ("risk", "assumption"), "what moves the outcome (risks and assumptions: not choices, never ranked)"),
    ("view", ("view",), "the same runs, counted another way (views: not choices, never ranked)"),
    ("unclassified", (None,), "unclassified variants (no kind:), compared as before"),
)
HINT = ("add `kind: policy | risk | assumption | view` to each variant so that only policies are ranked "
        "(docs/decisions.md)")
ASSUMED_MARK = "*"
ASSUMED_NOTE = ("* rests on an assumed investor response to the capex subsidy (go_probability_bonus, "
                "delay_reduction_months): see the assumption variants that vary it")


def variant_kind(scenario: Scenario, name: str) -> str | None:
    """'base', or the variant's kind (None: unclassified)."""
    return BASE if name == BASE else scenario.variants[name].kind


def classified(scenario: Scenario) -> bool:
    """Whether any variant says its kind."""
    return any(v.kind is not None for v in scenario.variants.values())


def assumed_behaviour(scenario: Scenario) -> str:
    """'investor response' when the run's capex subsidy assumes one (a bonus or a delay reduction), else ''."""
    subsidy = scenario.policies.capex_subsidy
    if subsidy is None or subsidy.rate == 0:
        return ""
    if subsidy.go_probability_bonus or subsidy.delay_reduction_months:
        return "investor response to the subsidy (assumed)"
    return ""


def group_of(kind: str | None) -> str:
    if kind in (BASE, "policy"):
        return "policy"
    return next(key for key, kinds, _ in GROUPS if kind in kinds)


def grouped_ranking(results: dict[str, Results], rank_by: str) -> pd.DataFrame:
    """ranking.csv. Unclassified scenario: :func:`~sim.run.ranking.ranking_table` as it stands.
    Otherwise each group (policies with the base, risks and assumptions, views, unclassified) is
    listed apart, policies first; only the policies and the base are ranked (``rank`` 1, 2, ...;
    empty for every other row, so that rank 1 is always a policy or the base), and two columns are added:
    ``kind`` (base, policy, risk, assumption, view, or empty) and ``assumed_behaviour``."""
    import pandas as pd  # imported when a table is made (about 0.2 s)
    scenario = results[BASE].scenario
    if not classified(scenario):
        return ranking_table(results, rank_by)
    parts = []
    for key, _, _ in GROUPS:
        names = [n for n in results if n != BASE and group_of(variant_kind(scenario, n)) == key]
        if key == "policy":
            names = [BASE, *names]
        elif not names:
            continue
        table = ranking_table({BASE: results[BASE], **{n: results[n] for n in names}}, rank_by)
        if key != "policy":  # the base row stays in the policy group only
            table = table[table["variant"] != BASE].copy()
            table["rank"] = pd.array([pd.NA] * len(table), dtype="Int64")
        table.insert(2, "kind", [variant_kind(scenario, n) or "" for n in table["variant"]])
        table.insert(3, "assumed_behaviour", [assumed_behaviour(results[n].scenario) for n in table["variant"]])
        parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    out["rank"] = out["rank"].astype("Int64")  # whole numbers, empty in the csv for the rows not ranked
    return out


def tie_sentence(table: pd.DataFrame, rank_by: str, label: str, what: str = "variant") -> str:
    """One sentence when the ranked figure ties at the top, naming the next measure; else ''.
    ``what``: the runs' noun ("policy") for "no policy changes ..." when all of them tie."""
    values = table["value"]
    if len(table) < 2 or values.isna().all():
        return ""
    top = values.iloc[0]
    tied = int((values == top).sum())
    if tied < 2:
        return ""
    figure = _figure(top, rank_by)
    if tied == len(table):  # the measure cannot separate the runs: none is called "best"
        return (f"no {what} changes {label}: all {tied} tie at {figure}; ordered by the next measure, public cost "
                "(subsidy + vouchers over the horizon, lowest first)")
    return (f"the first {tied} runs tie at {figure} {label}: ordered among themselves by the next measure, "
            "public cost (subsidy + vouchers over the horizon, lower first)")


def _figure(value: float, rank_by: str) -> str:
    if rank_by in OUTPUTS_BY_NAME:
        o = OUTPUTS_BY_NAME[rank_by]
        return f"{format(value * o.scale, o.fmt)} {o.label}"
    return f"{value:.1%}"


MATERIAL_CNY = 1e7
"""Public money added below this (10 million CNY, 0.01 bn) is not material: no ratio is shown, since
dividing by almost nothing gives a meaningless figure (a fast track that only moves subsidy timing)."""


def cost_effectiveness(table: pd.DataFrame, rank_by: str) -> list[str]:
    """Per run that adds public money against the base: the ranked figure gained per bn CNY added
    (no ratio when the money added is below :data:`MATERIAL_CNY`)."""
    base = table[table["variant"] == BASE]
    if base.empty:
        return []
    base = base.iloc[0]
    lines = []
    for row in table.to_dict("records"):
        added = (row["public_cost_cny"] - base["public_cost_cny"]) / 1e9
        if row["variant"] == BASE or not math.isfinite(added) or added <= 0:
            continue
        if added * 1e9 < MATERIAL_CNY:
            lines.append(f"  {row['variant']}: no material public cost ({added * 1e9:+,.0f} CNY against the base, "
                         f"below +-{MATERIAL_CNY / 1e9:.2f} bn CNY): no ratio")
            continue
        gain = row["value"] - base["value"]
        eflops = (row["total_eflops_end"] - base["total_eflops_end"]) / added
        if rank_by in OUTPUTS_BY_NAME:
            o = OUTPUTS_BY_NAME[rank_by]
            per = f"{format(gain * o.scale / added, '+,.3f')} {o.label} per bn CNY"
        else:
            per = f"{gain * 100 / added:+,.1f} points of P per bn CNY"
        lines.append(f"  {row['variant']}: +{added:,.2f} bn CNY public money against the base: {per}; "
                     f"{eflops:+,.2f} EFLOPS at the end per bn CNY")
    if lines:
        lines.insert(0, "cost-effectiveness (runs that add public money; means against the base):")
    return lines


def effect_lines(scenario: Scenario, table: pd.DataFrame, rank_by: str) -> list[str]:
    """A group that is not ranked: each run's ranked figure and its paired difference to the base."""
    from .ranking import _interval, _reached_column
    output = OUTPUTS_BY_NAME.get(rank_by)
    rows = [["variant", "kind", "figure", "vs base [95% interval]", "first met P50" if output is None else "", "what it is"]]
    for row in table.to_dict("records"):
        diff = [row["diff_mean"], row["diff_ci_low"], row["diff_ci_high"]]
        if output is None:
            figure = "-" if math.isnan(row["value"]) else f"{row['value']:.1%}"
            vs = _interval(*(d * 100 for d in diff), ".1f", " points")
            met = row.get(_reached_column(rank_by)) or "-"
            met = "at the start" if met == scenario.horizon.start else met
        else:
            figure = "-" if math.isnan(row["value"]) else format(row["value"] * output.scale, output.fmt)
            vs, met = _interval(*(d * output.scale for d in diff), output.fmt), ""
        variant = scenario.variants[row["variant"]]
        rows.append([row["variant"], variant.kind or "-", figure, vs, met, variant.description or ""])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(format(c, f"<{w}") for c, w in zip(r, widths)).rstrip() for r in rows]


def grouped_lines(scenario: Scenario, ranking: pd.DataFrame, rank_by: str, end: str,
                  results: dict[str, Results] | None = None) -> list[str]:
    """The text ``capsim compare`` prints under its verdict: the ranked policies, then each other group."""
    if not classified(scenario):
        lines = summary_lines(scenario, ranking, rank_by, end)
        tie = tie_sentence(ranking, rank_by, measure_label(scenario, rank_by))
        lines += [tie] if tie else []
        if scenario.variants:
            lines.append(f"{len(scenario.variants)} variant(s) unclassified: {HINT}")
        return lines
    lines = []
    for key, _, title in GROUPS:
        table = ranking[ranking["kind"].isin([BASE, "policy"]) if key == "policy"
                        else ranking["kind"].map(lambda k: group_of(k or None) == key)]
        if key != "policy" and table.empty:
            continue
        lines.append(f"-- {title}")
        if key == "policy":
            shown = table.copy()
            marked = shown["assumed_behaviour"].astype(bool)
            shown.loc[marked, "variant"] = shown.loc[marked, "variant"] + ASSUMED_MARK
            lines += summary_lines(scenario, shown, rank_by, end)
            tie = tie_sentence(table, rank_by, measure_label(scenario, rank_by), "policy")
            lines += [tie] if tie else []
            lines += [ASSUMED_NOTE] if marked.any() else []
            lines += cost_effectiveness(table, rank_by)
            if len(table) == 1:
                lines.append("no policy variant: the base alone (add variants with kind: policy to rank choices)")
            note = from_start_note(results) if results is not None else ""
            lines += [note] if note else []
        else:
            lines += effect_lines(scenario, table, rank_by)
            if key == "unclassified":
                lines.append(HINT)
    return lines


LEVERS = ("capex_subsidy", "compute_vouchers", "pue_cap", "fast_track")


def _from_start(first: str | None, start: str) -> bool:
    from ..months import month_number
    return first is None or month_number(str(first)) <= month_number(start)


def from_start_note(results: dict[str, Results]) -> str:
    """One line naming the policy variants that bring in a lever the base does not have, in force
    from the horizon's first month (no ``from:``, or one not after the start): a decision taken
    now acts later, and such a lever rewrites the first months' path (docs/decisions.md); '' if none."""
    base = results[BASE].scenario
    start = base.horizon.start
    named = []
    for name, result in results.items():
        if name == BASE or variant_kind(base, name) != "policy":
            continue
        levers = [lever for lever in LEVERS if getattr(base.policies, lever) is None
                  and getattr(result.scenario.policies, lever) is not None
                  and _from_start(getattr(getattr(result.scenario.policies, lever), "from_", None), start)]
        named += [f"{name} ({', '.join(levers)})"] if levers else []
    if not named:
        return ""
    return (f"note: in force from the horizon's first month ({start}), with no later `from:`: {'; '.join(named)}; "
            "a policy decided now acts later, and its effect date matters (docs/decisions.md)")


def measure_label(scenario: Scenario, rank_by: str) -> str:
    if rank_by in OUTPUTS_BY_NAME:
        return OUTPUTS_BY_NAME[rank_by].label
    return f"P({rank_by!r} met)"
