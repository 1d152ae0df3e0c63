"""Plain names for the inputs explore and solve vary: ``projects.general-rest.utilization`` ->
"utilisation of the rest of Guizhou's general-purpose compute", ``policies.capex_subsidy.rate`` ->
"subsidy rate".

A lever (``explore.levers``) or an uncertainty (``uncertainty.parameters``) may carry its own
``label:``; otherwise the label is made from the dotted path: the field's words (its unit suffix
dropped: the unit is shown beside the value), and the thing it belongs to (a project or site by
its ``name``, a policy by its plain name, a project status). The path itself is never shown to a
reader where a label exists; the tables keep the path (a contract), the texts and charts use the
label.

Works on a validated :class:`~sim.scenario.schema.Scenario` or on its plain dict (a results
folder's ``resolved_scenario``): the report reads the latter, without pydantic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

FIELD_WORDS = {
    "utilization": "utilisation", "it_mw": "IT power", "pflops": "compute", "investment_cny": "investment",
    "headroom_mw": "grid headroom", "ai_pflops_per_month": "AI accelerator supply", "rate": "rate",
    "annual_budget_cny": "annual budget", "go_probability_bonus": "go-probability bonus",
    "delay_reduction_months": "delay reduction", "price_cny_per_pflops_hour": "price per PFLOPS-hour",
    "delay_scale": "delay scale", "max_annual_pue": "PUE ceiling", "extra_capex_share": "extra capex share",
    "grid_t_per_mwh": "grid emission factor", "green_share": "green share", "go_probability": "go probability",
    "phase_gap_months": "months between phases", "min_pflops": "minimum compute", "delay_months": "delay",
    "design_pue": "design PUE", "capacity_mw": "capacity", "start": "starting utilisation", "months": "ramp months",
}
"""The plain words of a field (its unit suffix dropped: the unit is printed beside the value)."""
POLICY_WORDS = {"capex_subsidy": "subsidy", "compute_vouchers": "voucher", "pue_cap": "PUE cap",
                "emissions": "emissions", "fast_track": "fast-track"}
DRAW_WORDS = {"low": "shortest", "high": "longest", "mode": "most likely", "mean": "mean", "median": "median",
              "sd": "spread of the", "sigma": "spread of the", "value": ""}
"""A field of a delay distribution: ``uncertainty.delay_months.registered.high`` -> "longest delay"."""
LONGEST_NAME = 50


def _data(scenario: Any) -> Mapping:
    if scenario is None:
        return {}
    if hasattr(scenario, "model_dump"):
        return scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return scenario if isinstance(scenario, Mapping) else {}


def _words(field: str) -> str:
    if field in FIELD_WORDS:
        return FIELD_WORDS[field]
    text = re.sub(r"_(mw|mwh|cny|months|t|pct|c)$", "", field)
    return text.replace("_", " ")


def short_name(name: str) -> str:
    """A project's or site's name shortened for a label: 'PLACEHOLDER: ' and parentheses dropped;
    a long name cut to its last part after ' / ', then to its first part before a comma."""
    text = re.sub(r"^\s*PLACEHOLDER:\s*", "", str(name)).strip()
    text = re.sub(r"\s*\([^()]*\)", "", text).strip() or text
    text = re.sub(r",\s*(operating|under construction|construction|registered|planned)$", "", text)
    if len(text) > LONGEST_NAME and " / " in text:
        text = text.split(" / ")[-1].strip()
    if len(text) > LONGEST_NAME and ", " in text:
        text = text.split(", ")[0]
    return text


def _item_name(data: Mapping, block: str, key: str) -> str:
    """The short name of project ``key`` (a list item by id) or site ``key`` (a mapping key); the key
    itself when it has no name."""
    items = data.get(block)
    if isinstance(items, Mapping):
        items = [{**items[key], "id": key}] if isinstance(items.get(key), Mapping) else []
    for item in items if isinstance(items, (list, tuple)) else ():
        if isinstance(item, Mapping) and str(item.get("id")) == key and item.get("name"):
            return short_name(item["name"])
    return key


def declared_label(path: str, data: Mapping) -> str | None:
    """The ``label:`` given to ``path`` in ``explore.levers`` or ``uncertainty.parameters``."""
    for entries in ((data.get("explore") or {}).get("levers"), (data.get("uncertainty") or {}).get("parameters")):
        entry = entries.get(path) if isinstance(entries, Mapping) else None
        if isinstance(entry, Mapping) and isinstance(entry.get("label"), str) and entry["label"].strip():
            return entry["label"].strip()
    return None


def derived_label(path: str, data: Mapping | None = None) -> str:
    """The label made from ``path`` alone (and the names of the project or site it names)."""
    data = data or {}
    parts = path.split(".")
    head, rest = parts[0], parts[1:]
    if head in ("projects", "sites") and len(rest) >= 2:
        owner = _item_name(data, head, rest[0])
        field = rest[-1]
        if "delay_months" in rest[1:-1] and field in DRAW_WORDS:
            return f"{DRAW_WORDS[field]} delay of {owner}".strip()
        return f"{_words(field)} of {owner}"
    if head == "policies" and len(rest) >= 2:
        policy = POLICY_WORDS.get(rest[0], rest[0].replace("_", " "))
        return f"{policy} {_words(rest[-1])}"
    if head == "uncertainty" and len(rest) >= 2:
        status = rest[1]
        if rest[0] == "go_probability":
            return f"go probability of {status} projects"
        if rest[0] == "delay_months":
            field = rest[2] if len(rest) > 2 else ""
            return f"{DRAW_WORDS.get(field, _words(field))} delay of {status} projects".strip()
    if head == "accounting" and len(rest) == 2 and rest[0] == "factors":
        return f"{rest[1]} accounting factor"
    if head == "grid" and rest == ["headroom_mw"]:
        return "grid headroom"
    if head == "supply" and rest:
        return FIELD_WORDS.get(rest[-1], f"supply {_words(rest[-1])}")
    if len(parts) >= 2:
        return f"{_words(parts[-1])} of {parts[-2].replace('_', ' ')}"
    return _words(path)


def input_label(path: str, scenario: Any = None) -> str:
    """The plain label of the input at ``path``: its declared ``label:``, else one derived from the
    path (see the module)."""
    data = _data(scenario)
    return declared_label(path, data) or derived_label(path, data)


def input_labels(paths: Iterable[str], scenario: Any = None) -> dict[str, str]:
    """{path: label} for many paths (the scenario read once); labels made distinct by adding the
    path's last segments where two would read the same."""
    data = _data(scenario)
    paths = list(dict.fromkeys(paths))
    labels = {p: declared_label(p, data) or derived_label(p, data) for p in paths}
    seen: dict[str, list[str]] = {}
    for p, label in labels.items():
        seen.setdefault(label, []).append(p)
    for label, same in seen.items():
        if len(same) > 1:
            for p in same:
                labels[p] = f"{label} ({p.split('.')[1] if p.count('.') >= 2 else p})"
    return labels
