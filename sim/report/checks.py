"""What the tables and the manifest of a results folder must hold for the report to draw on them.

capsim writes every table and manifest itself; a folder that was edited by hand, truncated or
damaged is refused with one line naming the file and the column (with its line) or field, so the
report never prints nonsense ("met in 250%", "-5 replications") or fails half-way. The rules are
those of what capsim writes: probabilities and shares in [0, 1] (robustness.csv's cells when its
measure is a target), counts and capacities not
negative, P10 <= P50 <= P90, months as ``YYYY-MM``, numbers finite where the report computes with
them, manifest fields of the type capsim writes, nesting at most :data:`MAX_DEPTH` deep.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..scenario.criteria import CRITERIA

MAX_DEPTH = 64
"""Deepest nesting of lists and objects accepted in manifest.json (capsim writes about 8)."""
LARGEST = 1e100
"""Largest magnitude of a number in a table: far beyond any quantity capsim models (the largest,
money in CNY over a horizon, stays below 1e15), and far enough below the largest float that sums
and unit conversions cannot overflow."""
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
STATS = ("mean", "p5", "p10", "p50", "p90", "p95")
NOT_NEGATIVE = ("_eflops", "_pflops", "_pflops_hours", "_online", "racks", "_mwh", "it_mw", "it_load_mw",
                "facility_mw", "_t", "subsidy_cny", "voucher_cny", "subsidy_cny_cumulative", "investment_cny",
                "public_cost_cny", "utilization")
"""Metrics (by the end of their name) that are capacities, counts, energies or money paid: never negative."""
SHARE = ("_share",)
MAY_BE_EMPTY = ("pue", "green_mwh", "carbon_t", "utilization", "green_share")
"""Metrics capsim leaves empty where they are undefined (PUE with no IT load; green energy and
carbon without their inputs; utilisation with no IT online; the green share without facility
energy); every other metric has its P10, P50 and P90."""


def _shown(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- the manifest ---------------------------------------------------------------------------


def depth_and_numbers(data: object, path: Path) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` and integers too large for a float (without
    recursion, so any depth is safe to look at)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise ScenarioError(f"{path}: damaged manifest: nested deeper than {MAX_DEPTH} levels")
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2 ** 63:
            raise ScenarioError(f"{path}: damaged manifest: a number too large ({str(value)[:20]}...)")


def _is_int(v: object, low: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= low


def _is_number(v: object, low: float = -math.inf, high: float = math.inf) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= LARGEST
            and low <= v <= high)


def _is_pair(v: object) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v)


STRING = (lambda v: isinstance(v, str), "text")
OBJECT = (lambda v: isinstance(v, dict), "an object")
TEXTS = (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of texts")
COUNT = (lambda v: _is_int(v, 1), "a whole number of at least 1")
NATURAL = (lambda v: _is_int(v, 0), "a whole number of at least 0")
PROBABILITY = (lambda v: _is_number(v, 0.0, 1.0), "a number from 0 to 1")
FINITE = (lambda v: _is_number(v), "a finite number (at most 1e100)")
NOT_NEGATIVE_NUMBER = (lambda v: _is_number(v, 0.0), "a finite number of at least 0")
PAIR = (_is_pair, "a list of two finite numbers")
FLAG = (lambda v: isinstance(v, bool), "true or false")
MONTH_TEXT = (lambda v: isinstance(v, str) and bool(MONTH.match(v)), "a month YYYY-MM")

MANIFEST_FIELDS = {
    "written_by": STRING, "kind": (lambda v: v in ("run", "compare", "explore", "solve"), "run, compare, explore or solve"),
    "scenario": OBJECT, "scenario.name": STRING, "scenario.path": STRING, "scenario.sha256": STRING,
    "variant": STRING, "variants": TEXTS, "applied": OBJECT, "seed": NATURAL, "replications": COUNT,
    "events": NATURAL, "rank_by": STRING, "runs": OBJECT, "versions": OBJECT, "versions.capsim": STRING,
    "command": TEXTS, "started": STRING, "finished": STRING, "resolved_scenario": OBJECT,
    "resolved_scenario.name": STRING, "resolved_scenario.accounting": OBJECT,
    "resolved_scenario.accounting.label": STRING,
    "resolved_scenario.targets": (lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
                                  "a list of objects"),
    "explore": OBJECT, "explore.method": (lambda v: v in ("sobol", "morris", "lhs"), "sobol, morris or lhs"), "explore.samples": COUNT, "explore.evaluations": COUNT,
    "explore.probability": PROBABILITY,
    "explore.inputs": (lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v), "a list of objects"),
    "solve": OBJECT, "solve.lever": STRING, "solve.unit": STRING, "solve.target": STRING,
    "solve.probability": PROBABILITY, "solve.direction": (lambda v: v in ("smallest", "largest"), "smallest or largest"),
    "solve.low": FINITE, "solve.high": FINITE, "solve.tolerance": NOT_NEGATIVE_NUMBER, "solve.status": STRING,
    "solve.answer": FINITE, "solve.bracket": PAIR, "solve.straddle": PAIR, "solve.monotone": FLAG,
    "solve.monotone_note": STRING,
}
"""Field (dotted path) -> (check, what it must be). A field may be absent or null (older folders)."""
TARGET_FIELDS = {"name": STRING, "by": MONTH_TEXT, "total_eflops": NOT_NEGATIVE_NUMBER,
                 "intelligent_share": PROBABILITY, "role": (lambda v: v in ("plan", "calibration"), "plan or calibration")}
TARGET_FIELDS |= {name: PROBABILITY if CRITERIA[name].unit == "share" else NOT_NEGATIVE_NUMBER
                  for name in CRITERIA if name not in TARGET_FIELDS}
INPUT_FIELDS = {"path": STRING, "unit": STRING, "kind": STRING, "low": FINITE, "high": FINITE}


def _field(data: dict, dotted: str) -> object:
    value: object = data
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _check(path: Path, where: str, value: object, rule: tuple) -> None:
    ok, what = rule
    if value is not None and not ok(value):
        raise ScenarioError(f"{path}: damaged manifest: field {where} must be {what} (found {_shown(value)})")


NOT_NULL = ("solve.probability",)
"""Fields that, when their block is there, capsim always fills."""


def check_manifest(path: Path, data: dict) -> None:
    """Every field the report reads has the type (and range) capsim writes."""
    for dotted, rule in MANIFEST_FIELDS.items():
        _check(path, dotted, _field(data, dotted), rule)
    for dotted in NOT_NULL:
        block = _field(data, dotted.rsplit(".", 1)[0])
        if isinstance(block, dict) and block.get(dotted.rsplit(".", 1)[1]) is None:
            raise ScenarioError(f"{path}: damaged manifest: field {dotted} is missing")
    for name, run in (data.get("runs") or {}).items():
        _check(path, f"runs.{name}", run, OBJECT)
        applied = (run or {}).get("applied")
        _check(path, f"runs.{name}.applied", applied, OBJECT)
        for key in ("set", "overrides"):
            _check(path, f"runs.{name}.applied.{key}", (applied or {}).get(key), OBJECT)
    for key in ("set", "overrides"):
        _check(path, f"applied.{key}", (data.get("applied") or {}).get(key), OBJECT)
    for i, spec in enumerate(_field(data, "resolved_scenario.targets") or ()):
        for key, rule in TARGET_FIELDS.items():
            _check(path, f"resolved_scenario.targets[{i}].{key}", spec.get(key), rule)
    for i, spec in enumerate(_field(data, "explore.inputs") or ()):
        for key, rule in INPUT_FIELDS.items():
            _check(path, f"explore.inputs[{i}].{key}", spec.get(key), rule)


# --- the tables -----------------------------------------------------------------------------


def _refuse(path: Path, column: str, table: pd.DataFrame, bad: np.ndarray, what: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        value = table[column].iloc[row]
        shown = "an empty cell" if value is None or (isinstance(value, float) and math.isnan(value)) \
            else _shown(value.item() if hasattr(value, "item") else value)
        raise ScenarioError(f"{path}: damaged table: column {column}, line {row + 2}: {what} (found {shown})")


def _numbers(path: Path, table: pd.DataFrame, column: str) -> np.ndarray:
    values = table[column]
    if values.dtype == bool:
        return values.to_numpy(float)
    if not pd.api.types.is_numeric_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce")
        _refuse(path, column, table, (numbers.isna() & values.notna() & (values.astype(str) != "")).to_numpy(),
                "text where a number belongs")
        return numbers.to_numpy(float)
    return values.to_numpy(float)


def _range(path: Path, table: pd.DataFrame, column: str, low: float = -math.inf, high: float = math.inf,
           required: bool = False, whole: bool = False) -> None:
    """Column ``column`` (when the table has it): finite numbers within [low, high] (whole numbers
    with ``whole``); empty cells allowed unless ``required``."""
    if column not in table.columns:
        return
    v = _numbers(path, table, column)
    empty = np.isnan(v)
    if required:
        _refuse(path, column, table, empty, "a number is needed here")
    _refuse(path, column, table, np.isinf(v), "a finite number is needed here")
    shown = [] if low == -math.inf else [f"at least {low:g}"]
    shown += [] if high == math.inf else [f"at most {high:g}"]
    with np.errstate(invalid="ignore"):
        _refuse(path, column, table, ~empty & ((v < low) | (v > high)), "must be " + " and ".join(shown))
        if whole:
            _refuse(path, column, table, ~empty & (v != np.floor(v)), "must be a whole number")


def _flags(path: Path, table: pd.DataFrame, column: str) -> None:
    if column in table.columns and table[column].dtype != bool:
        values = table[column].astype(str).str.strip().str.lower()
        _refuse(path, column, table, (~values.isin(["true", "false", "1", "0", "1.0", "0.0"])).to_numpy(),
                "must be True or False")


def _months(path: Path, table: pd.DataFrame, column: str, also: tuple[str, ...] = ()) -> None:
    if column in table.columns:
        values = table[column].astype(str)
        _refuse(path, column, table, (~(values.str.match(MONTH.pattern) | values.isin(also))).to_numpy(),
                "must be a month YYYY-MM" + (f" or {' or '.join(repr(a) for a in also if a)}" if also else ""))


def _long_table(path: Path, table: pd.DataFrame) -> None:
    """monthly, annual, sites: statistics finite, P10 <= P50 <= P90, shares in [0, 1], capacities,
    counts and energies not negative."""
    metric = table["metric"].astype(str)
    needed = (~metric.isin(MAY_BE_EMPTY)).to_numpy()
    for column in STATS:
        _range(path, table, column)
        if column in ("p10", "p50", "p90"):
            _refuse(path, column, table, needed & np.isnan(table[column].to_numpy(float)),
                    "a number is needed here")
    p10, p50, p90 = (table[c].to_numpy(float) for c in ("p10", "p50", "p90"))
    slack = 1e-9 * np.maximum(1.0, np.abs(p50))
    _refuse(path, "p50", table, (p10 > p50 + slack) | (p50 > p90 + slack), "P10 <= P50 <= P90 is needed")
    share = metric.str.endswith(SHARE).to_numpy()
    positive = np.zeros(len(table), dtype=bool)
    for end in NOT_NEGATIVE:
        positive |= metric.str.endswith(end).to_numpy()
    for column in ("p10", "p50", "p90"):
        v = table[column].to_numpy(float)
        _refuse(path, column, table, share & ((v < 0) | (v > 1)), "a share must be from 0 to 1")
        _refuse(path, column, table, positive & (v < 0), "a capacity, count, energy or amount cannot be negative")


KEYS = {"monthly": ("variant", "month", "metric"), "annual": ("variant", "year", "metric"),
        "sites": ("variant", "month", "site", "metric"), "targets": ("variant", "target"),
        "projects": ("variant", "project"), "ranking": ("variant",), "compare": ("variant", "output", "when", "stat"),
        "sensitivity": ("output", "year", "parameter", "index"), "solve": ("step",), "frontier": ("step",),
        "packages": ("step",), "samples": ("sample",), "robustness": ("policy", "scenario")}
"""Columns that tell a table's rows apart: capsim writes each combination once."""


def check_folder(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """What the tables must agree on: a comparison's ranking.csv ranks the base too."""
    ranking = tables.get("ranking")
    if ranking is not None and len(ranking) and not (ranking["variant"] == "base").any():
        raise ScenarioError(f"{folder / 'ranking.csv'}: damaged table: no row for the base (variant base)")


def check_table(path: Path, table: pd.DataFrame) -> None:
    """The rules of the table named by ``path``'s stem (any other table: no infinite numbers)."""
    name = path.stem
    keys = [c for c in KEYS.get(name, ()) if c in table.columns]
    if keys:
        repeated = table.duplicated(keys).to_numpy()
        if repeated.any():
            row = int(np.flatnonzero(repeated)[0])
            raise ScenarioError(f"{path}: damaged table: line {row + 2} repeats the row of its "
                                f"{', '.join(keys)}")
    for column in table.columns:  # no table capsim writes holds an infinity, or a number near one
        if pd.api.types.is_numeric_dtype(table[column]) and table[column].dtype != bool:
            values = np.abs(table[column].to_numpy(float))
            _refuse(path, str(column), table, np.isinf(values), "a finite number is needed here")
            _refuse(path, str(column), table, values > LARGEST, f"a number beyond {LARGEST:g}, which no quantity "
                    "capsim models reaches")
    if name in ("monthly", "annual", "sites"):
        _long_table(path, table)
        if name != "annual":
            _months(path, table, "month")
        _range(path, table, "year", 1, 9999, required=name == "annual", whole=True)
    elif name == "targets":
        _range(path, table, "probability", 0, 1, required=True)
        _months(path, table, "by")
        for column in ("reached_p10", "reached_p50", "reached_p90"):
            _months(path, table, column, also=("never", ""))
    elif name == "projects":
        _range(path, table, "go_share", 0, 1)
        for column in ("grid_wait_months_mean", "supply_wait_months_mean", "peak_facility_mw"):
            _range(path, table, column, 0)
        for column in ("online_p10", "online_p50", "online_p90", "planned_online", "planned_online_effective"):
            _months(path, table, column, also=("never", ""))
    elif name == "compare":
        for column in ("base", "value", "diff_mean", "diff_ci_low", "diff_ci_high"):
            _range(path, table, column)
        share = (table["output"].astype(str) == "target_probability").to_numpy()
        for column in ("base", "value"):
            v = table[column].to_numpy(float)
            _refuse(path, column, table, share & ((v < 0) | (v > 1)), "a probability must be from 0 to 1")
    elif name == "ranking":
        # only the base and the policies are ranked when the runs say their kind (sim.run.kinds)
        kinds = table["kind"].fillna("").astype(str) if "kind" in table.columns else None
        ranked = np.ones(len(table), bool) if kinds is None else kinds.isin(["base", "policy"]).to_numpy()
        _range(path, table, "rank", 1, whole=True)
        if "rank" in table.columns:
            _refuse(path, "rank", table, ranked & np.isnan(_numbers(path, table, "rank")), "a number is needed here")
        for column in table.columns:
            if str(column).startswith("probability["):
                _range(path, table, str(column), 0, 1)
    elif name in ("frontier", "packages"):
        for column in ("probability", "ci_low", "ci_high"):
            _range(path, table, column, 0, 1, required=True)
        _range(path, table, "step", 0, whole=True, required=True)
    elif name == "robustness":
        _robustness(path, table)
    elif name == "solve":
        _range(path, table, "value", required=True)
        for column in ("probability", "ci_low", "ci_high"):
            _range(path, table, column, 0, 1, required=True)
        _range(path, table, "step", 0, whole=True, required=True)
        _range(path, table, "replications", 1, whole=True)
        _flags(path, table, "met")
    elif name == "sensitivity":
        for column in ("value", "ci_low", "ci_high"):
            _range(path, table, column)
        _range(path, table, "year", 1, 9999, whole=True)
        _flags(path, table, "stable")
        if "method" in table.columns:
            _refuse(path, "method", table, (~table["method"].isin(["sobol", "morris", "lhs"])).to_numpy(),
                    "must be sobol, morris or lhs")
    elif name == "discovery":
        for column in ("coverage", "density", "mass"):
            _range(path, table, column, 0, 1, required=True)
        for column in ("low", "high"):
            _range(path, table, column)
        _range(path, table, "step", 0, whole=True)
        _flags(path, table, "chosen")
    elif name == "samples":
        for column in table.columns:
            if str(column).startswith("p_met["):
                _range(path, table, str(column), 0, 1)
            elif column != "sample":
                _range(path, table, str(column))
        _range(path, table, "sample", 0, whole=True, required=True)


def _robustness(path: Path, table: pd.DataFrame) -> None:
    """robustness.csv: a cell's value (and the worst case) a probability in [0, 1] when the measure is
    a target (not an output of :data:`~sim.run.ranking.OUTPUTS_BY_NAME`), regrets not negative,
    the share of scenarios on track in [0, 1], ``recommended`` 0 or 1."""
    from ..run.ranking import OUTPUTS_BY_NAME
    _range(path, table, "value", required=True)
    if "measure" in table.columns:
        probability = (~table["measure"].astype(str).isin(list(OUTPUTS_BY_NAME))).to_numpy()
        for column in ("value", "worst_case", "regret", "max_regret"):
            if column in table.columns:
                v = _numbers(path, table, column)
                with np.errstate(invalid="ignore"):
                    _refuse(path, column, table, probability & ((v < 0) | (v > 1)),
                            "a probability (the measure is a target) must be from 0 to 1")
    for column in ("regret", "max_regret"):
        _range(path, table, column, 0)
    _range(path, table, "share_on_track", 0, 1)
    _range(path, table, "recommended", 0, 1, whole=True)
